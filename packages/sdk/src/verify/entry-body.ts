/**
 * Step 4a — a log entry's body and its declared kind: the canonicalized body MUST parse as a known
 * Rekor kind, and its kind and apiVersion MUST equal the entry's `kindVersion`
 * (TLOG_KIND_VERSION_MISMATCH), so that the type the bundle claims is the type the log recorded.
 */
import type { TransparencyLogEntry } from '../bundle/types.js';
import { parseEntryBody, type RekorBody } from '../entries/body.js';
import { VerificationError } from './errors.js';

export function verifyEntryBody(entry: TransparencyLogEntry): RekorBody {
  const body = parseEntryBody(entry.canonicalizedBody);
  if (body.kind !== entry.kind || body.apiVersion !== entry.version) {
    throw new VerificationError(
      'TLOG_KIND_VERSION_MISMATCH',
      `entry declares ${entry.kind}@${entry.version} but its body is ${body.kind}@${body.apiVersion}`,
    );
  }
  return body;
}
