/**
 * Step 4b — the entry's log MUST be one of the trusted root's transparency logs (by log ID) with a
 * usable key (TLOG_UNTRUSTED_LOG) and a well-formed validity window (TRUSTED_ROOT_INVALID). Whether the log was trusted *at the entry's time* is checked once
 * the verified times are known (see log-validity.ts).
 */
import type { TransparencyLogEntry } from '../bundle/types.js';
import type { PublicKey } from '../crypto/index.js';
import { base64Encode } from '../encoding.js';
import { VerificationError } from './errors.js';
import type { TrustedLog, TrustMaterial } from './trust-material.js';

export function findTrustedLog(
  entry: TransparencyLogEntry,
  trust: TrustMaterial,
): TrustedLog & { key: PublicKey } {
  const id = base64Encode(entry.logId);
  const log = trust.tlogs.get(id);
  if (!log) throw new VerificationError('TLOG_UNTRUSTED_LOG', `log ${id} is not in the trusted root`);
  if (log.instance.validFor.invalid !== undefined) {
    // A malformed validity window is refused, never read as unbounded.
    throw new VerificationError('TRUSTED_ROOT_INVALID', `log ${id}: ${log.instance.validFor.invalid}`);
  }
  if (log.key instanceof Error) {
    throw new VerificationError('TLOG_UNTRUSTED_LOG', `the trusted key of log ${id} is unusable`, {
      cause: log.key,
    });
  }
  return log as TrustedLog & { key: PublicKey };
}
