/**
 * Byte encodings used by every wire format the SDK reads: base64 (RFC 4648 §4, standard alphabet
 * with padding), base64url (RFC 4648 §5), lowercase/uppercase hex, and UTF-8 (WHATWG Encoding).
 *
 * Decoders are strict: input that is not exactly the canonical encoding of some byte string MUST be
 * rejected with a coded ScribaError (INVALID_BASE64 / INVALID_HEX / INVALID_INPUT). In particular
 * base64 padding is required (std alphabet), non-zero trailing bits are rejected, and whitespace is
 * never skipped. Isomorphic: no Buffer, no Node built-ins.
 */
import { ScribaError } from './errors.js';

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function reverseTable(alphabet: string): Uint8Array {
  // 255 marks characters (and, in the byte view, UTF-8 bytes) outside the alphabet.
  const t = new Uint8Array(256).fill(255);
  for (let i = 0; i < alphabet.length; i++) t[alphabet.charCodeAt(i)] = i;
  return t;
}
const STD_REV = reverseTable(STD);
const URL_REV = reverseTable(URL_ALPHABET);
const STD_CODES = Uint8Array.from(STD, (c) => c.charCodeAt(0));
const URL_CODES = Uint8Array.from(URL_ALPHABET, (c) => c.charCodeAt(0));

// Scratch buffers (encoding and decoding are synchronous, so one of each serves every call): the
// text is built as ASCII bytes and decoded once, and read as bytes via encodeInto — both about 3-4x
// faster in V8 than string concatenation and charCodeAt per character.
let encodeScratch = new Uint8Array(1024);
let decodeScratch = new Uint8Array(1024);
const asciiDecoder = new TextDecoder();
const asciiEncoder = new TextEncoder();
const SCRATCH_LIMIT = 1 << 20;

function encode64(b: Uint8Array, alphabet: string, pad: boolean): string {
  const n = b.length;
  const outLen = Math.ceil(n / 3) * 4;
  if (outLen > SCRATCH_LIMIT) return encode64Slow(b, alphabet, pad);
  if (encodeScratch.length < outLen) encodeScratch = new Uint8Array(outLen);
  const o = encodeScratch;
  const codes = alphabet === STD ? STD_CODES : URL_CODES;
  let j = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = ((b[i] as number) << 16) | ((b[i + 1] as number) << 8) | (b[i + 2] as number);
    o[j++] = codes[v >>> 18] as number;
    o[j++] = codes[(v >>> 12) & 63] as number;
    o[j++] = codes[(v >>> 6) & 63] as number;
    o[j++] = codes[v & 63] as number;
  }
  const rem = n - i;
  if (rem === 1) {
    const v = (b[i] as number) << 16;
    o[j++] = codes[v >>> 18] as number;
    o[j++] = codes[(v >>> 12) & 63] as number;
    if (pad) {
      o[j++] = 61;
      o[j++] = 61;
    }
  } else if (rem === 2) {
    const v = ((b[i] as number) << 16) | ((b[i + 1] as number) << 8);
    o[j++] = codes[v >>> 18] as number;
    o[j++] = codes[(v >>> 12) & 63] as number;
    o[j++] = codes[(v >>> 6) & 63] as number;
    if (pad) o[j++] = 61;
  }
  return asciiDecoder.decode(o.subarray(0, j));
}

function encode64Slow(b: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  const n = b.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = ((b[i] as number) << 16) | ((b[i + 1] as number) << 8) | (b[i + 2] as number);
    out +=
      alphabet[(v >>> 18) & 63]! + alphabet[(v >>> 12) & 63]! + alphabet[(v >>> 6) & 63]! + alphabet[v & 63]!;
  }
  const rem = n - i;
  if (rem === 1) {
    const v = (b[i] as number) << 16;
    out += alphabet[(v >>> 18) & 63]! + alphabet[(v >>> 12) & 63]! + (pad ? '==' : '');
  } else if (rem === 2) {
    const v = ((b[i] as number) << 16) | ((b[i + 1] as number) << 8);
    out +=
      alphabet[(v >>> 18) & 63]! + alphabet[(v >>> 12) & 63]! + alphabet[(v >>> 6) & 63]! + (pad ? '=' : '');
  }
  return out;
}

/**
 * The fast path of decode64: the whole groups of an all-ASCII, all-alphabet input, read as bytes.
 * Returns undefined when anything is off (a non-ASCII or out-of-alphabet character, an input too
 * large for the scratch buffer); decode64's character-by-character path then decodes or throws the
 * precise error. The tail (padding, trailing bits) is always checked by decode64 itself.
 */
function decodeGroups(s: string, rev: Uint8Array, full: number, out: Uint8Array): boolean {
  const len = s.length;
  if (len > SCRATCH_LIMIT) return false;
  if (decodeScratch.length < len) decodeScratch = new Uint8Array(len);
  const c = decodeScratch;
  const r = asciiEncoder.encodeInto(s, c);
  // A non-ASCII character takes several bytes: then not every character was written as one byte.
  if (r.read !== len || r.written !== len) return false;
  let o = 0;
  for (let i = 0; i < full; i += 4) {
    const a = rev[c[i] as number] as number;
    const b = rev[c[i + 1] as number] as number;
    const d2 = rev[c[i + 2] as number] as number;
    const d3 = rev[c[i + 3] as number] as number;
    if ((a | b | d2 | d3) > 63) return false;
    out[o++] = (a << 2) | (b >> 4);
    out[o++] = ((b & 15) << 4) | (d2 >> 2);
    out[o++] = ((d2 & 3) << 6) | d3;
  }
  return true;
}

function decode64(s: string, rev: Uint8Array, padded: boolean, what: string): Uint8Array {
  if (typeof s !== 'string') throw new ScribaError('INVALID_BASE64', `${what}: not a string`);
  let len = s.length;
  if (padded) {
    if (len % 4 !== 0) throw new ScribaError('INVALID_BASE64', `${what}: length not a multiple of 4`);
    if (len > 0 && s.charCodeAt(len - 1) === 61 /* = */) {
      len--;
      if (s.charCodeAt(len - 1) === 61) len--;
    }
  } else if (len % 4 === 1) {
    throw new ScribaError('INVALID_BASE64', `${what}: impossible length`);
  }
  const rem = len % 4;
  if (rem === 1) throw new ScribaError('INVALID_BASE64', `${what}: impossible length`);
  const full = len - rem;
  const out = new Uint8Array((full / 4) * 3 + (rem === 0 ? 0 : rem - 1));
  // Non-ASCII characters are rejected before the table lookup; table misses read 255, so the OR
  // of four values exceeds 63 exactly when one of them is not in the alphabet.
  let o = 0;
  let i = 0;
  if (full >= 64 && decodeGroups(s, rev, full, out)) {
    o = (full / 4) * 3;
    i = full;
  }
  for (; i < full; i += 4) {
    const c0 = s.charCodeAt(i);
    const c1 = s.charCodeAt(i + 1);
    const c2 = s.charCodeAt(i + 2);
    const c3 = s.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) >= 128)
      throw new ScribaError('INVALID_BASE64', `${what}: invalid character near ${i}`);
    const a = rev[c0] as number;
    const b = rev[c1] as number;
    const c = rev[c2] as number;
    const d = rev[c3] as number;
    if ((a | b | c | d) > 63) {
      throw new ScribaError('INVALID_BASE64', `${what}: invalid character near ${i}`);
    }
    out[o++] = (a << 2) | (b >> 4);
    out[o++] = ((b & 15) << 4) | (c >> 2);
    out[o++] = ((c & 3) << 6) | d;
  }
  if (rem > 0) {
    const c0 = s.charCodeAt(i);
    const c1 = s.charCodeAt(i + 1);
    const c2 = rem === 3 ? s.charCodeAt(i + 2) : 65; /* 'A' = 0 */
    if ((c0 | c1 | c2) >= 128)
      throw new ScribaError('INVALID_BASE64', `${what}: invalid character near ${i}`);
    const a = rev[c0] as number;
    const b = rev[c1] as number;
    const c = rem === 3 ? (rev[c2] as number) : 0;
    if ((a | b | c) > 63) throw new ScribaError('INVALID_BASE64', `${what}: invalid character near ${i}`);
    out[o++] = (a << 2) | (b >> 4);
    if (rem === 3) {
      out[o++] = ((b & 15) << 4) | (c >> 2);
      // Canonical encodings have zero padding bits.
      if ((c & 3) !== 0) throw new ScribaError('INVALID_BASE64', `${what}: non-zero trailing bits`);
    } else if ((b & 15) !== 0) {
      throw new ScribaError('INVALID_BASE64', `${what}: non-zero trailing bits`);
    }
  }
  return out;
}

/** The host's native standard-base64 encoder, when one was installed (see useNativeBase64). */
let nativeBase64: ((b: Uint8Array) => string) | undefined;

/**
 * Installs a host's native encoder for base64Encode (standard alphabet, padded), or with undefined
 * goes back to the portable one. ../native-node.ts installs node:buffer's (1.6x the portable
 * encoder's rate on 200-byte bodies, bench:sdk-core); browsers keep the portable one.
 */
export function useNativeBase64(encode: ((b: Uint8Array) => string) | undefined): void {
  nativeBase64 = encode;
}

/** Standard base64 with padding (RFC 4648 §4). */
export function base64Encode(b: Uint8Array): string {
  return nativeBase64 === undefined ? encode64(b, STD, true) : nativeBase64(b);
}

/** Strict standard base64 decoding: padding required, no whitespace, canonical trailing bits. */
export function base64Decode(s: string): Uint8Array {
  return decode64(s, STD_REV, true, 'base64');
}

/** base64url without padding (RFC 4648 §5), as used in JWS/JWK. */
export function base64UrlEncode(b: Uint8Array): string {
  return encode64(b, URL_ALPHABET, false);
}

/** Strict base64url decoding; padding is not accepted. */
export function base64UrlDecode(s: string): Uint8Array {
  return decode64(s, URL_REV, false, 'base64url');
}

const HEX_CODES = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/**
 * Lowercase hex, as one flat string: written as ASCII bytes and decoded once, like base64 above (a
 * string grown by `+=` is a tree of two-character pieces, which every later copy of it walks again).
 */
export function hexEncode(b: Uint8Array): string {
  const n = b.length;
  const outLen = n * 2;
  if (outLen <= SCRATCH_LIMIT && encodeScratch.length < outLen) encodeScratch = new Uint8Array(outLen);
  const o = outLen <= SCRATCH_LIMIT ? encodeScratch : new Uint8Array(outLen);
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    const v = b[i] as number;
    o[j] = HEX_CODES[v >> 4] as number;
    o[j + 1] = HEX_CODES[v & 15] as number;
  }
  return asciiDecoder.decode(o.subarray(0, outLen));
}

function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Hex decoding (either case), even length required; throws INVALID_HEX. */
export function hexDecode(s: string): Uint8Array {
  if (typeof s !== 'string') throw new ScribaError('INVALID_HEX', 'hex: not a string');
  if (s.length % 2 !== 0) throw new ScribaError('INVALID_HEX', 'hex: odd length');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(s.charCodeAt(2 * i));
    const lo = hexNibble(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new ScribaError('INVALID_HEX', `hex: invalid character near ${2 * i}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

const te = new TextEncoder();
const td = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 encoding of a JS string (lone surrogates become U+FFFD, per WHATWG). */
export function utf8Encode(s: string): Uint8Array {
  return te.encode(s);
}

/** Fatal UTF-8 decoding: invalid sequences throw INVALID_INPUT; a leading BOM is kept. */
export function utf8Decode(b: Uint8Array): string {
  try {
    return td.decode(b);
  } catch (cause) {
    throw new ScribaError('INVALID_INPUT', 'invalid UTF-8', { cause });
  }
}

/** Byte-wise equality (not constant time; use only on public data). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Concatenation of byte arrays into a fresh Uint8Array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
