/**
 * Step 6 — each log MUST have been trusted when it logged the entry: its trusted-root validity
 * window (a closed interval; a window without a start is refused) MUST contain the entry's
 * authenticated integrated time, or, for entries without one (Rekor v2), every verified RFC 3161
 * time; with no verified time at all (timestampThreshold 0), the current time.
 * TLOG_LOG_NOT_VALID_AT_TIME.
 */
import { windowContains } from '../bundle/trusted-root.js';
import { VerificationError } from './errors.js';
import type { VerifiedTimestamp } from './options.js';
import type { CheckedEntry } from './tlog-entries.js';

export function verifyLogValidity(entries: CheckedEntry[], rfc3161: VerifiedTimestamp[], now: number): void {
  for (const e of entries) {
    const times =
      e.result.integratedTime !== undefined ? [e.result.integratedTime * 1000] : rfc3161.map((t) => t.time);
    // No verified time at all (the caller set timestampThreshold 0): the entry cannot postdate now,
    // so the log MUST at least be trusted now.
    if (times.length === 0) times.push(now);
    for (const t of times) {
      if (!windowContains(e.log.instance.validFor, t)) {
        throw new VerificationError(
          'TLOG_LOG_NOT_VALID_AT_TIME',
          `log ${e.result.logId} is not trusted at ${new Date(t).toISOString()}`,
        );
      }
    }
  }
}
