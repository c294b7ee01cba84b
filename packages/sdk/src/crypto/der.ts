/**
 * A small strict DER reader (ITU-T X.690 §10) for the few structures this module parses itself:
 * SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), RSAPublicKey (RFC 8017 §A.1.1) and ECDSA-Sig-Value
 * (RFC 5480 §2.2 / RFC 3279 §2.2.3). Certificates and CMS are read by the field-by-field reader of
 * src/x509/der.ts, built on `readTlv` here; both stay dependency-free and fast.
 *
 * Strictness: definite minimal lengths only, no indefinite lengths, single-byte tags (low tag
 * numbers), INTEGERs minimally encoded. Every failure is a ScribaError INVALID_DER.
 */
import { ScribaError } from '../errors.js';

export const TAG_INTEGER = 0x02;
export const TAG_BIT_STRING = 0x03;
export const TAG_OCTET_STRING = 0x04;
export const TAG_NULL = 0x05;
export const TAG_OID = 0x06;
export const TAG_SEQUENCE = 0x30;

/** One TLV: its tag, its contents and the offset just past it within the source buffer. */
export type Tlv = { tag: number; value: Uint8Array; end: number };

function fail(msg: string): never {
  throw new ScribaError('INVALID_DER', `DER: ${msg}`);
}

/** Reads one TLV starting at `offset` of `buf` (which may contain more after it). */
export function readTlv(buf: Uint8Array, offset: number): Tlv {
  if (offset + 2 > buf.length) fail('truncated header');
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) fail('high tag numbers are not supported');
  let len = buf[offset + 1] as number;
  let p = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) fail('indefinite length');
    if (n > 4) fail('length too large');
    if (p + n > buf.length) fail('truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[p + i] as number);
    p += n;
    if (buf[p - n] === 0) fail('non-minimal length');
    if (len < 0x80) fail('non-minimal length');
  }
  if (p + len > buf.length) fail('truncated value');
  return { tag, value: buf.subarray(p, p + len), end: p + len };
}

/** Reads a TLV with the expected tag. */
export function expectTlv(buf: Uint8Array, offset: number, tag: number, what: string): Tlv {
  const t = readTlv(buf, offset);
  if (t.tag !== tag) fail(`${what}: expected tag 0x${tag.toString(16)}, got 0x${t.tag.toString(16)}`);
  return t;
}

/** Parses `buf` as exactly one TLV with the given tag (no trailing bytes). */
export function parseSingle(buf: Uint8Array, tag: number, what: string): Uint8Array {
  const t = expectTlv(buf, 0, tag, what);
  if (t.end !== buf.length) fail(`${what}: trailing bytes`);
  return t.value;
}

/** Splits the contents of a constructed value into its child TLVs. */
export function children(value: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  let p = 0;
  while (p < value.length) {
    const t = readTlv(value, p);
    out.push(t);
    p = t.end;
  }
  return out;
}

/** The contents octets of an OBJECT IDENTIFIER (X.690 §8.19) from its dotted-decimal form. */
export function encodeOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0) || (arcs[0] as number) > 2) {
    fail(`invalid OID ${dotted}`);
  }
  const out: number[] = [];
  for (const arc of [(arcs[0] as number) * 40 + (arcs[1] as number), ...arcs.slice(2)]) {
    const stack = [arc % 128];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) stack.unshift(0x80 | (v % 128));
    out.push(...stack);
  }
  return new Uint8Array(out);
}

// decodeOid is a pure function of a few distinct short byte strings (a certificate or token names
// the same dozen OIDs): answers are kept by their exact bytes (as a string of char codes 0-255),
// at most OID_MEMO_MAX of them. A malformed OID throws every time and is never kept.
const oidMemo = new Map<string, string>();
const OID_MEMO_MAX = 1024;

/** Dotted-decimal form of an OBJECT IDENTIFIER's contents. */
export function decodeOid(value: Uint8Array): string {
  if (value.length > 32) return decodeOidBytes(value);
  const key = String.fromCharCode.apply(null, value as unknown as number[]);
  let s = oidMemo.get(key);
  if (s === undefined) {
    s = decodeOidBytes(value);
    if (oidMemo.size < OID_MEMO_MAX) oidMemo.set(key, s);
  }
  return s;
}

function decodeOidBytes(value: Uint8Array): string {
  if (value.length === 0) fail('empty OID');
  let out = '';
  let acc = 0;
  let started = false;
  let first = true;
  for (let i = 0; i < value.length; i++) {
    const b = value[i] as number;
    if (!started && b === 0x80) fail('non-minimal OID arc');
    started = true;
    acc = acc * 128 + (b & 0x7f);
    if (acc > Number.MAX_SAFE_INTEGER / 128) fail('OID arc too large');
    if ((b & 0x80) === 0) {
      if (first) {
        out = acc < 40 ? `0.${acc}` : acc < 80 ? `1.${acc - 40}` : `2.${acc - 80}`;
        first = false;
      } else {
        out += `.${acc}`;
      }
      acc = 0;
      started = false;
    }
  }
  if (started) fail('truncated OID');
  return out;
}

/** Contents of a BIT STRING with zero unused bits. */
export function bitStringBytes(value: Uint8Array): Uint8Array {
  if (value.length === 0) fail('empty BIT STRING');
  if (value[0] !== 0) fail('BIT STRING with unused bits');
  return value.subarray(1);
}

/**
 * Magnitude bytes of a non-negative minimally-encoded INTEGER (leading zero octet removed).
 * Negative integers are rejected: no structure parsed here allows them.
 */
export function unsignedIntegerBytes(value: Uint8Array): Uint8Array {
  if (value.length === 0) fail('empty INTEGER');
  const b0 = value[0] as number;
  if (b0 & 0x80) fail('negative INTEGER');
  if (value.length > 1 && b0 === 0 && ((value[1] as number) & 0x80) === 0) fail('non-minimal INTEGER');
  return b0 === 0 && value.length > 1 ? value.subarray(1) : value;
}

/** Big-endian bytes to a BigInt. */
export function bytesToBigInt(b: Uint8Array): bigint {
  let hex = '';
  for (let i = 0; i < b.length; i++) hex += (b[i] as number).toString(16).padStart(2, '0');
  return hex.length === 0 ? 0n : BigInt(`0x${hex}`);
}

/** A BigInt to exactly `len` big-endian bytes (throws if it does not fit). */
export function bigIntToBytes(n: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let v = n;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new ScribaError('INVALID_INPUT', 'integer does not fit');
  return out;
}

function encodeLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  let v = n;
  while (v > 0) {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  }
  return [0x80 | bytes.length, ...bytes];
}

/** Encodes one TLV. */
export function encodeTlv(tag: number, value: Uint8Array): Uint8Array {
  const head = [tag, ...encodeLength(value.length)];
  const out = new Uint8Array(head.length + value.length);
  out.set(head, 0);
  out.set(value, head.length);
  return out;
}

/** Encodes unsigned big-endian magnitude bytes as a minimal DER INTEGER. */
export function encodeUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  const needsPad = m.length === 0 || ((m[0] as number) & 0x80) !== 0;
  const v = new Uint8Array(m.length + (needsPad ? 1 : 0));
  v.set(m, needsPad ? 1 : 0);
  return encodeTlv(TAG_INTEGER, v);
}
