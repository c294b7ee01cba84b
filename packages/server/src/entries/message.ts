/**
 * Signature verification over a message (DSSE PAE). Rekor's dsse 0.0.1 and intoto 0.0.2 types use
 * sigstore's `LoadVerifier(key, crypto.SHA256)`: ECDSA (any curve) and RSASSA-PKCS1-v1_5 with
 * SHA-256, Ed25519 (pure, RFC 8032). Rekor v2 (dsse 0.0.2) names the digest and RSA padding in the
 * verifier's `keyDetails`, so the general form takes both. node:crypto does the work (OpenSSL; the
 * KeyObject is cached with the parsed verifier). ECDSA signatures are ASN.1 DER; high-S is accepted.
 */
import { constants, verify } from 'node:crypto';
import type { DigestAlgorithm } from './prehashed.js';
import type { ParsedVerifier } from './verifier.js';

export type MessageSignatureOptions = {
  /** Digest for ECDSA and RSA (ignored for Ed25519, which hashes internally). */
  hash: DigestAlgorithm;
  /** RSA padding (default PKCS#1 v1.5); PSS uses the salt length found in the signature. */
  rsaPadding?: 'pkcs1' | 'pss';
};

/** True when `sig` is a valid signature by `v` over `message` with the given digest and padding. */
export function verifyMessage(
  v: ParsedVerifier,
  message: Uint8Array,
  sig: Uint8Array,
  opts: MessageSignatureOptions,
): boolean {
  try {
    if (v.alg.type === 'ed25519') return verify(null, message, v.keyObject, sig);
    if (opts.rsaPadding === 'pss') {
      return verify(
        opts.hash,
        message,
        {
          key: v.keyObject,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_AUTO,
        },
        sig,
      );
    }
    return verify(opts.hash, message, v.keyObject, sig);
  } catch {
    return false;
  }
}

/** True when `sig` is a valid signature by `v` over `message` (Rekor's DSSE rules: SHA-256, PKCS#1 v1.5). */
export function verifyOverMessage(v: ParsedVerifier, message: Uint8Array, sig: Uint8Array): boolean {
  return verifyMessage(v, message, sig, { hash: 'sha256' });
}
