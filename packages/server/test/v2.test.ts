/**
 * POST /api/v2/log/entries (Rekor v2 hashedrekord 0.0.2; dsse 0.0.2 refused as rekor-tiles #744, a
 * DSSE envelope logged as hashedrekord 0.0.2 over its PAE digest instead) against a real server on
 * PostgreSQL: signatures verified, canonical bodies stored, protobuf-JSON TransparencyLogEntry answered
 * with an inclusion proof that verifies against the signed checkpoint, duplicates 409 + x-log-index,
 * every malformed or unverifiable request a 400 with a code. v2 entries share the tree with v1 ones.
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { base64Decode, base64Encode, utf8Decode, utf8Encode } from '@scriba/sdk';
import { parsePublicKey } from '@scriba/sdk/crypto';
import { dsseAsHashedRekordRequestV002, parseEntryBody } from '@scriba/sdk/entries';
import { hashLeaf, verifyInclusion } from '@scriba/sdk/merkle';
import { noteVerifierFromPublicKey, parseCheckpoint, parseVerifierKey, verifyNote } from '@scriba/sdk/note';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { startTestLog, type TestLog } from '../../../test/helpers/server.js';
import type { RunningServer } from '../src/main.js';

let server: RunningServer;
let log: TestLog | undefined;

beforeAll(async () => {
  log = await startTestLog({ database: 'scriba_v2' });
  server = log.server;
});
afterAll(async () => {
  await log?.stop();
});

type Key = { privateKey: KeyObject; spki: Uint8Array; keyDetails: string; hash: string | null };

function key(kind: 'p256' | 'p384' | 'p521' | 'ed25519' | 'rsa2048' | 'rsa3072'): Key {
  const pair =
    kind === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : kind.startsWith('rsa')
        ? generateKeyPairSync('rsa', { modulusLength: Number(kind.slice(3)) })
        : generateKeyPairSync('ec', {
            namedCurve: { p256: 'P-256', p384: 'P-384', p521: 'P-521' }[kind as 'p256'],
          });
  const details: Record<string, [string, string | null]> = {
    p256: ['PKIX_ECDSA_P256_SHA_256', 'sha256'],
    p384: ['PKIX_ECDSA_P384_SHA_384', 'sha384'],
    p521: ['PKIX_ECDSA_P521_SHA_512', 'sha512'],
    ed25519: ['PKIX_ED25519', null],
    rsa2048: ['PKIX_RSA_PKCS1V15_2048_SHA256', 'sha256'],
    rsa3072: ['PKIX_RSA_PKCS1V15_3072_SHA256', 'sha256'],
  };
  const [keyDetails, hash] = details[kind]!;
  return {
    privateKey: pair.privateKey,
    spki: new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' })),
    keyDetails,
    hash,
  };
}

function hashedRequest(
  k: Key,
  artifact = utf8Encode(`artifact ${Math.random()}`),
  opts: { asCert?: boolean } = {},
) {
  const hash = k.hash ?? 'sha256';
  const digest = createHash(hash).update(artifact).digest();
  const signature = sign(hash, artifact, k.privateKey);
  return {
    hashedRekordRequestV002: {
      digest: digest.toString('base64'),
      signature: {
        content: signature.toString('base64'),
        verifier: {
          ...(opts.asCert
            ? { x509Certificate: { rawBytes: base64Encode(k.spki) } }
            : { publicKey: { rawBytes: base64Encode(k.spki) } }),
          keyDetails: k.keyDetails,
        },
      },
    },
  };
}

function pae(type: string, payload: Uint8Array): Buffer {
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} ${type} ${payload.length} `),
    Buffer.from(payload),
  ]);
}

function dsseRequest(keys: Key[], payload = utf8Encode(`{"statement":${Math.random()}}`)) {
  const type = 'application/vnd.in-toto+json';
  return {
    dsseRequestV002: {
      envelope: {
        payload: base64Encode(payload),
        payloadType: type,
        signatures: keys.map((k) => ({
          sig: sign(k.hash, pae(type, payload), k.privateKey).toString('base64'),
          keyid: '',
        })),
      },
      verifiers: keys.map((k) => ({
        publicKey: { rawBytes: base64Encode(k.spki) },
        keyDetails: k.keyDetails,
      })),
    },
  };
}

async function post(body: unknown): Promise<Response> {
  return fetch(`${server.url}/api/v2/log/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

type Tle = {
  kindVersion: unknown;
  logIndex: string;
  logId: { keyId: string };
  integratedTime?: unknown;
  inclusionPromise?: unknown;
  canonicalizedBody: string;
  inclusionProof: {
    logIndex: string;
    treeSize: string;
    rootHash: string;
    hashes: string[];
    checkpoint: { envelope: string };
  };
};

async function checkTle(tle: Tle, kind: string): Promise<void> {
  expect(tle.kindVersion).toEqual({ kind, version: '0.0.2' });
  expect(typeof tle.logIndex).toBe('string');
  expect(tle.logId.keyId).toBe(base64Encode(server.log.key.logId));
  expect(tle.integratedTime).toBeUndefined();
  expect(tle.inclusionPromise).toBeUndefined();
  const body = base64Decode(tle.canonicalizedBody);
  expect(parseEntryBody(body)).toMatchObject({ kind, apiVersion: '0.0.2' });
  const p = tle.inclusionProof;
  const ecdsa = noteVerifierFromPublicKey(server.log.signer.name, parsePublicKey(server.log.key.spki));
  const ed = parseVerifierKey((await (await fetch(`${server.url}/api/v2/log/vkeys`)).text()).trim());
  const { note, verified } = await verifyNote(p.checkpoint.envelope, [ecdsa, ed]);
  expect(verified).toHaveLength(2);
  const cp = parseCheckpoint(note.text);
  expect(String(cp.size)).toBe(p.treeSize);
  expect(base64Encode(cp.rootHash)).toBe(p.rootHash);
  verifyInclusion(Number(p.logIndex), cp.size, hashLeaf(body), p.hashes.map(base64Decode), cp.rootHash);
}

describe('POST /api/v2/log/entries', () => {
  describe('when a hashedrekord request is signed correctly', () => {
    it.each(['p256', 'p384', 'p521', 'rsa2048', 'rsa3072'] as const)(
      'logs it (%s) and answers 201 with a TLE',
      async (k) => {
        const r = await post(hashedRequest(key(k)));
        expect(r.status).toBe(201);
        await checkTle(await r.json(), 'hashedrekord');
      },
    );
  });

  describe('when an Ed25519 key signs the SHA-512 digest (Ed25519ph, as Rekor v2 verifies it)', () => {
    it.each(['PKIX_ED25519', 'PKIX_ED25519_PH'])('logs it with key details %s', async (keyDetails) => {
      const { ed25519ph } = await import('@noble/curves/ed25519.js');
      const seed = ed25519ph.utils.randomSecretKey();
      const pub = ed25519ph.getPublicKey(seed);
      const spki = new Uint8Array([
        0x30,
        0x2a,
        0x30,
        0x05,
        0x06,
        0x03,
        0x2b,
        0x65,
        0x70,
        0x03,
        0x21,
        0x00,
        ...pub,
      ]);
      const artifact = utf8Encode(`ed25519ph artifact ${Math.random()}`);
      const digest = createHash('sha512').update(artifact).digest();
      // Ed25519ph signs PH(M) = SHA-512(M); noble's ed25519ph hashes the message itself.
      const signature = ed25519ph.sign(artifact, seed);
      const r = await post({
        hashedRekordRequestV002: {
          digest: digest.toString('base64'),
          signature: {
            content: base64Encode(signature),
            verifier: { publicKey: { rawBytes: base64Encode(spki) }, keyDetails },
          },
        },
      });
      expect(r.status).toBe(201);
      const tle = await r.json();
      await checkTle(tle, 'hashedrekord');
      const body = JSON.parse(utf8Decode(base64Decode(tle.canonicalizedBody)));
      expect(body.spec.hashedRekordV002.data.algorithm).toBe('SHA2_512');
    });
  });

  describe('when the key is sent as x509Certificate (what @sigstore/sign 4.1.1 does with keys)', () => {
    it('is logged as a publicKey verifier', async () => {
      const k = key('p256');
      const r = await post(hashedRequest(k, undefined, { asCert: true }));
      expect(r.status).toBe(201);
      const tle = await r.json();
      const body = JSON.parse(utf8Decode(base64Decode(tle.canonicalizedBody)));
      expect(body.spec.hashedRekordV002.signature.verifier).toEqual({
        keyDetails: 'PKIX_ECDSA_P256_SHA_256',
        publicKey: { rawBytes: base64Encode(k.spki) },
      });
    });
  });

  describe('when a dsse request arrives (rekor-tiles #744: v2 takes hashedrekord only)', () => {
    it.each([[['p256']], [['ed25519']], [['p384', 'rsa2048']]] as const)(
      'refuses it (%j) with 400 UNSUPPORTED_KIND naming the way to log DSSE',
      async (kinds) => {
        const r = await post(dsseRequest(kinds.map((k) => key(k))));
        expect(r.status).toBe(400);
        const e = await r.json();
        expect(e.reason).toBe('UNSUPPORTED_KIND');
        expect(e.field).toBe('dsseRequestV002');
        expect(e.message).toContain('hashedRekordRequestV002');
      },
    );
  });

  describe('when a DSSE envelope is logged as hashedrekord 0.0.2 over its PAE digest', () => {
    it.each([['p256'], ['p384']] as const)('logs it (%s) and answers 201 with a TLE', async (kind) => {
      const k = key(kind);
      const payloadType = 'application/vnd.in-toto+json';
      const payload = utf8Encode(`{"statement":${Math.random()}}`);
      const sig = sign(k.hash, pae(payloadType, payload), k.privateKey);
      // The SDK's client-side rule (what sigstore-go, -python and -java send).
      const { request, json } = dsseAsHashedRekordRequestV002(
        { payload, payloadType, signatures: [{ sig, keyid: '' }] },
        { publicKey: k.spki, keyDetails: k.keyDetails },
      );
      expect(Buffer.from(request.digest)).toEqual(
        createHash(k.hash as string)
          .update(pae(payloadType, payload))
          .digest(),
      );
      const r = await post(json);
      expect(r.status).toBe(201);
      await checkTle(await r.json(), 'hashedrekord');
    });
  });

  describe('when replaying real public-good Rekor v2 entries (Fulcio certificate, public key)', () => {
    const vector = (name: string) =>
      JSON.parse(readFileSync(new URL(`../../../test/vectors/sigstore-js/${name}`, import.meta.url), 'utf8'));

    it('a dsse 0.0.2 request rebuilt from the bundle is refused (v2 no longer takes dsse)', async () => {
      const b = vector('verify-fixture.V3.DSSE.WITH_SIGNING_CERT.TLOG_DSSEV002.json');
      const r = await post({
        dsseRequestV002: {
          envelope: b.dsseEnvelope,
          verifiers: [
            {
              x509Certificate: { rawBytes: b.verificationMaterial.certificate.rawBytes },
              keyDetails: 'PKIX_ECDSA_P256_SHA_256',
            },
          ],
        },
      });
      expect(r.status).toBe(400);
      expect((await r.json()).reason).toBe('UNSUPPORTED_KIND');
    });

    it('a hashedrekord 0.0.2 request rebuilt from the logged body is accepted and logged byte-identically', async () => {
      const b = vector('verify-fixture.V3.MESSAGE_SIGNATURE.TLOG_HASHEDREKORDV002.json');
      const logged = b.verificationMaterial.tlogEntries[0].canonicalizedBody;
      const spec = JSON.parse(utf8Decode(base64Decode(logged))).spec.hashedRekordV002;
      const r = await post({
        hashedRekordRequestV002: { digest: spec.data.digest, signature: spec.signature },
      });
      expect(r.status).toBe(201);
      expect((await r.json()).canonicalizedBody).toBe(logged);
    });
  });

  describe('when the same entry is submitted twice', () => {
    it('answers 409 with x-log-index of the first', async () => {
      const req = hashedRequest(key('p256'));
      const first = await post(req);
      expect(first.status).toBe(201);
      const index = (await first.json()).logIndex;
      const second = await post(req);
      expect(second.status).toBe(409);
      expect(second.headers.get('x-log-index')).toBe(index);
    });
  });

  describe('when v1 and v2 entries are mixed', () => {
    it('they share one tree (contiguous indices)', async () => {
      const v1 = await postEntry(server.url, hashedRekord(newSigner()));
      expect(v1.status).toBe(201);
      const v1Index = (Object.values(await v1.json())[0] as { logIndex: number }).logIndex;
      const v2 = await post(hashedRequest(key('p256')));
      expect(Number((await v2.json()).logIndex)).toBe(v1Index + 1);
    });
  });

  describe('when the request is invalid', () => {
    const k = key('p256');
    const good = hashedRequest(k);
    const h = good.hashedRekordRequestV002;
    const other = key('p256');
    it.each([
      ['not a JSON object', [], 'INVALID_REQUEST'],
      ['no request kind', {}, 'UNSUPPORTED_KIND'],
      ['bad base64 digest', { hashedRekordRequestV002: { ...h, digest: '%%%' } }, 'INVALID_ENTRY'],
      [
        'digest too short',
        { hashedRekordRequestV002: { ...h, digest: base64Encode(new Uint8Array(31)) } },
        'INVALID_ENTRY',
      ],
      [
        'signature over another digest',
        { hashedRekordRequestV002: { ...h, digest: base64Encode(new Uint8Array(32).fill(1)) } },
        'SIGNATURE_INVALID',
      ],
      [
        'signature by another key',
        {
          hashedRekordRequestV002: {
            ...h,
            signature: {
              ...h.signature,
              verifier: { ...h.signature.verifier, publicKey: { rawBytes: base64Encode(other.spki) } },
            },
          },
        },
        'SIGNATURE_INVALID',
      ],
      [
        'key details of another curve',
        {
          hashedRekordRequestV002: {
            ...h,
            signature: {
              ...h.signature,
              verifier: { ...h.signature.verifier, keyDetails: 'PKIX_ECDSA_P384_SHA_384' },
            },
          },
        },
        'INVALID_ENTRY',
      ],
      [
        'RSA key details for an EC key',
        {
          hashedRekordRequestV002: {
            ...h,
            signature: {
              ...h.signature,
              verifier: { ...h.signature.verifier, keyDetails: 'PKIX_RSA_PKCS1V15_2048_SHA256' },
            },
          },
        },
        'UNSUPPORTED_KEY',
      ],
      [
        'unknown key details',
        {
          hashedRekordRequestV002: {
            ...h,
            signature: { ...h.signature, verifier: { ...h.signature.verifier, keyDetails: 'LMS_SHA256' } },
          },
        },
        'UNSUPPORTED_KEY',
      ],
      [
        'garbage key',
        {
          hashedRekordRequestV002: {
            ...h,
            signature: {
              ...h.signature,
              verifier: { ...h.signature.verifier, publicKey: { rawBytes: 'AAAA' } },
            },
          },
        },
        'INVALID_ENTRY',
      ],
      [
        'dsse signature by a key that is not a verifier (dsse is refused first)',
        (() => {
          const d = dsseRequest([k]);
          d.dsseRequestV002.verifiers = [
            { publicKey: { rawBytes: base64Encode(other.spki) }, keyDetails: other.keyDetails },
          ];
          return d;
        })(),
        'UNSUPPORTED_KIND',
      ],
    ])('answers 400 for %s', async (_name, body, reason) => {
      const r = await post(body);
      expect(r.status).toBe(400);
      expect((await r.json()).reason).toBe(reason);
    });
  });
});
