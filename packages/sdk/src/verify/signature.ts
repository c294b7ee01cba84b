/**
 * Step 3 — the signature itself: the message signature over the artifact bytes (or, when only the
 * digest is known, over that digest: prehashed ECDSA/RSA), or the DSSE signature over
 * PAE(payloadType, payload), verified with the signer's key. Throws SIGNATURE_INVALID.
 */
import type { Bundle } from '../bundle/types.js';
import {
  type HashAlgorithm,
  type PublicKey,
  verifySignature,
  verifySignatureOverDigest,
} from '../crypto/index.js';
import type { VerificationCache } from '../crypto/verification-cache.js';
import type { Artifact } from './artifact.js';
import { preAuthEncoding } from './dsse.js';
import { VerificationError } from './errors.js';

function defaultHash(key: PublicKey): HashAlgorithm {
  if (key.kind === 'ecdsa')
    return key.curve === 'P-384' ? 'sha384' : key.curve === 'P-521' ? 'sha512' : 'sha256';
  return 'sha256';
}

/** Verifies the bundle's signature with `key`. */
export async function verifyContentSignature(
  bundle: Bundle,
  key: PublicKey,
  artifact: Artifact,
  cache?: VerificationCache,
): Promise<void> {
  let ok: boolean;
  try {
    if (bundle.content.kind === 'dsseEnvelope') {
      const c = bundle.content;
      ok = await verifySignature(
        key,
        preAuthEncoding(c.payloadType, c.payload),
        c.signatures[0].sig,
        cache ? { cache } : undefined,
      );
    } else {
      const c = bundle.content;
      const hash = c.messageDigest?.algorithm ?? defaultHash(key);
      if (artifact.bytes) {
        ok = await verifySignature(
          key,
          artifact.bytes,
          c.signature,
          key.kind === 'ed25519' ? { cache } : { hash, cache },
        );
      } else {
        if (key.kind === 'ed25519') {
          throw new VerificationError(
            'ARTIFACT_REQUIRED',
            'Ed25519 signatures need the artifact bytes, not a digest',
          );
        }
        const alg = artifact.anyAlgorithm(hash);
        const d = artifact.digest(alg);
        if (!d) throw new VerificationError('ARTIFACT_REQUIRED', 'no artifact digest');
        ok = await verifySignatureOverDigest(key, d, c.signature, { hash: alg });
      }
    }
  } catch (e) {
    if (e instanceof VerificationError) throw e;
    throw new VerificationError('SIGNATURE_INVALID', 'the signature cannot be verified with this key', {
      cause: e,
    });
  }
  if (!ok)
    throw new VerificationError('SIGNATURE_INVALID', 'the signature does not verify with the signer key');
}
