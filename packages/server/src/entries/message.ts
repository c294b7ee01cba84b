/**
 * Signature verification over a message (DSSE PAE), as Rekor's dsse 0.0.1 and intoto 0.0.2 types do
 * it: sigstore's `LoadVerifier(key, crypto.SHA256)`, i.e. ECDSA (any curve) and RSASSA-PKCS1-v1_5
 * with SHA-256, Ed25519 (pure, RFC 8032). node:crypto does the work (OpenSSL; the KeyObject is
 * cached with the parsed verifier). ECDSA signatures are ASN.1 DER; high-S is accepted.
 */
import { verify } from 'node:crypto';
import type { ParsedVerifier } from './verifier.js';

/** True when `sig` is a valid signature by `v` over `message` (Rekor's DSSE rules). */
export function verifyOverMessage(v: ParsedVerifier, message: Uint8Array, sig: Uint8Array): boolean {
  try {
    return verify(v.alg.type === 'ed25519' ? null : 'sha256', message, v.keyObject, sig);
  } catch {
    return false;
  }
}
