/**
 * Step 4c — the signed entry timestamp (Rekor v1 "inclusion promise"): the log's signature over the
 * RFC 8785 canonical JSON of {body, integratedTime, logID, logIndex} (body base64, logID hex),
 * SHA-256, with the log's key. A verified SET authenticates integratedTime and logIndex.
 */
import type { TransparencyLogEntry } from '../bundle/types.js';
import { canonicalJsonBytes, type PublicKey, verifySignature } from '../crypto/index.js';
import type { VerificationCache } from '../crypto/verification-cache.js';
import { base64Encode, hexEncode } from '../encoding.js';
import { VerificationError } from './errors.js';

export async function verifySignedEntryTimestamp(
  entry: TransparencyLogEntry,
  key: PublicKey,
  cache?: VerificationCache,
): Promise<void> {
  if (!entry.signedEntryTimestamp)
    throw new VerificationError('TLOG_SET_INVALID', 'no signed entry timestamp');
  const payload = canonicalJsonBytes({
    body: base64Encode(entry.canonicalizedBody),
    integratedTime: entry.integratedTime,
    logID: hexEncode(entry.logId),
    logIndex: entry.logIndex,
  });
  let ok = false;
  try {
    ok = await verifySignature(
      key,
      payload,
      entry.signedEntryTimestamp,
      key.kind === 'ed25519' ? { cache } : { hash: 'sha256', cache },
    );
  } catch (e) {
    throw new VerificationError('TLOG_SET_INVALID', 'the signed entry timestamp cannot be verified', {
      cause: e,
    });
  }
  if (!ok) throw new VerificationError('TLOG_SET_INVALID', 'the signed entry timestamp does not verify');
}
