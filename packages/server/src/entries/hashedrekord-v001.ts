/**
 * hashedrekord 0.0.1 (Rekor `pkg/types/hashedrekord/v0.0.1`): a detached signature over an
 * artifact known only by its digest. Validation as Rekor's `validate()`: the signature MUST verify
 * with the given key or certificate over `spec.data.hash` (see prehashed.ts for the algorithms);
 * canonical body per `Canonicalize()` (@scriba/sdk `canonicalHashedRekordV001`).
 *
 * Stricter than Rekor, on purpose: the hash value MUST be lower-case hex (Rekor stores whatever case
 * it was sent, which makes one artifact loggable under two leaf hashes and breaks verifiers that
 * compare hex strings).
 */
import {
  canonicalHashedRekordV001,
  encodeStoredBodyOf,
  hashedRekordV001SearchDigests,
} from '@scriba/sdk/entries';
import { hashLeaf } from '@scriba/sdk/merkle';
import { EntryValidationError } from './errors.js';
import { invalid, type JsonObject, requireBase64, requireObject, requireString } from './fields.js';
import { DIGEST_LENGTH, type DigestAlgorithm, verifyOverDigest } from './prehashed.js';
import type { ValidatedEntry } from './types.js';
import { parseVerifierBase64 } from './verifier.js';

const ALGORITHMS: readonly DigestAlgorithm[] = ['sha256', 'sha384', 'sha512'];

export async function validateHashedRekordV001(spec: JsonObject): Promise<ValidatedEntry> {
  const signature = requireObject(spec, 'signature', 'spec.signature');
  const sig = requireBase64(signature, 'content', 'spec.signature.content');
  const publicKey = requireObject(signature, 'publicKey', 'spec.signature.publicKey');
  const keyB64 = requireString(publicKey, 'content', 'spec.signature.publicKey.content');
  const data = requireObject(spec, 'data', 'spec.data');
  const hash = requireObject(data, 'hash', 'spec.data.hash');
  const algorithm = requireString(hash, 'algorithm', 'spec.data.hash.algorithm');
  if (!ALGORITHMS.includes(algorithm as DigestAlgorithm)) {
    throw new EntryValidationError(
      'UNSUPPORTED_HASH',
      'spec.data.hash.algorithm',
      `must be one of ${ALGORITHMS.join(', ')}`,
    );
  }
  const alg = algorithm as DigestAlgorithm;
  const value = requireString(hash, 'value', 'spec.data.hash.value');
  if (value.length !== DIGEST_LENGTH[alg] * 2) {
    throw invalid('spec.data.hash.value', `must be ${DIGEST_LENGTH[alg] * 2} hex digits for ${alg}`);
  }
  if (!/^[0-9a-f]+$/.test(value)) throw invalid('spec.data.hash.value', 'must be lower-case hex');
  const digest = new Uint8Array(Buffer.from(value, 'hex'));

  const verifier = parseVerifierBase64(keyB64, 'spec.signature.publicKey.content');
  if (verifier.alg.type === 'ed25519' && alg !== 'sha512') {
    throw new EntryValidationError(
      'UNSUPPORTED_HASH',
      'spec.data.hash.algorithm',
      'Ed25519 keys are verified as Ed25519ph, which needs a sha512 digest',
    );
  }
  if (!(await verifyOverDigest(verifier, alg, digest, sig))) {
    throw new EntryValidationError(
      'SIGNATURE_INVALID',
      'spec.signature.content',
      'signature does not verify with spec.signature.publicKey over spec.data.hash',
    );
  }

  const body = canonicalHashedRekordV001({
    hash: { algorithm: alg, value },
    signature: sig,
    publicKeyPem: verifier.canonicalPem,
  });
  return {
    kind: 'hashedrekord',
    apiVersion: '0.0.1',
    body,
    leafHash: hashLeaf(body),
    searchKeys: {
      sha256Digests: hashedRekordV001SearchDigests({ algorithm: alg, value }),
      publicKeyFingerprints: [verifier.fingerprint],
      emails: [...verifier.emails],
      subjects: [...verifier.subjects],
    },
    // From the parts just canonicalized: the log need not parse the body's text to store it.
    storedBody: encodeStoredBodyOf(body, {
      hash: { algorithm: alg, value },
      signature: sig,
      label: verifier.pemBlocks.label,
      blocks: verifier.pemBlocks.ders,
    }),
  };
}
