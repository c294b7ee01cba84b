import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha384 } from '../src/crypto/index.js';
import { base64Decode, base64Encode, utf8Decode, utf8Encode } from '../src/encoding.js';
import {
  canonicalDsseV002,
  canonicalHashedRekordV002,
  dsseAsHashedRekordRequestV002,
  dssePae,
  parseCreateEntryRequestV2,
} from '../src/entries/canonicalize-v2.js';
import { parseEntryBody } from '../src/entries/index.js';

// The protobuf-specs TypeScript bindings (what sigstore-js uses) as an independent encoder.
const require = createRequire(import.meta.url);
const { Entry } = require('@sigstore/protobuf-specs/rekor/v2') as {
  Entry: { toJSON(m: unknown): unknown };
};

const key = new Uint8Array(91).fill(3);
const digest = new Uint8Array(32).fill(0xab);
const sig = new Uint8Array(70).fill(0x11);

const hashedRequest = {
  hashedRekordRequestV002: {
    digest: base64Encode(digest),
    signature: {
      content: base64Encode(sig),
      verifier: { publicKey: { rawBytes: base64Encode(key) }, keyDetails: 'PKIX_ECDSA_P256_SHA_256' },
    },
  },
};

describe('canonicalHashedRekordV002', () => {
  describe('when given a sigstore-js shaped request', () => {
    it('produces the RFC 8785 JSON of the protobuf-JSON Entry', () => {
      const parsed = parseCreateEntryRequestV2(hashedRequest);
      if (parsed.kind !== 'hashedrekord') throw new Error('kind');
      const body = utf8Decode(canonicalHashedRekordV002(parsed.request));
      const expected = Entry.toJSON({
        kind: 'hashedrekord',
        apiVersion: '0.0.2',
        spec: {
          spec: {
            $case: 'hashedRekordV002',
            hashedRekordV002: {
              data: { algorithm: 1 /* SHA2_256 */, digest: Buffer.from(digest) },
              signature: {
                content: Buffer.from(sig),
                verifier: {
                  verifier: { $case: 'publicKey', publicKey: { rawBytes: Buffer.from(key) } },
                  keyDetails: 5,
                },
              },
            },
          },
        },
      });
      expect(body).toBe(canonicalJson(expected));
      expect(parseEntryBody(utf8Encode(body))).toMatchObject({ kind: 'hashedrekord', apiVersion: '0.0.2' });
    });
  });

  describe('when the request uses proto field names and URL-safe base64', () => {
    it('parses to the same request', () => {
      const snake = {
        hashed_rekord_request_v002: {
          digest: base64Encode(digest).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
          signature: {
            content: base64Encode(sig),
            verifier: {
              public_key: { raw_bytes: base64Encode(key) },
              key_details: 'PKIX_ECDSA_P256_SHA_256',
            },
          },
        },
      };
      expect(parseCreateEntryRequestV2(snake)).toEqual(parseCreateEntryRequestV2(hashedRequest));
    });
  });
});

describe('parseCreateEntryRequestV2', () => {
  const h = hashedRequest.hashedRekordRequestV002;
  describe('when the request is malformed', () => {
    it.each([
      ['not an object', 'x', 'ENTRY_MALFORMED'],
      ['no kind', {}, 'ENTRY_UNSUPPORTED_KIND'],
      ['both kinds', { ...hashedRequest, dsseRequestV002: {} }, 'ENTRY_MALFORMED'],
      ['missing digest', { hashedRekordRequestV002: { ...h, digest: undefined } }, 'ENTRY_MALFORMED'],
      ['bad base64 digest', { hashedRekordRequestV002: { ...h, digest: '!!!' } }, 'ENTRY_MALFORMED'],
      [
        'digest of the wrong length',
        { hashedRekordRequestV002: { ...h, digest: base64Encode(new Uint8Array(20)) } },
        'ENTRY_MALFORMED',
      ],
      ['missing signature', { hashedRekordRequestV002: { digest: h.digest } }, 'ENTRY_MALFORMED'],
      [
        'unknown key details',
        {
          hashedRekordRequestV002: {
            ...h,
            signature: { ...h.signature, verifier: { ...h.signature.verifier, keyDetails: 'PKIX_RSA_FOO' } },
          },
        },
        'KEY_UNSUPPORTED',
      ],
      [
        'both key and certificate',
        {
          hashedRekordRequestV002: {
            ...h,
            signature: {
              ...h.signature,
              verifier: { ...h.signature.verifier, x509Certificate: { rawBytes: base64Encode(key) } },
            },
          },
        },
        'ENTRY_MALFORMED',
      ],
      ['dsse without envelope', { dsseRequestV002: { verifiers: [] } }, 'ENTRY_MALFORMED'],
      [
        'dsse without verifiers',
        {
          dsseRequestV002: { envelope: { payload: 'YQ==', payloadType: 't', signatures: [{ sig: 'YQ==' }] } },
        },
        'ENTRY_MALFORMED',
      ],
      [
        'dsse without signatures',
        {
          dsseRequestV002: {
            envelope: { payload: 'YQ==', payloadType: 't', signatures: [] },
            verifiers: [h.signature.verifier],
          },
        },
        'ENTRY_MALFORMED',
      ],
      [
        'dsse with 11 verifiers',
        {
          dsseRequestV002: {
            envelope: { payload: 'YQ==', payloadType: 't', signatures: [{ sig: 'YQ==' }] },
            verifiers: Array(11).fill(h.signature.verifier),
          },
        },
        'ENTRY_MALFORMED',
      ],
    ])('rejects %s', (_name, input, code) => {
      expect(() => parseCreateEntryRequestV2(input)).toThrow(expect.objectContaining({ code }));
    });
  });
});

describe('canonicalDsseV002', () => {
  describe('when several signatures verified', () => {
    it('sorts them by raw bytes and hashes the payload with SHA-256', () => {
      const verifier = { keyDetails: 'PKIX_ECDSA_P256_SHA_256', publicKey: key };
      const a = { content: new Uint8Array([2, 1]), verifier };
      const b = { content: new Uint8Array([1, 9, 9]), verifier };
      const envelope = { payload: utf8Encode('hello'), payloadType: 'text/plain', signatures: [] };
      const body = JSON.parse(utf8Decode(canonicalDsseV002(envelope, [a, b])));
      expect(body.spec.dsseV002.signatures.map((s: { content: string }) => s.content)).toEqual([
        base64Encode(b.content),
        base64Encode(a.content),
      ]);
      expect(body.spec.dsseV002.payloadHash).toEqual({
        algorithm: 'SHA2_256',
        digest: 'LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=',
      });
      expect(body.kind).toBe('dsse');
      expect(body.apiVersion).toBe('0.0.2');
    });
  });
});

describe('dssePae', () => {
  describe('when given a type and payload', () => {
    it('encodes DSSEv1 PAE', () => {
      expect(utf8Decode(dssePae('http://example.com/HelloWorld', utf8Encode('hello world')))).toBe(
        'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
      );
    });
  });
});

describe('canonical v2 bodies against real Rekor v2 entries', () => {
  const dir = new URL('../../../test/vectors/sigstore-js/', import.meta.url);
  const load = (name: string) =>
    JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as {
      verificationMaterial: {
        certificate?: { rawBytes: string };
        tlogEntries: { canonicalizedBody: string }[];
      };
      dsseEnvelope?: { payload: string; payloadType: string; signatures: { sig: string; keyid?: string }[] };
    };

  describe('when rebuilding the dsse 0.0.2 body of a public-good bundle from its envelope and certificate', () => {
    it('is byte-identical to the logged canonicalized body', () => {
      const b = load('verify-fixture.V3.DSSE.WITH_SIGNING_CERT.TLOG_DSSEV002.json');
      const env = b.dsseEnvelope!;
      const cert = base64Decode(b.verificationMaterial.certificate!.rawBytes);
      const body = canonicalDsseV002(
        { payload: base64Decode(env.payload), payloadType: env.payloadType, signatures: [] },
        env.signatures.map((s) => ({
          content: base64Decode(s.sig),
          verifier: { keyDetails: 'PKIX_ECDSA_P256_SHA_256', x509Certificate: cert },
        })),
      );
      expect(base64Encode(body)).toBe(b.verificationMaterial.tlogEntries[0]!.canonicalizedBody);
    });
  });

  describe('when re-canonicalizing the hashedrekord 0.0.2 body of a public-good bundle', () => {
    it('is byte-identical to the logged canonicalized body', () => {
      const b = load('verify-fixture.V3.MESSAGE_SIGNATURE.TLOG_HASHEDREKORDV002.json');
      const logged = b.verificationMaterial.tlogEntries[0]!.canonicalizedBody;
      const spec = JSON.parse(utf8Decode(base64Decode(logged))).spec.hashedRekordV002;
      const parsed = parseCreateEntryRequestV2({
        hashedRekordRequestV002: { digest: spec.data.digest, signature: spec.signature },
      });
      if (parsed.kind !== 'hashedrekord') throw new Error('kind');
      expect(base64Encode(canonicalHashedRekordV002(parsed.request))).toBe(logged);
    });
  });
});

describe('dsseAsHashedRekordRequestV002', () => {
  const envelope = {
    payload: new TextEncoder().encode('{"_type":"x"}'),
    payloadType: 'application/vnd.in-toto+json',
    signatures: [{ sig: Uint8Array.of(1, 2, 3), keyid: '' }],
  };
  const verifier = { publicKey: Uint8Array.of(9, 9), keyDetails: 'PKIX_ECDSA_P384_SHA_384' };

  describe('when the envelope has one signature', () => {
    it('digests the PAE with the key details hash and round-trips through the request parser', () => {
      const { request, json } = dsseAsHashedRekordRequestV002(envelope, verifier);
      expect(request.digest).toEqual(sha384(dssePae(envelope.payloadType, envelope.payload)));
      expect(request.signature.content).toEqual(envelope.signatures[0]!.sig);
      expect(parseCreateEntryRequestV2(json)).toEqual({ kind: 'hashedrekord', request });
    });
  });

  describe('when it cannot be logged that way', () => {
    it.each([
      ['no signature', { ...envelope, signatures: [] }, verifier, 'ENTRY_MALFORMED'],
      [
        'two signatures',
        { ...envelope, signatures: [...envelope.signatures, ...envelope.signatures] },
        verifier,
        'ENTRY_MALFORMED',
      ],
      ['unknown key details', envelope, { ...verifier, keyDetails: 'NOPE' }, 'KEY_UNSUPPORTED'],
    ] as const)('refuses %s', (_n, env, v, code) => {
      expect(() => dsseAsHashedRekordRequestV002(env as never, v as never)).toThrow(
        expect.objectContaining({ code }),
      );
    });
  });
});
