/**
 * Signature verification over a given digest, as hashedrekord 0.0.1 requires (the entry carries the
 * artifact's digest, never the artifact). Rekor verifies with sigstore's verifiers given
 * `WithDigest(digest)` and `WithCryptoSignerOpts(alg)`:
 *
 * - ECDSA: ASN.1 DER signature over the digest (FIPS 186-5, digest truncated to the curve order's
 *   length), any curve/digest pairing, high-S accepted.
 * - RSA: RSASSA-PKCS1-v1_5 with the DigestInfo of `alg` (RFC 8017 §8.2.2); PSS is not accepted.
 * - Ed25519: only as Ed25519ph (RFC 8032 §5.1, `dom2(1, "")`), over a SHA-512 digest.
 *
 * Paths, fastest first: the native addon (OpenSSL inside node, EVP_PKEY_verify with a cached
 * context per key) for ECDSA and RSA; without it, `crypto.publicDecrypt` + DigestInfo comparison
 * for RSA (still OpenSSL) and @scriba/sdk's `verifySignatureOverDigest` (@noble/curves) for ECDSA;
 * Ed25519ph always through @noble/curves (OpenSSL 3.0 in node 20 has no Ed25519ph).
 */
import { constants, publicDecrypt } from 'node:crypto';
import { eddsa } from '@noble/curves/abstract/edwards.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import {
  DIGEST_LENGTH,
  type HashAlgorithm,
  type PublicKey,
  parsePublicKey,
  rsaDigestInfoPrefix,
  verifySignatureOverDigest,
} from '@scriba/sdk/crypto';
import { nativeVerifier } from './native.js';
import type { ParsedVerifier } from './verifier.js';

/** The SDK's digest names and lengths (one definition; hashedrekord names the same three). */
export type DigestAlgorithm = HashAlgorithm;
export { DIGEST_LENGTH };

// RFC 8032 dom2(phflag=1, context="") prefix; the digest is passed through unchanged (prehash = id).
const DOM2_PREFIX = new TextEncoder().encode('SigEd25519 no Ed25519 collisions');
const ed25519phOverDigest = eddsa(ed25519.Point, sha512, {
  domain: (data: Uint8Array, ctx: Uint8Array, phflag: boolean) => {
    const out = new Uint8Array(DOM2_PREFIX.length + 2 + ctx.length + data.length);
    out.set(DOM2_PREFIX, 0);
    out[DOM2_PREFIX.length] = phflag ? 1 : 0;
    out[DOM2_PREFIX.length + 1] = ctx.length;
    out.set(ctx, DOM2_PREFIX.length + 2);
    out.set(data, DOM2_PREFIX.length + 2 + ctx.length);
    return out;
  },
  prehash: (m: Uint8Array) => m,
});

const sdkKeys = new WeakMap<ParsedVerifier, PublicKey>();

function sdkKey(v: ParsedVerifier): PublicKey {
  let k = sdkKeys.get(v);
  if (!k) {
    k = parsePublicKey(v.spki);
    sdkKeys.set(v, k);
  }
  return k;
}

/** RSASSA-PKCS1-v1_5 over a digest with node's OpenSSL: recover EM with the public key, compare the DigestInfo. */
function rsaPkcs1OverDigest(
  v: ParsedVerifier,
  hash: DigestAlgorithm,
  digest: Uint8Array,
  sig: Uint8Array,
): boolean {
  const modulusBytes = Math.ceil((v.alg.type === 'rsa' ? v.alg.bits : 0) / 8);
  if (sig.length !== modulusBytes) return false;
  let t: Buffer;
  try {
    t = publicDecrypt({ key: v.keyObject, padding: constants.RSA_PKCS1_PADDING }, sig);
  } catch {
    return false;
  }
  const prefix = rsaDigestInfoPrefix(hash);
  return (
    t.length === prefix.length + digest.length &&
    t.subarray(0, prefix.length).equals(prefix) &&
    t.subarray(prefix.length).equals(digest)
  );
}

/**
 * True when `sig` is a valid signature by `v` over the message whose `hash` digest is `digest`.
 * `digest.length` MUST equal the algorithm's length (callers check; a mismatch returns false).
 * `opts.native === false` forces the pure-JS/publicDecrypt path (tests compare both paths).
 */
export async function verifyOverDigest(
  v: ParsedVerifier,
  hash: DigestAlgorithm,
  digest: Uint8Array,
  sig: Uint8Array,
  opts?: { native?: boolean },
): Promise<boolean> {
  if (digest.length !== DIGEST_LENGTH[hash]) return false;
  switch (v.alg.type) {
    case 'ed25519':
      if (hash !== 'sha512' || sig.length !== 64) return false;
      try {
        // An Ed25519 SPKI is a fixed 12-byte header followed by the 32-byte key (RFC 8410).
        return ed25519phOverDigest.verify(sig, digest, v.spki.subarray(v.spki.length - 32), {
          zip215: false,
        });
      } catch {
        return false;
      }
    case 'ecdsa':
    case 'rsa': {
      const native = opts?.native === false ? null : nativeVerifier();
      if (native) {
        if (v.native === undefined) v.native = native.parseKey(v.spki);
        if (v.native) return native.verifyDigest(v.native, hash, digest, sig);
      }
      if (v.alg.type === 'rsa') return rsaPkcs1OverDigest(v, hash, digest, sig);
      try {
        return await verifySignatureOverDigest(sdkKey(v), digest, sig, { hash, ecdsaFormat: 'der' });
      } catch {
        return false;
      }
    }
  }
}
