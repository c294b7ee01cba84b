/**
 * The binding check (GHSA-whqx-f9j3-ch6m), against a log built in the test: every tlog entry here
 * is genuine (valid SET, inclusion proof, signed checkpoint) but logs another artifact, another
 * signature or another key than the bundle's — the verifier MUST refuse with the binding code.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bundle } from '../src/bundle/types.js';
import { sha256 } from '../src/crypto/index.js';
import { utf8Encode } from '../src/encoding.js';
import type { RekorBody } from '../src/entries/index.js';
import type { Artifact } from '../src/verify/artifact.js';
import { verifyBinding } from '../src/verify/binding.js';
import { VerificationError } from '../src/verify/errors.js';
import { prepareTrustMaterial, type TrustMaterial, verifyBundle } from '../src/verify/index.js';
import type { Signer } from '../src/verify/signer.js';
import {
  dsseBody,
  dsseBundle,
  hashedRekordBody,
  hashedRekordV2Body,
  type KeyPair,
  messageBundle,
  newKey,
  pae,
  sign,
  TestLog,
} from './verify-testlog.js';

const artifact = utf8Encode('the artifact being verified\n');
const other = utf8Encode('some other artifact\n');
const payload = utf8Encode('{"_type":"https://in-toto.io/Statement/v1","subject":[]}');
const otherPayload = utf8Encode('{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"x"}]}');

let log: TestLog;
let signer: KeyPair;
let otherSigner: KeyPair;
let trustMaterial: TrustMaterial;

beforeAll(async () => {
  log = await TestLog.create();
  signer = await newKey();
  otherSigner = await newKey();
  trustMaterial = prepareTrustMaterial(log.trustedRoot());
});

async function hashedrekordCase(mutate: 'none' | 'artifact' | 'signature' | 'key') {
  const sig = await sign(signer, artifact);
  let body: Uint8Array;
  switch (mutate) {
    case 'none':
      body = hashedRekordBody(sha256(artifact), sig, signer.pem);
      break;
    case 'artifact': // the same key signed and logged another artifact
      body = hashedRekordBody(sha256(other), await sign(signer, other), signer.pem);
      break;
    case 'signature': // a second, equally valid signature over the same artifact (ECDSA is randomized)
      body = hashedRekordBody(sha256(artifact), await sign(signer, artifact), signer.pem);
      break;
    case 'key': // another key signed and logged the same artifact
      body = hashedRekordBody(sha256(artifact), await sign(otherSigner, artifact), otherSigner.pem);
      break;
  }
  const index = log.append(body);
  return messageBundle(sha256(artifact), sig, [await log.entry(index)]);
}

async function dsseCase(mutate: 'none' | 'payload' | 'signature' | 'key') {
  const sig = await sign(signer, pae(payload));
  let body: Uint8Array;
  switch (mutate) {
    case 'none':
      body = dsseBody(payload, sig, signer.pem);
      break;
    case 'payload':
      body = dsseBody(otherPayload, await sign(signer, pae(otherPayload)), signer.pem);
      break;
    case 'signature':
      body = dsseBody(payload, await sign(signer, pae(payload)), signer.pem);
      break;
    case 'key':
      body = dsseBody(payload, await sign(otherSigner, pae(payload)), otherSigner.pem);
      break;
  }
  const index = log.append(body);
  return dsseBundle(payload, sig, [await log.entry(index)]);
}

/**
 * Rekor v2: hashedrekord 0.0.2 over DSSE records SHA-256(PAE). Rekor v2 issues no SET; the test log
 * adds one anyway, as the time source a TSA would otherwise provide.
 */
async function rekorV2DsseCase(mutate: 'none' | 'payload' | 'signature' | 'key') {
  const sig = await sign(signer, pae(payload));
  let body: Uint8Array;
  switch (mutate) {
    case 'none':
      body = hashedRekordV2Body(sha256(pae(payload)), sig, signer.spki);
      break;
    case 'payload':
      body = hashedRekordV2Body(
        sha256(pae(otherPayload)),
        await sign(signer, pae(otherPayload)),
        signer.spki,
      );
      break;
    case 'signature':
      body = hashedRekordV2Body(sha256(pae(payload)), await sign(signer, pae(payload)), signer.spki);
      break;
    case 'key':
      body = hashedRekordV2Body(
        sha256(pae(payload)),
        await sign(otherSigner, pae(payload)),
        otherSigner.spki,
      );
      break;
  }
  const index = log.append(body);
  return dsseBundle(payload, sig, [await log.entry(index)]);
}

describe('verifyBundle', () => {
  describe('when the tlog entry is a hashedrekord 0.0.1', () => {
    it('verifies the genuine bundle', async () => {
      const r = await verifyBundle(await hashedrekordCase('none'), {
        trustMaterial,
        artifact,
        publicKey: signer.pem,
      });
      expect(r.tlogEntries[0]).toMatchObject({
        signedEntryTimestampVerified: true,
        inclusionProofVerified: true,
      });
    });

    it.each([
      ['logs another artifact', 'artifact', 'BINDING_DIGEST_MISMATCH'],
      ['logs another signature', 'signature', 'BINDING_SIGNATURE_MISMATCH'],
      ['logs another key', 'key', 'BINDING_KEY_MISMATCH'],
    ] as const)('refuses a genuine entry that %s', async (_d, mutate, code) => {
      const bundle = await hashedrekordCase(mutate);
      await expect(
        verifyBundle(bundle, { trustMaterial, artifact, publicKey: signer.pem }),
      ).rejects.toMatchObject({
        code,
      });
    });

    it('refuses when only the artifact digest is given and it is another artifact', async () => {
      const bundle = await hashedrekordCase('artifact');
      // The caller's digest is of *this* artifact; the entry logs another one.
      delete (bundle.messageSignature as { messageDigest?: unknown }).messageDigest;
      await expect(
        verifyBundle(bundle, {
          trustMaterial,
          artifactDigest: { algorithm: 'sha256', digest: sha256(artifact) },
          publicKey: signer.pem,
        }),
      ).rejects.toMatchObject({ code: 'BINDING_DIGEST_MISMATCH' });
    });
  });

  describe('when the tlog entry is a dsse 0.0.1', () => {
    it('verifies the genuine bundle', async () => {
      await expect(
        verifyBundle(await dsseCase('none'), { trustMaterial, publicKey: signer.pem }),
      ).resolves.toBeDefined();
    });

    it.each([
      ['logs another payload', 'payload', 'BINDING_DIGEST_MISMATCH'],
      ['logs another signature', 'signature', 'BINDING_SIGNATURE_MISMATCH'],
      ['logs another key', 'key', 'BINDING_KEY_MISMATCH'],
    ] as const)('refuses a genuine entry that %s', async (_d, mutate, code) => {
      await expect(
        verifyBundle(await dsseCase(mutate), { trustMaterial, publicKey: signer.pem }),
      ).rejects.toMatchObject({
        code,
      });
    });
  });

  describe('when the tlog entry is a Rekor v2 hashedrekord 0.0.2 over DSSE', () => {
    const options = () => ({ trustMaterial, publicKey: signer.pem });

    it('verifies the genuine bundle (digest of the PAE)', async () => {
      const r = await verifyBundle(await rekorV2DsseCase('none'), options());
      expect(r.tlogEntries[0]).toMatchObject({
        kind: 'hashedrekord',
        version: '0.0.2',
        inclusionProofVerified: true,
      });
    });

    it.each([
      ['logs another envelope (PAE digest)', 'payload', 'BINDING_DIGEST_MISMATCH'],
      ['logs another signature', 'signature', 'BINDING_SIGNATURE_MISMATCH'],
      ['logs another key', 'key', 'BINDING_KEY_MISMATCH'],
    ] as const)('refuses a genuine entry that %s', async (_d, mutate, code) => {
      await expect(verifyBundle(await rekorV2DsseCase(mutate), options())).rejects.toMatchObject({ code });
    });
  });

  describe('when entries come from one log', () => {
    it('counts them once toward the tlog threshold', async () => {
      const sig = await sign(signer, artifact);
      const body = hashedRekordBody(sha256(artifact), sig, signer.pem);
      const a = log.append(body);
      const b = log.append(body);
      const bundle = messageBundle(sha256(artifact), sig, [await log.entry(a), await log.entry(b)]);
      const options = { trustMaterial, artifact, publicKey: signer.pem };
      await expect(verifyBundle(bundle, { ...options, tlogThreshold: 1 })).resolves.toBeDefined();
      await expect(verifyBundle(bundle, { ...options, tlogThreshold: 2 })).rejects.toMatchObject({
        code: 'TLOG_THRESHOLD_NOT_MET',
      });
    });
  });
});

describe('verifyBinding', () => {
  describe('when the body is of a kind the registry does not know', () => {
    // A DSSE bundle: the old per-kind switch had no default, so such a body skipped every check.
    const bundle = {
      content: {
        kind: 'dsseEnvelope',
        payload: payload,
        payloadType: 'application/vnd.in-toto+json',
        signatures: [{ sig: new Uint8Array(64), keyid: '' }],
      },
    } as unknown as Bundle;
    it.each([
      ['rekord', '0.0.1'],
      ['hashedrekord', '0.0.3'],
      ['dsse', '9.9.9'],
    ])('%s %s fails closed with BINDING_KIND_UNSUPPORTED', (kind, apiVersion) => {
      const body = { kind, apiVersion, signatures: [] } as unknown as RekorBody;
      let caught: unknown;
      try {
        verifyBinding(body, bundle, {} as Signer, {} as Artifact);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(VerificationError);
      expect((caught as VerificationError).code).toBe('BINDING_KIND_UNSUPPORTED');
    });
  });
});
