/**
 * Raw-DER helpers (ITU-T X.690) for the few places where the verifier needs the exact encoded
 * bytes of a part of a structure rather than a re-serialization: certificate names, the TBS with
 * one extension removed (RFC 6962 §3.2 precertificate reconstruction), CMS signed attributes.
 */
import { encodeTlv, readTlv } from '../crypto/der.js';

export type RawTlv = { tag: number; value: Uint8Array; raw: Uint8Array };

/** Splits the contents of a constructed DER value into child TLVs with their full encodings. */
export function rawChildren(value: Uint8Array): RawTlv[] {
  const out: RawTlv[] = [];
  let p = 0;
  while (p < value.length) {
    const t = readTlv(value, p);
    out.push({ tag: t.tag, value: t.value, raw: value.subarray(p, t.end) });
    p = t.end;
  }
  return out;
}

/** The single TLV in `buf` (no trailing bytes allowed). */
export function single(buf: Uint8Array): RawTlv {
  const t = readTlv(buf, 0);
  if (t.end !== buf.length) throw new RangeError('DER: trailing bytes');
  return { tag: t.tag, value: t.value, raw: buf };
}

export { encodeTlv };
