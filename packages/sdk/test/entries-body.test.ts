/**
 * parseEntryBody: the canonical Rekor bodies of every kind a bundle can carry (real entries from the
 * vectors), normalized for the binding check; malformed bodies refused with TLOG_ENTRY_MALFORMED.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBundle } from '../src/bundle/index.js';
import { canonicalJson, sha256 } from '../src/crypto/index.js';
import { base64Encode, hexEncode, utf8Encode } from '../src/encoding.js';
import { parseEntryBody } from '../src/entries/index.js';
import { CASES, ROOT } from './conformance-cases.js';

const bodyOf = (file: string) => {
  const b = parseBundle(readFileSync(file, 'utf8'));
  return { bundle: b, body: parseEntryBody(b.tlogEntries[0]!.canonicalizedBody) };
};
const caseFile = (name: string) => join(CASES, name, 'bundle.sigstore.json');
const A_TXT_SHA256 = 'a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf';

describe('parseEntryBody', () => {
  describe('when given real entries', () => {
    it('reads hashedrekord 0.0.1 (digest, signature, certificate)', () => {
      const { bundle, body } = bodyOf(caseFile('happy-path-v0.3'));
      expect(body).toMatchObject({
        kind: 'hashedrekord',
        apiVersion: '0.0.1',
        digest: { algorithm: 'sha256' },
      });
      if (body.kind !== 'hashedrekord') throw new Error('kind');
      expect(hexEncode(body.digest.value)).toBe(A_TXT_SHA256);
      expect(body.signature.verifier.type).toBe('certificate');
      expect(body.signature.verifier.der).toEqual(
        (bundle.verificationMaterial as { certificate: Uint8Array }).certificate,
      );
      expect(body.signature.signature).toEqual((bundle.content as { signature: Uint8Array }).signature);
    });

    it('reads hashedrekord 0.0.1 with a public key', () => {
      const { body } = bodyOf(caseFile('managed-key-happy-path'));
      expect(body).toMatchObject({ kind: 'hashedrekord', signature: { verifier: { type: 'publicKey' } } });
    });

    it('reads hashedrekord 0.0.2 (Rekor v2)', () => {
      const { body } = bodyOf(caseFile('rekor2-happy-path'));
      expect(body).toMatchObject({
        kind: 'hashedrekord',
        apiVersion: '0.0.2',
        signature: { verifier: { type: 'certificate' } },
      });
      if (body.kind === 'hashedrekord') expect(hexEncode(body.digest.value)).toBe(A_TXT_SHA256);
    });

    it('reads dsse 0.0.1', () => {
      const { bundle, body } = bodyOf(caseFile('happy-path-intoto-in-dsse-v3'));
      expect(body).toMatchObject({ kind: 'dsse', apiVersion: '0.0.1' });
      if (body.kind !== 'dsse' || bundle.content.kind !== 'dsseEnvelope') throw new Error('kind');
      expect(body.payloadHash.value).toEqual(sha256(bundle.content.payload));
      expect(body.signatures[0]?.signature).toEqual(bundle.content.signatures[0].sig);
    });

    it('reads dsse 0.0.2 (Rekor v2)', () => {
      const { bundle, body } = bodyOf(
        join(ROOT, 'sigstore-js/verify-fixture.V3.DSSE.WITH_SIGNING_CERT.TLOG_DSSEV002.json'),
      );
      expect(body).toMatchObject({ kind: 'dsse', apiVersion: '0.0.2' });
      if (body.kind !== 'dsse' || bundle.content.kind !== 'dsseEnvelope') throw new Error('kind');
      expect(body.payloadHash.value).toEqual(sha256(bundle.content.payload));
    });

    it.each([
      ['intoto-with-custom-trust-root', 'sig and payload base64-encoded twice'],
      ['intoto-log-entry-mismatch_fail', 'sig base64-encoded once'],
    ])('reads intoto 0.0.2 (%s: %s)', (name) => {
      const { bundle, body } = bodyOf(caseFile(name));
      expect(body).toMatchObject({
        kind: 'intoto',
        apiVersion: '0.0.2',
        payloadType: 'application/vnd.in-toto+json',
      });
      if (body.kind !== 'intoto' || bundle.content.kind !== 'dsseEnvelope') throw new Error('kind');
      expect(body.payload).toEqual(bundle.content.payload);
      expect(body.payloadHash.value).toEqual(sha256(bundle.content.payload));
      expect(body.signatures[0]?.signature[0]).toBe(0x30); // a DER ECDSA signature
    });
  });

  describe('when the body is malformed', () => {
    const pem = base64Encode(utf8Encode('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'));
    const hr = (spec: unknown, extra: Record<string, unknown> = {}) =>
      utf8Encode(canonicalJson({ apiVersion: '0.0.1', kind: 'hashedrekord', spec, ...extra }));
    const goodSpec = () => ({
      data: { hash: { algorithm: 'sha256', value: '00'.repeat(32) } },
      signature: { content: 'AAAA', publicKey: { content: pem } },
    });
    it('accepts the well-formed baseline', () => {
      expect(parseEntryBody(hr(goodSpec())).kind).toBe('hashedrekord');
    });
    it.each([
      ['not JSON', utf8Encode('{')],
      ['not UTF-8', new Uint8Array([0xff])],
      ['an unknown kind', utf8Encode(canonicalJson({ apiVersion: '0.0.1', kind: 'rekord', spec: {} }))],
      ['an unknown version', hr(goodSpec(), { apiVersion: '0.0.9' })],
      ['no spec', utf8Encode(canonicalJson({ apiVersion: '0.0.1', kind: 'hashedrekord' }))],
      [
        'a bad hex digest',
        hr({ ...goodSpec(), data: { hash: { algorithm: 'sha256', value: 'zz'.repeat(32) } } }),
      ],
      ['a short digest', hr({ ...goodSpec(), data: { hash: { algorithm: 'sha256', value: '00' } } })],
      [
        'an unknown hash',
        hr({ ...goodSpec(), data: { hash: { algorithm: 'md5', value: '00'.repeat(16) } } }),
      ],
      ['a bad signature', hr({ ...goodSpec(), signature: { content: '!', publicKey: { content: pem } } })],
      [
        'a key that is not PEM',
        hr({ ...goodSpec(), signature: { content: 'AAAA', publicKey: { content: 'AAAA' } } }),
      ],
      [
        'a PEM of another type',
        hr({
          ...goodSpec(),
          signature: {
            content: 'AAAA',
            publicKey: { content: base64Encode(utf8Encode('-----BEGIN X-----\nAAAA\n-----END X-----\n')) },
          },
        }),
      ],
    ])('refuses %s', (_d, bytes) => {
      expect(() => parseEntryBody(bytes)).toThrow(expect.objectContaining({ code: 'TLOG_ENTRY_MALFORMED' }));
    });
  });
});
