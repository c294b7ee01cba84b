import { createHash, createPublicKey, ECDH, generateKeyPairSync, sign } from 'node:crypto';
import { canonicalJson, pemEncode } from '@scriba/sdk/crypto';
import { decodeStoredBody, encodeStoredBody, isCompactStoredBody } from '@scriba/sdk/entries';
import { hashLeaf } from '@scriba/sdk/merkle';
import { describe, expect, it } from 'vitest';
import { EntryValidationError, validateProposedEntry } from '../src/entries/index.js';
import {
  b64,
  dsseEntry,
  envelope,
  hashedRekord,
  intotoEntry,
  type KeyKind,
  makeCertificate,
  pemOf,
  signArtifact,
  statement,
  testKey,
  tlv,
} from './entries.fixtures.js';

// Tests read and mutate arbitrary JSON entries; a loose recursive type keeps them short.
// biome-ignore lint/suspicious/noExplicitAny: test-only access to untyped JSON
type Loose = any;
type Body = { apiVersion: string; kind: string; spec: Loose };

function parseBody(b: Uint8Array): Body {
  const text = Buffer.from(b).toString('utf8');
  const parsed = JSON.parse(text) as Body;
  // The stored body MUST be RFC 8785 canonical JSON.
  expect(canonicalJson(parsed)).toBe(text);
  return parsed;
}

async function rejection(entry: unknown): Promise<EntryValidationError> {
  try {
    await validateProposedEntry(entry);
  } catch (e) {
    expect(e).toBeInstanceOf(EntryValidationError);
    return e as EntryValidationError;
  }
  throw new Error('entry was accepted');
}

const clone = <T>(x: T): T => structuredClone(x);
const KEY_KINDS: KeyKind[] = ['P-256', 'P-384', 'P-521', 'RSA-2048', 'RSA-3072', 'Ed25519'];

describe('validateProposedEntry', () => {
  describe('when the entry is a valid hashedrekord 0.0.1', () => {
    const cases = KEY_KINDS.flatMap((kind) =>
      (kind === 'Ed25519' ? (['sha512'] as const) : (['sha256', 'sha384', 'sha512'] as const)).flatMap(
        (alg) => (['key', 'certificate'] as const).map((material) => ({ kind, alg, material })),
      ),
    );
    it.each(cases)('accepts $kind over $alg with a $material', async ({ kind, alg, material }) => {
      const key = testKey(kind);
      const cert = makeCertificate({
        subject: key,
        emails: ['Dev@Example.COM'],
        uris: ['https://ci.example/wf'],
      });
      const pem = material === 'key' ? key.pem : pemOf(cert, 'CERTIFICATE');
      const entry = hashedRekord({ key, alg, pem });
      const r = await validateProposedEntry(entry);
      expect(r.kind).toBe('hashedrekord');
      expect(r.apiVersion).toBe('0.0.1');
      expect(Buffer.from(r.leafHash)).toEqual(Buffer.from(hashLeaf(r.body)));
      const body = parseBody(r.body);
      expect(body).toEqual({
        apiVersion: '0.0.1',
        kind: 'hashedrekord',
        spec: {
          data: { hash: entry.spec.data.hash },
          signature: {
            content: entry.spec.signature.content,
            publicKey: {
              content: b64(
                material === 'key' ? pemEncode(key.spki, 'PUBLIC KEY') : pemEncode(cert, 'CERTIFICATE'),
              ),
            },
          },
        },
      });
      const fp = createHash('sha256')
        .update(material === 'key' ? key.spki : cert)
        .digest('hex');
      expect(r.searchKeys).toEqual({
        sha256Digests: alg === 'sha256' ? [`sha256:${entry.spec.data.hash.value}`] : [],
        publicKeyFingerprints: [fp],
        emails: material === 'key' ? [] : ['dev@example.com'],
        subjects: material === 'key' ? [] : ['dev@example.com', 'https://ci.example/wf'],
      });
    });

    it('stores the same canonical body whatever the PEM and base64 layout', async () => {
      const key = testKey('P-256');
      const entry = hashedRekord({ key });
      const messy = clone(entry);
      const crlfPem = `\n  ${key.pem.replace(/\n/g, '\r\n')}\n\n`;
      messy.spec.signature.publicKey.content = b64(crlfPem).replace(/(.{20})/, '$1\r\n');
      messy.spec.signature.content = entry.spec.signature.content.replace(/(.{10})/, '$1\n');
      (messy.spec as Loose).data.content = 'ignored';
      (messy.spec.signature.publicKey as Loose).url = 'https://ignored.example';
      const a = await validateProposedEntry(entry);
      const b = await validateProposedEntry(messy);
      expect(Buffer.from(b.body)).toEqual(Buffer.from(a.body));
    });

    it('accepts a certificate chain and stores every certificate', async () => {
      const ca = testKey('P-384');
      const leafKey = testKey('P-256');
      const caCert = makeCertificate({ subject: ca, ca: true, subjectName: 'test-ca' });
      const leaf = makeCertificate({ subject: leafKey, issuer: ca, emails: ['a@b.example'] });
      const chainPem = pemOf(leaf, 'CERTIFICATE') + pemOf(caCert, 'CERTIFICATE');
      const r = await validateProposedEntry(hashedRekord({ key: leafKey, pem: chainPem }));
      const body = parseBody(r.body);
      expect(Buffer.from(body.spec.signature.publicKey.content, 'base64').toString()).toBe(chainPem);
      expect(r.searchKeys.publicKeyFingerprints).toEqual([createHash('sha256').update(leaf).digest('hex')]);
    });

    it('gives its stored form, the one the SDK computes from the body (compact, expanding to it)', async () => {
      const ca = testKey('P-384');
      const leafKey = testKey('P-256');
      const caCert = makeCertificate({ subject: ca, ca: true, subjectName: 'test-ca' });
      const leaf = makeCertificate({ subject: leafKey, issuer: ca, emails: ['a@b.example'] });
      const crlf = `\n  ${leafKey.pem.replace(/\n/g, '\r\n')}\n\n`;
      for (const entry of [
        hashedRekord({ key: testKey('P-256') }),
        hashedRekord({ key: testKey('Ed25519') }),
        hashedRekord({ key: testKey('P-384'), alg: 'sha384' }),
        hashedRekord({ key: leafKey, pem: pemOf(leaf, 'CERTIFICATE') + pemOf(caCert, 'CERTIFICATE') }),
        hashedRekord({ key: leafKey, pem: crlf }),
      ]) {
        const r = await validateProposedEntry(entry);
        expect(r.storedBody).toBeDefined();
        expect(isCompactStoredBody(r.storedBody!)).toBe(true);
        expect(Buffer.from(r.storedBody!)).toEqual(Buffer.from(encodeStoredBody(r.body)));
        expect(Buffer.from(decodeStoredBody(r.storedBody!))).toEqual(Buffer.from(r.body));
      }
    });
  });

  describe('when the entry is a valid dsse 0.0.1', () => {
    it.each(KEY_KINDS)(
      'accepts a %s signature and keeps hashes, signature and canonical verifier',
      async (kind) => {
        const key = testKey(kind);
        const payload = statement('ab'.repeat(32));
        const env = envelope([key], payload);
        const entry = dsseEntry(env, [`\n${key.pem}`]);
        const r = await validateProposedEntry(entry);
        const body = parseBody(r.body);
        const envelopeHash = createHash('sha256').update(entry.spec.proposedContent.envelope).digest('hex');
        const payloadHash = createHash('sha256').update(payload).digest('hex');
        expect(body).toEqual({
          apiVersion: '0.0.1',
          kind: 'dsse',
          spec: {
            envelopeHash: { algorithm: 'sha256', value: envelopeHash },
            payloadHash: { algorithm: 'sha256', value: payloadHash },
            signatures: [
              { signature: env.signatures[0]?.sig, verifier: b64(pemEncode(key.spki, 'PUBLIC KEY')) },
            ],
          },
        });
        expect(r.searchKeys.sha256Digests).toEqual([
          `sha256:${payloadHash}`,
          `sha256:${envelopeHash}`,
          `sha256:${'ab'.repeat(32)}`,
        ]);
      },
    );

    it('sorts signatures, maps each to the key that verified it and hashes the envelope text as sent', async () => {
      const k1 = testKey('P-256');
      const k2 = testKey('Ed25519');
      const env = envelope([k1, k2], new TextEncoder().encode('hello'), 'text/plain');
      const spaced = JSON.stringify(env, null, 2);
      const r = await validateProposedEntry(dsseEntry(env, [k2.pem, k1.pem], spaced));
      const body = parseBody(r.body);
      const sigs = env.signatures.map((s, i) => ({
        signature: s.sig,
        verifier: b64(pemEncode([k1, k2][i]!.spki, 'PUBLIC KEY')),
      }));
      sigs.sort((a, b) => (a.signature < b.signature ? -1 : 1));
      expect(body.spec.signatures).toEqual(sigs);
      expect(body.spec.envelopeHash.value).toBe(createHash('sha256').update(spaced).digest('hex'));
    });

    it('stores a repeated signature once, and ignores keys after every signature is verified (as Rekor)', async () => {
      const key = testKey('P-256');
      const env = envelope([key], new TextEncoder().encode('dup'), 'text/plain');
      env.signatures.push({ ...env.signatures[0]! });
      const r = await validateProposedEntry(dsseEntry(env, [key.pem, testKey('P-384').pem]));
      const body = parseBody(r.body);
      expect(body.spec.signatures).toHaveLength(1);
      expect(r.searchKeys.publicKeyFingerprints).toEqual([
        createHash('sha256').update(key.spki).digest('hex'),
      ]);
    });

    it('accepts URL-safe base64 payloads and signatures (go-securesystemslib fallback)', async () => {
      const key = testKey('P-256');
      const payload = new Uint8Array([0xfb, 0xff, 0xfe, 0x3e, 0x3f]);
      const env = envelope([key], payload, 'application/octet-stream');
      const urlEnv = {
        ...env,
        payload: Buffer.from(payload).toString('base64url').padEnd(8, '='),
        signatures: env.signatures.map((s) => ({
          ...s,
          sig: Buffer.from(s.sig, 'base64')
            .toString('base64url')
            .padEnd(Math.ceil(s.sig.length / 4) * 4, '='),
        })),
      };
      const r = await validateProposedEntry(dsseEntry(urlEnv, [key.pem]));
      expect(parseBody(r.body).spec.payloadHash.value).toBe(
        createHash('sha256').update(payload).digest('hex'),
      );
    });
  });

  describe('when the entry is a valid intoto 0.0.2', () => {
    it.each(KEY_KINDS)('accepts a %s signature and keeps the signatures as sent', async (kind) => {
      const key = testKey(kind);
      const payload = statement('cd'.repeat(32));
      const env = envelope([key], payload);
      const entry = intotoEntry(env, [key.pem]);
      const r = await validateProposedEntry(entry);
      const body = parseBody(r.body);
      expect(body).toEqual({
        apiVersion: '0.0.2',
        kind: 'intoto',
        spec: {
          content: {
            envelope: {
              payloadType: 'application/vnd.in-toto+json',
              signatures: [{ publicKey: b64(key.pem), sig: b64(env.signatures[0]!.sig) }],
            },
            hash: entry.spec.content.hash,
            payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') },
          },
        },
      });
      expect(r.searchKeys.sha256Digests).toContain(`sha256:${'cd'.repeat(32)}`);
    });

    it('keeps a non-empty keyid and ignores a client payloadHash', async () => {
      const key = testKey('P-256');
      const env = envelope([key], new TextEncoder().encode('x'), 'text/plain');
      env.signatures[0]!.keyid = 'my-key';
      const entry = intotoEntry(env, [key.pem]);
      entry.spec.content.payloadHash.value = '00'.repeat(32);
      const body = parseBody((await validateProposedEntry(entry)).body);
      expect(body.spec.content.envelope.signatures[0].keyid).toBe('my-key');
      expect(body.spec.content.payloadHash.value).toBe(createHash('sha256').update('x').digest('hex'));
    });
  });

  describe('when the entry is invalid', () => {
    const p256 = () => testKey('P-256');
    const hr = () => hashedRekord({ key: p256() });
    // DER ECDSA signatures vary in length, and one of 72 bytes has no base64 padding to strip.
    const paddedHr = () => {
      for (;;) {
        const e = hr();
        if (e.spec.signature.content.endsWith('=')) return e;
      }
    };
    const env1 = () => envelope([p256()], statement('ef'.repeat(32)));
    const ds = () => dsseEntry(env1(), [p256().pem]);
    const it2 = () => intotoEntry(env1(), [p256().pem]);
    const keyPem = (kind: 'secp256k1' | 'ed448' | 'rsa1024') => {
      const pair =
        kind === 'secp256k1'
          ? generateKeyPairSync('ec', { namedCurve: 'secp256k1' })
          : kind === 'ed448'
            ? generateKeyPairSync('ed448')
            : generateKeyPairSync('rsa', { modulusLength: 1024 });
      return pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    };
    const compressedP256Pem = () => {
      const raw = p256().publicKey.export({ format: 'jwk' });
      const point = Buffer.concat([
        Buffer.from([4]),
        Buffer.from(raw.x!, 'base64url'),
        Buffer.from(raw.y!, 'base64url'),
      ]);
      const compressed = ECDH.convertKey(point, 'prime256v1', undefined, undefined, 'compressed') as Buffer;
      const spki = tlv(
        0x30,
        tlv(0x30, Buffer.from('06072a8648ce3d020106082a8648ce3d030107', 'hex')),
        tlv(0x03, Buffer.from([0]), compressed),
      );
      createPublicKey({ key: spki, format: 'der', type: 'spki' }); // node accepts it; Rekor does not
      return pemOf(spki, 'PUBLIC KEY');
    };
    const set =
      <T>(make: () => T, edit: (e: Loose) => void) =>
      () => {
        const e = clone(make());
        edit(e);
        return e;
      };

    const cases: [string, () => unknown, string, string][] = [
      ['null', () => null, 'INVALID_ENTRY', '$'],
      ['an array', () => [hr()], 'INVALID_ENTRY', '$'],
      ['a string', () => 'hashedrekord', 'INVALID_ENTRY', '$'],
      ['no kind', set(hr, (e) => delete e.kind), 'INVALID_ENTRY', 'kind'],
      ['a numeric kind', set(hr, (e) => (e.kind = 1)), 'INVALID_ENTRY', 'kind'],
      ['kind rekord', set(hr, (e) => (e.kind = 'rekord')), 'UNSUPPORTED_KIND', 'kind'],
      ['kind __proto__', set(hr, (e) => (e.kind = '__proto__')), 'UNSUPPORTED_KIND', 'kind'],
      [
        'hashedrekord 0.0.2 on v1',
        set(hr, (e) => (e.apiVersion = '0.0.2')),
        'UNSUPPORTED_KIND',
        'apiVersion',
      ],
      ['dsse 0.0.2 on v1', set(ds, (e) => (e.apiVersion = '0.0.2')), 'UNSUPPORTED_KIND', 'apiVersion'],
      ['intoto 0.0.1', set(it2, (e) => (e.apiVersion = '0.0.1')), 'UNSUPPORTED_KIND', 'apiVersion'],
      ['apiVersion toString', set(hr, (e) => (e.apiVersion = 'toString')), 'UNSUPPORTED_KIND', 'apiVersion'],
      ['no apiVersion', set(hr, (e) => delete e.apiVersion), 'INVALID_ENTRY', 'apiVersion'],
      ['no spec', set(hr, (e) => delete e.spec), 'INVALID_ENTRY', 'spec'],
      ['spec as a string', set(hr, (e) => (e.spec = 'x')), 'INVALID_ENTRY', 'spec'],
      // hashedrekord: structure and encodings
      ['no signature', set(hr, (e) => delete e.spec.signature), 'INVALID_ENTRY', 'spec.signature'],
      [
        'signature not base64',
        set(hr, (e) => (e.spec.signature.content = 'not base64!')),
        'INVALID_ENTRY',
        'spec.signature.content',
      ],
      [
        'unpadded base64 signature',
        set(paddedHr, (e) => (e.spec.signature.content = e.spec.signature.content.replace(/=+$/, ''))),
        'INVALID_ENTRY',
        'spec.signature.content',
      ],
      [
        'empty signature',
        set(hr, (e) => (e.spec.signature.content = '')),
        'INVALID_ENTRY',
        'spec.signature.content',
      ],
      [
        'numeric signature',
        set(hr, (e) => (e.spec.signature.content = 12)),
        'INVALID_ENTRY',
        'spec.signature.content',
      ],
      [
        'no public key',
        set(hr, (e) => delete e.spec.signature.publicKey),
        'INVALID_ENTRY',
        'spec.signature.publicKey',
      ],
      [
        'public key not base64',
        set(hr, (e) => (e.spec.signature.publicKey.content = '%%%')),
        'INVALID_ENTRY',
        'spec.signature.publicKey.content',
      ],
      [
        'public key not PEM',
        set(hr, (e) => (e.spec.signature.publicKey.content = b64('hello'))),
        'INVALID_ENTRY',
        'spec.signature.publicKey.content',
      ],
      [
        'PEM with a bad body',
        set(
          hr,
          (e) =>
            (e.spec.signature.publicKey.content = b64(
              '-----BEGIN PUBLIC KEY-----\n@@@@\n-----END PUBLIC KEY-----\n',
            )),
        ),
        'INVALID_ENTRY',
        'spec.signature.publicKey.content',
      ],
      [
        'PEM without END',
        set(
          hr,
          (e) => (e.spec.signature.publicKey.content = b64(p256().pem.replace(/-----END[\s\S]*$/, ''))),
        ),
        'INVALID_ENTRY',
        'spec.signature.publicKey.content',
      ],
      [
        'PEM with headers',
        set(
          hr,
          (e) =>
            (e.spec.signature.publicKey.content = b64(
              p256().pem.replace('KEY-----\n', 'KEY-----\nProc-Type: 4,ENCRYPTED\n\n'),
            )),
        ),
        'INVALID_ENTRY',
        'spec.signature.publicKey.content',
      ],
      [
        'an RSA PUBLIC KEY block',
        set(
          hr,
          (e) =>
            (e.spec.signature.publicKey.content = b64(
              testKey('RSA-2048').publicKey.export({ type: 'pkcs1', format: 'pem' }) as string,
            )),
        ),
        'INVALID_ENTRY',
        'spec.signature.publicKey.content',
      ],
      [
        'a PRIVATE KEY block',
        set(
          hr,
          (e) =>
            (e.spec.signature.publicKey.content = b64(
              p256().privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
            )),
        ),
        'INVALID_ENTRY',
        'spec.signature.publicKey.content',
      ],
      [
        'two PUBLIC KEY blocks',
        set(hr, (e) => (e.spec.signature.publicKey.content = b64(p256().pem + p256().pem))),
        'INVALID_ENTRY',
        'spec.signature.publicKey.content',
      ],
      [
        'a PUBLIC KEY that is not DER',
        set(
          hr,
          (e) => (e.spec.signature.publicKey.content = b64(pemOf(Buffer.from('not a key'), 'PUBLIC KEY'))),
        ),
        'INVALID_ENTRY',
        'spec.signature.publicKey.content',
      ],
      [
        'an SPKI with trailing bytes',
        set(
          hr,
          (e) =>
            (e.spec.signature.publicKey.content = b64(
              pemOf(Buffer.concat([p256().spki, Buffer.from([0])]), 'PUBLIC KEY'),
            )),
        ),
        'INVALID_ENTRY',
        'spec.signature.publicKey.content',
      ],
      [
        'a CERTIFICATE that is not DER',
        set(
          hr,
          (e) => (e.spec.signature.publicKey.content = b64(pemOf(Buffer.from('not a cert'), 'CERTIFICATE'))),
        ),
        'INVALID_ENTRY',
        'spec.signature.publicKey.content',
      ],
      [
        'a chain in the wrong order',
        () => {
          const ca = testKey('P-384');
          const caCert = makeCertificate({ subject: ca, ca: true, subjectName: 'test-ca' });
          const leaf = makeCertificate({ subject: p256(), issuer: ca });
          return hashedRekord({
            key: p256(),
            pem: pemOf(caCert, 'CERTIFICATE') + pemOf(leaf, 'CERTIFICATE'),
          });
        },
        'INVALID_ENTRY',
        'spec.signature.publicKey.content',
      ],
      [
        'a chain whose issuer is not a CA',
        () => {
          const ca = testKey('P-384');
          const caCert = makeCertificate({ subject: ca, subjectName: 'test-ca' });
          const leaf = makeCertificate({ subject: p256(), issuer: ca });
          return hashedRekord({
            key: p256(),
            pem: pemOf(leaf, 'CERTIFICATE') + pemOf(caCert, 'CERTIFICATE'),
          });
        },
        'INVALID_ENTRY',
        'spec.signature.publicKey.content',
      ],
      [
        'a secp256k1 key',
        () => ({
          ...hr(),
          spec: {
            ...hr().spec,
            signature: {
              content: hr().spec.signature.content,
              publicKey: { content: b64(keyPem('secp256k1')) },
            },
          },
        }),
        'UNSUPPORTED_KEY',
        'spec.signature.publicKey.content',
      ],
      [
        'an Ed448 key',
        set(hr, (e) => (e.spec.signature.publicKey.content = b64(keyPem('ed448')))),
        'UNSUPPORTED_KEY',
        'spec.signature.publicKey.content',
      ],
      [
        'an RSA-1024 key',
        set(hr, (e) => (e.spec.signature.publicKey.content = b64(keyPem('rsa1024')))),
        'UNSUPPORTED_KEY',
        'spec.signature.publicKey.content',
      ],
      [
        'a compressed P-256 point',
        set(hr, (e) => (e.spec.signature.publicKey.content = b64(compressedP256Pem()))),
        'UNSUPPORTED_KEY',
        'spec.signature.publicKey.content',
      ],
      // hashedrekord: digest
      ['no data', set(hr, (e) => delete e.spec.data), 'INVALID_ENTRY', 'spec.data'],
      ['no hash', set(hr, (e) => delete e.spec.data.hash), 'INVALID_ENTRY', 'spec.data.hash'],
      [
        'no hash algorithm',
        set(hr, (e) => delete e.spec.data.hash.algorithm),
        'INVALID_ENTRY',
        'spec.data.hash.algorithm',
      ],
      [
        'hash algorithm md5',
        set(hr, (e) => (e.spec.data.hash.algorithm = 'md5')),
        'UNSUPPORTED_HASH',
        'spec.data.hash.algorithm',
      ],
      [
        'hash algorithm SHA256',
        set(hr, (e) => (e.spec.data.hash.algorithm = 'SHA256')),
        'UNSUPPORTED_HASH',
        'spec.data.hash.algorithm',
      ],
      [
        'no hash value',
        set(hr, (e) => delete e.spec.data.hash.value),
        'INVALID_ENTRY',
        'spec.data.hash.value',
      ],
      [
        'a 63-digit sha256',
        set(hr, (e) => (e.spec.data.hash.value = e.spec.data.hash.value.slice(1))),
        'INVALID_ENTRY',
        'spec.data.hash.value',
      ],
      [
        'a sha256 labelled sha384',
        set(hr, (e) => (e.spec.data.hash.algorithm = 'sha384')),
        'INVALID_ENTRY',
        'spec.data.hash.value',
      ],
      [
        'upper-case hex',
        set(hr, (e) => (e.spec.data.hash.value = e.spec.data.hash.value.toUpperCase())),
        'INVALID_ENTRY',
        'spec.data.hash.value',
      ],
      [
        'non-hex digits',
        set(hr, (e) => (e.spec.data.hash.value = `zz${e.spec.data.hash.value.slice(2)}`)),
        'INVALID_ENTRY',
        'spec.data.hash.value',
      ],
      [
        'Ed25519 over sha256',
        () => hashedRekord({ key: testKey('Ed25519'), alg: 'sha256' }),
        'UNSUPPORTED_HASH',
        'spec.data.hash.algorithm',
      ],
      // hashedrekord: signatures that do not verify
      [
        'a signature over another artifact',
        set(hr, (e) => (e.spec.data.hash.value = createHash('sha256').update('other').digest('hex'))),
        'SIGNATURE_INVALID',
        'spec.signature.content',
      ],
      [
        'a signature by another key',
        set(hr, (e) => (e.spec.signature.publicKey.content = b64(testKey('P-256', true).pem))),
        'SIGNATURE_INVALID',
        'spec.signature.content',
      ],
      [
        'a truncated signature',
        set(
          hr,
          (e) =>
            (e.spec.signature.content = b64(Buffer.from(e.spec.signature.content, 'base64').subarray(0, 40))),
        ),
        'SIGNATURE_INVALID',
        'spec.signature.content',
      ],
      [
        'a raw r||s (P1363) signature',
        () => {
          const key = p256();
          const artifact = Buffer.from('raw');
          return hashedRekord({
            key,
            artifact,
            sig: sign('sha256', artifact, { key: key.privateKey, dsaEncoding: 'ieee-p1363' }),
          });
        },
        'SIGNATURE_INVALID',
        'spec.signature.content',
      ],
      [
        'an RSA-PSS signature',
        () => {
          const key = testKey('RSA-2048');
          const artifact = Buffer.from('pss');
          return hashedRekord({
            key,
            artifact,
            sig: sign('sha256', artifact, { key: key.privateKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */ }),
          });
        },
        'SIGNATURE_INVALID',
        'spec.signature.content',
      ],
      [
        'a pure Ed25519 signature',
        () => {
          const key = testKey('Ed25519');
          const artifact = Buffer.from('pure');
          return hashedRekord({ key, artifact, alg: 'sha512', sig: sign(null, artifact, key.privateKey) });
        },
        'SIGNATURE_INVALID',
        'spec.signature.content',
      ],
      [
        'an RSA signature with the wrong DigestInfo',
        () => {
          const key = testKey('RSA-2048');
          const artifact = Buffer.from('di');
          return hashedRekord({ key, artifact, alg: 'sha256', sig: signArtifact(key, 'sha512', artifact) });
        },
        'SIGNATURE_INVALID',
        'spec.signature.content',
      ],
      // dsse
      [
        'dsse without proposedContent',
        set(ds, (e) => delete e.spec.proposedContent),
        'INVALID_ENTRY',
        'spec.proposedContent',
      ],
      [
        'dsse with a client envelopeHash',
        set(ds, (e) => (e.spec.envelopeHash = { algorithm: 'sha256', value: '00' })),
        'INVALID_ENTRY',
        'spec.envelopeHash',
      ],
      [
        'dsse with client signatures',
        set(ds, (e) => (e.spec.signatures = [])),
        'INVALID_ENTRY',
        'spec.signatures',
      ],
      [
        'dsse envelope not JSON',
        set(ds, (e) => (e.spec.proposedContent.envelope = '{')),
        'INVALID_ENTRY',
        'spec.proposedContent.envelope',
      ],
      [
        'dsse envelope a JSON array',
        set(ds, (e) => (e.spec.proposedContent.envelope = '[]')),
        'INVALID_ENTRY',
        'spec.proposedContent.envelope',
      ],
      [
        'dsse envelope an object',
        set(ds, (e) => (e.spec.proposedContent.envelope = {})),
        'INVALID_ENTRY',
        'spec.proposedContent.envelope',
      ],
      [
        'dsse without payloadType',
        set(ds, (e) => {
          const x = JSON.parse(e.spec.proposedContent.envelope);
          delete x.payloadType;
          e.spec.proposedContent.envelope = JSON.stringify(x);
        }),
        'INVALID_ENTRY',
        'spec.proposedContent.envelope.payloadType',
      ],
      [
        'dsse payload not base64',
        set(ds, (e) => {
          const x = JSON.parse(e.spec.proposedContent.envelope);
          x.payload = 'a*b';
          e.spec.proposedContent.envelope = JSON.stringify(x);
        }),
        'INVALID_ENTRY',
        'spec.proposedContent.envelope.payload',
      ],
      [
        'dsse without signatures',
        set(ds, (e) => {
          const x = JSON.parse(e.spec.proposedContent.envelope);
          x.signatures = [];
          e.spec.proposedContent.envelope = JSON.stringify(x);
        }),
        'INVALID_ENTRY',
        'spec.proposedContent.envelope.signatures',
      ],
      [
        'dsse with 9 signatures',
        set(ds, (e) => {
          const x = JSON.parse(e.spec.proposedContent.envelope);
          x.signatures = Array(9).fill(x.signatures[0]);
          e.spec.proposedContent.envelope = JSON.stringify(x);
        }),
        'INVALID_ENTRY',
        'spec.proposedContent.envelope.signatures',
      ],
      [
        'dsse with 9 verifiers',
        set(
          ds,
          (e) => (e.spec.proposedContent.verifiers = Array(9).fill(e.spec.proposedContent.verifiers[0])),
        ),
        'INVALID_ENTRY',
        'spec.proposedContent.verifiers',
      ],
      [
        'intoto with 9 signatures',
        set(
          it2,
          (e) => (e.spec.content.envelope.signatures = Array(9).fill(e.spec.content.envelope.signatures[0])),
        ),
        'INVALID_ENTRY',
        'spec.content.envelope.signatures',
      ],
      [
        'intoto with a second key that verifies nothing',
        () => {
          const env = envelope([p256()], new TextEncoder().encode('one'), 'text/plain');
          env.signatures.push({ ...env.signatures[0]! });
          return intotoEntry(env, [p256().pem, testKey('P-384').pem]);
        },
        'SIGNATURE_INVALID',
        'spec.content.envelope.signatures[1].publicKey',
      ],
      [
        'dsse signature not base64',
        set(ds, (e) => {
          const x = JSON.parse(e.spec.proposedContent.envelope);
          x.signatures[0].sig = '***';
          e.spec.proposedContent.envelope = JSON.stringify(x);
        }),
        'INVALID_ENTRY',
        'spec.proposedContent.envelope.signatures[0].sig',
      ],
      [
        'dsse without verifiers',
        set(ds, (e) => (e.spec.proposedContent.verifiers = [])),
        'INVALID_ENTRY',
        'spec.proposedContent.verifiers',
      ],
      [
        'dsse with a numeric verifier',
        set(ds, (e) => (e.spec.proposedContent.verifiers = [5])),
        'INVALID_ENTRY',
        'spec.proposedContent.verifiers[0]',
      ],
      [
        'dsse with a verifier that is not PEM',
        set(ds, (e) => (e.spec.proposedContent.verifiers = [b64('nope')])),
        'INVALID_ENTRY',
        'spec.proposedContent.verifiers[0]',
      ],
      [
        'dsse verified by the wrong key',
        set(ds, (e) => (e.spec.proposedContent.verifiers = [b64(testKey('P-256', true).pem)])),
        'SIGNATURE_INVALID',
        'spec.proposedContent.verifiers[0]',
      ],
      [
        'dsse with a tampered payload',
        set(ds, (e) => {
          const x = JSON.parse(e.spec.proposedContent.envelope);
          x.payload = b64('tampered');
          e.spec.proposedContent.envelope = JSON.stringify(x);
        }),
        'SIGNATURE_INVALID',
        'spec.proposedContent.verifiers[0]',
      ],
      [
        'dsse with a signature no key verifies',
        () => {
          const env = envelope([p256(), testKey('P-384')], new TextEncoder().encode('two'), 'text/plain');
          return dsseEntry(env, [p256().pem]);
        },
        'SIGNATURE_INVALID',
        'spec.proposedContent.envelope.signatures[1].sig',
      ],
      [
        'dsse signed with SHA-384 by a P-384 key',
        () => {
          const key = testKey('P-384');
          const payload = new TextEncoder().encode('384');
          const env = envelope([key], payload, 'text/plain');
          env.signatures[0]!.sig = b64(
            sign('sha384', Buffer.concat([Buffer.from('DSSEv1 10 text/plain 3 '), payload]), key.privateKey),
          );
          return dsseEntry(env, [key.pem]);
        },
        'SIGNATURE_INVALID',
        'spec.proposedContent.verifiers[0]',
      ],
      // intoto
      ['intoto without content', set(it2, (e) => delete e.spec.content), 'INVALID_ENTRY', 'spec.content'],
      [
        'intoto without envelope',
        set(it2, (e) => delete e.spec.content.envelope),
        'INVALID_ENTRY',
        'spec.content.envelope',
      ],
      [
        'intoto without payload',
        set(it2, (e) => delete e.spec.content.envelope.payload),
        'INVALID_ENTRY',
        'spec.content.envelope.payload',
      ],
      [
        'intoto payload encoded once',
        set(it2, (e) => (e.spec.content.envelope.payload = b64('{"a":1}'))),
        'INVALID_ENTRY',
        'spec.content.envelope.payload',
      ],
      [
        'intoto without payloadType',
        set(it2, (e) => delete e.spec.content.envelope.payloadType),
        'INVALID_ENTRY',
        'spec.content.envelope.payloadType',
      ],
      [
        'intoto without hash',
        set(it2, (e) => delete e.spec.content.hash),
        'INVALID_ENTRY',
        'spec.content.hash',
      ],
      [
        'intoto hash sha512',
        set(it2, (e) => (e.spec.content.hash.algorithm = 'sha512')),
        'UNSUPPORTED_HASH',
        'spec.content.hash.algorithm',
      ],
      [
        'intoto hash not hex',
        set(it2, (e) => (e.spec.content.hash.value = 'x'.repeat(64))),
        'INVALID_ENTRY',
        'spec.content.hash.value',
      ],
      [
        'intoto without signatures',
        set(it2, (e) => (e.spec.content.envelope.signatures = [])),
        'INVALID_ENTRY',
        'spec.content.envelope.signatures',
      ],
      [
        'intoto signature without publicKey',
        set(it2, (e) => delete e.spec.content.envelope.signatures[0].publicKey),
        'INVALID_ENTRY',
        'spec.content.envelope.signatures[0].publicKey',
      ],
      [
        'intoto sig not base64',
        set(it2, (e) => (e.spec.content.envelope.signatures[0].sig = '!')),
        'INVALID_ENTRY',
        'spec.content.envelope.signatures[0].sig',
      ],
      [
        'intoto with the wrong key',
        set(it2, (e) => (e.spec.content.envelope.signatures[0].publicKey = b64(testKey('P-256', true).pem))),
        'SIGNATURE_INVALID',
        'spec.content.envelope.signatures[0].publicKey',
      ],
      [
        'intoto with a bad signature',
        set(it2, (e) => (e.spec.content.envelope.signatures[0].sig = b64(b64(Buffer.alloc(70, 1))))),
        'SIGNATURE_INVALID',
        'spec.content.envelope.signatures[0].publicKey',
      ],
    ];

    it.each(cases)('rejects %s', async (_name, make, code, field) => {
      const e = await rejection(make());
      expect({ code: e.code, field: e.field }).toEqual({ code, field });
      expect(e.message).toContain(field);
    });
  });
});
