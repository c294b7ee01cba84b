/**
 * Signature verification over a precomputed digest ("prehashed"), as needed for Rekor
 * hashedrekord entries which carry only the artifact digest. ECDSA verifies the digest directly
 * (FIPS 186-5 §6.4.2 step 2 onwards, via @noble/curves with prehash disabled, high-S accepted);
 * RSA recovers the encoded message with BigInt arithmetic and checks EMSA-PKCS1-v1_5 or
 * EMSA-PSS (RFC 8017). PureEdDSA (Ed25519) signs the message itself, so no digest-only
 * verification exists: it throws KEY_UNSUPPORTED.
 */
import { ScribaError } from '../errors.js';
import { DIGEST_LENGTH, type HashAlgorithm } from './hash.js';
import type { PublicKey } from './keys.js';
import { nobleCurve } from './keys.js';
import { rsaPkcs1VerifyDigest, rsaPssVerifyDigest } from './rsa.js';
import { ecdsaRawSignature, resolveOptions, type VerifyOptions } from './verify.js';

function hashForDigestLength(len: number): HashAlgorithm {
  if (len === 32) return 'sha256';
  if (len === 48) return 'sha384';
  if (len === 64) return 'sha512';
  throw new ScribaError('DIGEST_UNSUPPORTED', `no supported digest is ${len} bytes long`);
}

/**
 * Verifies `signature` over the message whose `hash` digest is `messageDigest`. When
 * `opts.hash` is absent it is inferred from the digest length. Resolves true/false; throws for
 * unusable arguments (digest of the wrong length, Ed25519 keys, bad options).
 */
export async function verifySignatureOverDigest(
  key: PublicKey,
  messageDigest: Uint8Array,
  signature: Uint8Array,
  opts?: VerifyOptions,
): Promise<boolean> {
  if (!(messageDigest instanceof Uint8Array))
    throw new ScribaError('INVALID_INPUT', 'digest must be a Uint8Array');
  if (!(signature instanceof Uint8Array))
    throw new ScribaError('INVALID_INPUT', 'signature must be a Uint8Array');
  const hash = opts?.hash ?? hashForDigestLength(messageDigest.length);
  const o = resolveOptions(key, { ...opts, hash });
  if (messageDigest.length !== DIGEST_LENGTH[o.hash]) {
    throw new ScribaError(
      'DIGEST_UNSUPPORTED',
      `digest length ${messageDigest.length} does not match ${o.hash}`,
    );
  }
  switch (key.kind) {
    case 'ed25519':
      throw new ScribaError('KEY_UNSUPPORTED', 'Ed25519 (PureEdDSA) cannot verify a signature over a digest');
    case 'ecdsa': {
      const raw = ecdsaRawSignature(key.curve, signature, o.ecdsaFormat);
      if (!raw) return false;
      try {
        return nobleCurve(key.curve).verify(raw, messageDigest, key.point, {
          prehash: false,
          lowS: false,
          format: 'compact',
        });
      } catch {
        return false;
      }
    }
    case 'rsa':
      return o.pss
        ? rsaPssVerifyDigest(key, o.hash, messageDigest, signature, o.saltLength)
        : rsaPkcs1VerifyDigest(key, o.hash, messageDigest, signature);
  }
}
