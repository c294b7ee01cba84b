/**
 * The compact stored form of entry bodies (src/entries/stored-body.ts): real hashedrekord 0.0.1
 * bodies (public key, certificate, certificate chain) round trip byte for byte and shrink; bodies the
 * form cannot reproduce exactly are stored as they are; a damaged compact form throws
 * ENTRY_STORED_FORM_INVALID instead of expanding to something.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBundle } from '../src/bundle/index.js';
import { pemDecodeAll } from '../src/crypto/index.js';
import { base64Decode, base64Encode, utf8Decode, utf8Encode } from '../src/encoding.js';
import {
  canonicalHashedRekordV001,
  decodeStoredBody,
  encodeStoredBody,
  encodeStoredBodyOf,
  isCompactStoredBody,
  type StoredBodyParts,
} from '../src/entries/index.js';
import { isScribaError } from '../src/errors.js';
import { CASES, ROOT } from './conformance-cases.js';

const bodyIn = (file: string): Uint8Array =>
  parseBundle(readFileSync(file, 'utf8')).tlogEntries[0]!.canonicalizedBody;
const KEY_BODY = bodyIn(join(CASES, 'managed-key-happy-path', 'bundle.sigstore.json'));
const CERT_BODY = bodyIn(join(CASES, 'happy-path-v0.3', 'bundle.sigstore.json'));
const json = (b: Uint8Array) => JSON.parse(utf8Decode(b));
const pemOf = (b: Uint8Array): string => utf8Decode(base64Decode(json(b).spec.signature.publicKey.content));

/** A chain of two certificates (the fixture's leaf and another real certificate) as Rekor stores it. */
function chainBody(): Uint8Array {
  const other = bodyIn(join(ROOT, 'sigstore-js/verify-fixture.V1.MESSAGE_SIGNATURE.WITH_SIGNING_CERT.json'));
  const j = json(CERT_BODY);
  return canonicalHashedRekordV001({
    hash: j.spec.data.hash,
    signature: base64Decode(j.spec.signature.content),
    publicKeyPem: pemOf(CERT_BODY) + pemOf(other),
  });
}

/** Replaces the stored PEM text of a body (still canonical JSON otherwise). */
function withPem(body: Uint8Array, pem: string): Uint8Array {
  const j = json(body);
  j.spec.signature.publicKey.content = base64Encode(utf8Encode(pem));
  return utf8Encode(JSON.stringify(j));
}

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return isScribaError(e) ? e.code : `not coded: ${String(e)}`;
  }
  return undefined;
};

describe('stored entry bodies', () => {
  describe('when the body is a canonical hashedrekord 0.0.1', () => {
    it.each([
      ['a public key', KEY_BODY],
      ['a certificate', CERT_BODY],
      ['a certificate chain', chainBody()],
    ])('round trips one with %s byte for byte, in fewer bytes', (_, body) => {
      const stored = encodeStoredBody(body);
      expect(isCompactStoredBody(stored)).toBe(true);
      expect(stored.length).toBeLessThan(body.length * 0.75);
      expect(Buffer.from(decodeStoredBody(stored)).equals(Buffer.from(body))).toBe(true);
    });

    it('keeps the chain whole (both blocks)', () => {
      const body = chainBody();
      expect(pemDecodeAll(pemOf(decodeStoredBody(encodeStoredBody(body))))).toHaveLength(2);
    });
  });

  describe('when the parts are given (encodeStoredBodyOf, what a validator calls)', () => {
    /** A body's parts, read from its JSON as a validator had them. */
    const partsOf = (body: Uint8Array): StoredBodyParts => {
      const j = json(body);
      const blocks = pemDecodeAll(pemOf(body));
      return {
        hash: j.spec.data.hash,
        signature: base64Decode(j.spec.signature.content),
        label: blocks[0]!.label as StoredBodyParts['label'],
        blocks: blocks.map((x) => x.der),
      };
    };
    it.each([
      ['a public key', KEY_BODY],
      ['a certificate', CERT_BODY],
      ['a certificate chain', chainBody()],
    ])('answers what encodeStoredBody answers, for one with %s', (_, body) => {
      const stored = encodeStoredBodyOf(body, partsOf(body));
      expect(isCompactStoredBody(stored)).toBe(true);
      expect(Buffer.from(stored).equals(Buffer.from(encodeStoredBody(body)))).toBe(true);
      expect(Buffer.from(decodeStoredBody(stored)).equals(Buffer.from(body))).toBe(true);
    });

    const keyPem = pemOf(KEY_BODY);
    const keyParts = partsOf(KEY_BODY);
    it.each([
      ['another signature', KEY_BODY, { ...keyParts, signature: new Uint8Array(keyParts.signature).fill(1) }],
      ['another digest', KEY_BODY, { ...keyParts, hash: { ...keyParts.hash, value: '0'.repeat(64) } }],
      [
        'an upper-case digest',
        KEY_BODY,
        { ...keyParts, hash: { ...keyParts.hash, value: keyParts.hash.value.toUpperCase() } },
      ],
      [
        'a PUBLIC KEY label with two blocks',
        KEY_BODY,
        { ...keyParts, blocks: [...keyParts.blocks, ...keyParts.blocks] },
      ],
      ['no block', KEY_BODY, { ...keyParts, blocks: [] }],
      ['the certificate label on a key body', KEY_BODY, { ...keyParts, label: 'CERTIFICATE' as const }],
      // The body's PEM is not the canonical encoding of its DER: re-expanding would change it.
      ['a body whose PEM has CRLF line ends', withPem(KEY_BODY, keyPem.replace(/\n/g, '\r\n')), keyParts],
      ['a body that is not canonical JSON', utf8Encode(JSON.stringify(json(KEY_BODY), null, 1)), keyParts],
    ])('stores the body as it is when given %s', (_, body, parts) => {
      const stored = encodeStoredBodyOf(body, parts as StoredBodyParts);
      expect(stored).toBe(body);
    });
  });

  describe('when re-expanding would not give the same bytes', () => {
    const keyPem = pemOf(KEY_BODY);
    it.each([
      ['not canonical JSON (spaces)', utf8Encode(JSON.stringify(json(KEY_BODY), null, 1))],
      ['keys out of order', utf8Encode(JSON.stringify({ kind: 'hashedrekord', ...json(KEY_BODY) }))],
      [
        'an extra field',
        utf8Encode(
          JSON.stringify({ ...json(KEY_BODY), x: 1 }).replace('{"apiVersion"', '{"a":0,"apiVersion"'),
        ),
      ],
      ['CRLF line ends in the PEM', withPem(KEY_BODY, keyPem.replace(/\n/g, '\r\n'))],
      [
        'the PEM on one line',
        withPem(
          KEY_BODY,
          `-----BEGIN PUBLIC KEY-----\n${base64Encode(pemDecodeAll(keyPem)[0]!.der)}\n-----END PUBLIC KEY-----\n`,
        ),
      ],
      ['two public keys', withPem(KEY_BODY, keyPem + keyPem)],
      [
        'an upper-case digest',
        utf8Encode(
          utf8Decode(KEY_BODY).replace(/"value":"([0-9a-f]+)"/, (_, h) => `"value":"${h.toUpperCase()}"`),
        ),
      ],
      [
        'another kind',
        bodyIn(join(ROOT, 'sigstore-js/verify-fixture.V1.DSSE.WITH_SIGNING_CERT.TLOG_DSSE.json')),
      ],
      [
        'hashedrekord 0.0.2',
        bodyIn(join(ROOT, 'sigstore-js/verify-fixture.V3.MESSAGE_SIGNATURE.TLOG_HASHEDREKORDV002.json')),
      ],
      ['not JSON', utf8Encode('bench-1')],
    ])('stores %s as it is', (_, body) => {
      const stored = encodeStoredBody(body);
      expect(stored).toBe(body);
      expect(decodeStoredBody(stored)).toBe(body);
    });
  });

  describe('when a compact form is damaged', () => {
    const good = encodeStoredBody(CERT_BODY);
    const SIG_LEN = 34; // version, algorithm, 32 digest bytes
    const LABEL = SIG_LEN + 1 + good[SIG_LEN]!;
    /** The compact form with byte `at` set to `value`, cut to `length` bytes. */
    const set = (at: number, value: number, length = good.length) => {
      const b = new Uint8Array(good);
      b[at] = value;
      return b.subarray(0, length);
    };
    it.each([
      ['truncated', good.subarray(0, good.length - 1)],
      ['with a trailing byte', new Uint8Array([...good, 0])],
      ['cut after the version byte', good.subarray(0, 1)],
      ['with an unknown algorithm', set(1, 9)],
      ['with an unknown PEM label', set(LABEL, 7)],
      ['with no PEM block', set(LABEL + 1, 0)],
      ['with a signature length past the end', set(SIG_LEN, 0x7f, 60)],
      [
        'with a non-minimal length',
        new Uint8Array([
          ...good.subarray(0, SIG_LEN),
          0x80 | good[SIG_LEN]!,
          0,
          ...good.subarray(SIG_LEN + 1),
        ]),
      ],
    ])('throws ENTRY_STORED_FORM_INVALID when %s', (_, stored) => {
      expect(codeOf(() => decodeStoredBody(stored))).toBe('ENTRY_STORED_FORM_INVALID');
    });
  });
});
