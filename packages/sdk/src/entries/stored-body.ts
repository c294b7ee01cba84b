/**
 * A compact stored form of canonical entry bodies (a storage format of this project, not a Rekor
 * one): a hashedrekord 0.0.1 canonical body (./kinds/hashedrekord-v001, RFC 8785 JSON) is a fixed
 * skeleton around a hex digest, a base64 signature and a base64 PEM (RFC 7468) of a public key or
 * certificates, so it is kept as those parts in binary and re-expanded by the same canonicalization
 * and PEM encoding that produced it. A body is stored compact only when re-expanding its parts gives
 * it back byte for byte (checked when encoding); any other body is stored as it is.
 *
 * Layout, version 1 (hashedrekord 0.0.1):
 *   0x01, algorithm (1 sha256, 2 sha384, 3 sha512), digest bytes,
 *   varint signature length, signature bytes,
 *   label (1 `PUBLIC KEY`, one block; 2 `CERTIFICATE`, 1..255 blocks), block count,
 *   per block: varint DER length, DER bytes.
 * Varints are unsigned LEB128. A canonical body is JSON and starts with `{`; any first byte other
 * than a known version byte is a body stored as it is.
 */
import { pemDecodeAll, pemEncode } from '../crypto/pem.js';
import { base64Decode, base64Encode, hexDecode, hexEncode, utf8Decode, utf8Encode } from '../encoding.js';
import { ScribaError } from '../errors.js';
import { canonicalHashedRekordV001 } from './kinds/hashedrekord-v001/index.js';
import type { RekorHash } from './kinds/rekor-hash.js';

const V1_HASHEDREKORD = 0x01;

const ALGORITHMS: RekorHash['algorithm'][] = ['sha256', 'sha384', 'sha512'];
const DIGEST_BYTES: Record<RekorHash['algorithm'], number> = { sha256: 32, sha384: 48, sha512: 64 };
const LABELS = ['PUBLIC KEY', 'CERTIFICATE'] as const;

/**
 * What a hashedrekord 0.0.1 canonical body is made of, as its compact form keeps it: the digest, the
 * signature, and the DER of the PEM blocks (one `PUBLIC KEY`, or 1..255 `CERTIFICATE`s).
 */
export type StoredBodyParts = {
  hash: RekorHash;
  signature: Uint8Array;
  label: (typeof LABELS)[number];
  blocks: Uint8Array[];
};
type Parts = StoredBodyParts;

/**
 * The canonical body of each digest algorithm as four fixed pieces around its three values (hex
 * digest, base64 signature, base64 PEM), taken once from canonicalHashedRekordV001 itself: two
 * expansions with different values must give the same pieces (the values are spliced in verbatim;
 * hex and base64 need no JSON escaping), else the module refuses to load.
 */
type Skeleton = readonly [string, string, string, string];
const SKELETONS = new Map<RekorHash['algorithm'], Skeleton>(
  ALGORITHMS.map((algorithm) => {
    const cut = (hex: string, sig: string, pem: string): Skeleton => {
      const text = utf8Decode(
        canonicalHashedRekordV001({
          hash: { algorithm, value: hex },
          signature: utf8Encode(sig),
          publicKeyPem: pem,
        }),
      );
      const values = [hex, base64Encode(utf8Encode(sig)), base64Encode(utf8Encode(pem))];
      const at = values.map((v) => text.indexOf(v));
      if (at.some((i, n) => i < 0 || text.indexOf(values[n]!, i + 1) >= 0 || (n > 0 && i < at[n - 1]!)))
        throw new Error(`stored-body: no skeleton for hashedrekord 0.0.1 ${algorithm}`);
      return [
        text.slice(0, at[0]),
        text.slice(at[0]! + values[0]!.length, at[1]),
        text.slice(at[1]! + values[1]!.length, at[2]),
        text.slice(at[2]! + values[2]!.length),
      ];
    };
    const n = DIGEST_BYTES[algorithm] * 2;
    const a = cut('a'.repeat(n), 'scriba stored body: signature', 'scriba stored body: PEM');
    const b = cut('0'.repeat(n), 'another signature!', 'another PEM text...');
    if (a.some((piece, i) => piece !== b[i]))
      throw new Error(`stored-body: unstable skeleton for hashedrekord 0.0.1 ${algorithm}`);
    return [algorithm, a];
  }),
);

/** The text of canonicalHashedRekordV001 of the parts, by its skeleton. */
function expandText(p: Parts): string {
  const [a, b, c, d] = SKELETONS.get(p.hash.algorithm)!;
  const pem = p.blocks.map((der) => pemEncode(der, p.label)).join('');
  return a + p.hash.value + b + base64Encode(p.signature) + c + base64Encode(utf8Encode(pem)) + d;
}

const HEX_OF: Record<RekorHash['algorithm'], RegExp> = {
  sha256: /^[0-9a-f]{64}$/,
  sha384: /^[0-9a-f]{96}$/,
  sha512: /^[0-9a-f]{128}$/,
};

/** The parts of a hashedrekord 0.0.1 body (as text) laid out on a skeleton, or undefined. */
function partsOf(text: string): Parts | undefined {
  try {
    for (const [algorithm, [a, b, c, d]] of SKELETONS) {
      if (!text.startsWith(a) || !text.endsWith(d)) continue;
      const j = text.indexOf(b, a.length);
      const k = j < 0 ? -1 : text.indexOf(c, j + b.length);
      if (k < 0) continue;
      const value = text.slice(a.length, j);
      if (!HEX_OF[algorithm].test(value)) return undefined;
      const blocks = pemDecodeAll(utf8Decode(base64Decode(text.slice(k + c.length, text.length - d.length))));
      const label = LABELS.find((l) => l === blocks[0]?.label);
      if (!label || blocks.some((x) => x.label !== label)) return undefined;
      if (label === 'PUBLIC KEY' ? blocks.length !== 1 : blocks.length > 255) return undefined;
      return {
        hash: { algorithm, value },
        signature: base64Decode(text.slice(j + b.length, k)),
        label,
        blocks: blocks.map((x) => x.der),
      };
    }
    return undefined;
  } catch {
    return undefined; // not UTF-8, not base64, not PEM: stored as it is
  }
}

function varint(n: number, out: number[]): void {
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

/**
 * The stored form of a canonical body: compact when it is a hashedrekord 0.0.1 body that re-expands
 * to exactly these bytes, else the body itself.
 */
export function encodeStoredBody(body: Uint8Array): Uint8Array {
  if (body[0] !== 0x7b) return body; // '{': not JSON
  let text: string;
  try {
    text = utf8Decode(body);
  } catch {
    return body;
  }
  const p = partsOf(text);
  // Valid UTF-8 decodes one to one, so the same text is the same bytes.
  return p && expandText(p) === text ? compactOf(p) : body;
}

/**
 * encodeStoredBody(body) for a body whose parts the caller knows (a validator that has just
 * canonicalized it), without parsing its text: compact when `parts` re-expand to exactly `body`,
 * else the body itself (the same answer as encodeStoredBody whenever the parts are the body's).
 */
export function encodeStoredBodyOf(body: Uint8Array, parts: StoredBodyParts): Uint8Array {
  const { hash, label, blocks } = parts;
  if (!SKELETONS.has(hash.algorithm) || !HEX_OF[hash.algorithm].test(hash.value)) return body;
  if (!LABELS.includes(label) || blocks.length < 1) return body;
  if (label === 'PUBLIC KEY' ? blocks.length !== 1 : blocks.length > 255) return body;
  let text: string;
  try {
    text = utf8Decode(body);
  } catch {
    return body;
  }
  return expandText(parts) === text ? compactOf(parts) : body;
}

/** The compact layout (version 1) of a body's parts. */
function compactOf(p: Parts): Uint8Array {
  const head: number[] = [V1_HASHEDREKORD, ALGORITHMS.indexOf(p.hash.algorithm) + 1];
  const digest = hexDecode(p.hash.value);
  const mid: number[] = [];
  varint(p.signature.length, mid);
  const tail: number[] = [LABELS.indexOf(p.label) + 1, p.blocks.length];
  const lengths = p.blocks.map((der) => {
    const l: number[] = [];
    varint(der.length, l);
    return l;
  });
  const size =
    head.length +
    digest.length +
    mid.length +
    p.signature.length +
    tail.length +
    p.blocks.reduce((a, der, i) => a + lengths[i]!.length + der.length, 0);
  const out = new Uint8Array(size);
  let o = 0;
  const put = (b: ArrayLike<number>) => {
    out.set(b, o);
    o += b.length;
  };
  put(head);
  put(digest);
  put(mid);
  put(p.signature);
  put(tail);
  p.blocks.forEach((der, i) => {
    put(lengths[i]!);
    put(der);
  });
  return out;
}

const bad = (why: string): ScribaError =>
  new ScribaError('ENTRY_STORED_FORM_INVALID', `stored entry body: ${why}`);

/** Whether `stored` is in a compact form (else it is a body stored as it is). */
export function isCompactStoredBody(stored: Uint8Array): boolean {
  return stored[0] === V1_HASHEDREKORD;
}

/**
 * The canonical body of a stored form (encodeStoredBody's inverse). A compact form that does not
 * parse exactly (truncated, trailing bytes, unknown codes, lengths past the end) throws
 * ENTRY_STORED_FORM_INVALID; anything not in a compact form is returned as it is.
 */
export function decodeStoredBody(stored: Uint8Array): Uint8Array {
  if (stored[0] !== V1_HASHEDREKORD) return stored;
  let o = 1;
  const take = (n: number, what: string): Uint8Array => {
    if (n > stored.length - o) throw bad(`${what} runs past the end`);
    const s = stored.subarray(o, o + n);
    o += n;
    return s;
  };
  const byte = (what: string): number => take(1, what)[0]!;
  const uvarint = (what: string): number => {
    let v = 0;
    for (let shift = 0; shift < 21; shift += 7) {
      const b = byte(what);
      v |= (b & 0x7f) << shift;
      if (b < 0x80) {
        if (b === 0 && shift > 0) throw bad(`${what}: non-minimal length`);
        return v;
      }
    }
    throw bad(`${what}: length too long`);
  };
  const algorithm = ALGORITHMS[byte('algorithm') - 1];
  if (!algorithm) throw bad('unknown digest algorithm');
  const value = hexEncode(take(DIGEST_BYTES[algorithm], 'digest'));
  const signature = take(uvarint('signature length'), 'signature');
  const label = LABELS[byte('label') - 1];
  if (!label) throw bad('unknown PEM label');
  const count = byte('block count');
  if (count === 0 || (label === 'PUBLIC KEY' && count !== 1)) throw bad('wrong number of PEM blocks');
  const blocks: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const der = take(uvarint('DER length'), 'DER');
    if (der.length === 0) throw bad('empty DER');
    blocks.push(der);
  }
  if (o !== stored.length) throw bad('trailing bytes');
  try {
    return utf8Encode(expandText({ hash: { algorithm, value }, signature, label, blocks }));
  } catch (cause) {
    throw new ScribaError('ENTRY_STORED_FORM_INVALID', 'stored entry body: does not expand', { cause });
  }
}
