/**
 * Step 4a — a log entry's body and its declared kind: the canonicalized body MUST parse as a known
 * Rekor kind, and its kind and apiVersion MUST equal the entry's `kindVersion`
 * (TLOG_KIND_VERSION_MISMATCH), so that the type the bundle claims is the type the log recorded.
 *
 * Rekor v2's `dsse` 0.0.2 is refused (TLOG_KIND_UNSUPPORTED): rekor-tiles dropped it (#744) and
 * Rekor v2 logs a DSSE envelope as `hashedrekord` 0.0.2 over Hash(PAE(payloadType, payload)) with
 * the envelope's signature (sigstore/architecture-docs rekor-v2 spec §6.1.4); sigstore-go, -python
 * and -java refuse a v2 `dsse` entry in a bundle, and so does this verifier.
 */
import type { TransparencyLogEntry } from '../bundle/types.js';
import { parseEntryBody, type RekorBody } from '../entries/body.js';
import { VerificationError } from './errors.js';

/** Kinds a bundle may no longer carry, with the reason. */
const RETIRED: Record<string, string> = {
  'dsse@0.0.2':
    'Rekor v2 no longer logs dsse 0.0.2 entries; a DSSE envelope is logged as hashedrekord 0.0.2 over its PAE digest',
};

export function verifyEntryBody(entry: TransparencyLogEntry): RekorBody {
  const retired = RETIRED[`${entry.kind}@${entry.version}`];
  if (retired !== undefined) throw new VerificationError('TLOG_KIND_UNSUPPORTED', retired);
  const body = parseEntryBody(entry.canonicalizedBody);
  if (body.kind !== entry.kind || body.apiVersion !== entry.version) {
    throw new VerificationError(
      'TLOG_KIND_VERSION_MISMATCH',
      `entry declares ${entry.kind}@${entry.version} but its body is ${body.kind}@${body.apiVersion}`,
    );
  }
  return body;
}
