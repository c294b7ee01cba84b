/**
 * ECDSA signature encodings: ASN.1 DER `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`
 * (RFC 3279 §2.2.3, what X.509, Rekor and checkpoints carry) and the fixed-width raw r||s form
 * (IEEE P1363, what WebCrypto takes). Conversions are strict; failures return null so verifiers
 * can report "not valid" rather than throw on attacker-supplied bytes.
 */
import {
  children,
  encodeTlv,
  encodeUnsignedInteger,
  parseSingle,
  TAG_INTEGER,
  TAG_SEQUENCE,
  unsignedIntegerBytes,
} from './der.js';

/** Raw r||s (each `n` bytes) from a DER signature, or null if it is not strict DER or too wide. */
export function ecdsaDerToRaw(der: Uint8Array, n: number): Uint8Array | null {
  try {
    const parts = children(parseSingle(der, TAG_SEQUENCE, 'ECDSA-Sig-Value'));
    if (parts.length !== 2 || parts[0]?.tag !== TAG_INTEGER || parts[1]?.tag !== TAG_INTEGER) return null;
    const r = unsignedIntegerBytes(parts[0].value);
    const s = unsignedIntegerBytes(parts[1].value);
    if (r.length > n || s.length > n) return null;
    const out = new Uint8Array(2 * n);
    out.set(r, n - r.length);
    out.set(s, 2 * n - s.length);
    return out;
  } catch {
    return null;
  }
}

/** DER encoding of a raw r||s signature (length must be even). */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const n = raw.length / 2;
  const r = encodeUnsignedInteger(raw.subarray(0, n));
  const s = encodeUnsignedInteger(raw.subarray(n));
  const body = new Uint8Array(r.length + s.length);
  body.set(r, 0);
  body.set(s, r.length);
  return encodeTlv(TAG_SEQUENCE, body);
}
