/**
 * Rekor v2 interop through the real sigstore-js client: @sigstore/sign 4.1.1 with
 * `majorApiVersion: 2` (RekorWitness → POST /api/v2/log/entries) and `TSAWitness` (→ POST
 * /api/v1/timestamp, Scriba's RFC 3161 TSA) pointed at a real Scriba server produces bundles that
 * @sigstore/verify 4.1.3 with its DEFAULT thresholds (one tlog, one timestamp), the Scriba SDK
 * verifier and the `scriba verify` command accept against the trusted root Scriba publishes.
 * Rekor v2 entries carry no integrated time: the TSA's timestamp is the only verified time.
 *
 * DSSE, as rekor-tiles since #744: v2 refuses `dsse` 0.0.2 (what @sigstore/sign 4.1.1 still sends),
 * and an envelope is logged as `hashedrekord` 0.0.2 over SHA-256(PAE(payloadType, payload)) with the
 * envelope's signature — here through sigstore-js's own RekorWitness, handed that digest.
 *
 * Signing uses a key (no Fulcio here): @sigstore/sign 4.1.1 then sends the SPKI in the
 * `x509Certificate` field (its TODO), which Scriba logs as a `publicKey` verifier.
 */
import { execFile } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bundleToJSON } from '@sigstore/bundle';
import { HashAlgorithm, SigningConfig, TrustedRoot } from '@sigstore/protobuf-specs';
import {
  DSSEBundleBuilder,
  MessageSignatureBundleBuilder,
  RekorWitness,
  type Signer,
  TSAWitness,
  type Witness,
} from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../packages/sdk/src/verify/index.js';
import { prepareTrustMaterial } from '../packages/sdk/src/verify/trust-material.js';
import type { RunningServer } from '../packages/server/src/main.js';
import { hashedRekord, newSigner, postEntry } from './helpers/entries.js';
import { CLI_BIN, startTestLog, type TestLog } from './helpers/server.js';

let server: RunningServer;
let trustedRootJson: unknown;
let dir: string;
let log: TestLog | undefined;

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const signer: Signer = {
  sign: async (data: Buffer) => ({
    signature: sign('sha256', data, privateKey),
    key: { $case: 'publicKey', publicKey: publicKeyPem, hint: 'interop-key' },
  }),
};

beforeAll(async () => {
  log = await startTestLog({ database: 'scriba_interop_v2' });
  server = log.server;
  dir = log.dir;
  trustedRootJson = await (await fetch(`${server.url}/api/v1/log/trusted-root`)).json();
  // The first v2 entry below lands at index 0, whose `logIndex` protobuf JSON omits: both verifiers
  // must read it as 0.
});
afterAll(async () => {
  await log?.stop();
});

function witness(): RekorWitness {
  return new RekorWitness({ rekorBaseURL: server.url, majorApiVersion: 2, retry: 0 } as never);
}

function tsa(): TSAWitness {
  return new TSAWitness({ tsaBaseURL: server.url, retry: 0 } as never);
}

/**
 * Rekor v2's DSSE rule (rekor-tiles #744, rekor-v2 spec §6.1.4): log the envelope as hashedrekord
 * 0.0.2 whose digest is SHA-256(PAE) and whose signature is the envelope's — sigstore-js's own v2
 * client does the logging, handed that digest as a message signature.
 */
function dsseAsHashedRekord(): Witness {
  const rekor = witness();
  return {
    async testify(content, publicKey) {
      if (content.$case !== 'dsseEnvelope') return rekor.testify(content, publicKey);
      const env = content.dsseEnvelope;
      const pae = Buffer.concat([
        Buffer.from(`DSSEv1 ${Buffer.byteLength(env.payloadType)} ${env.payloadType} ${env.payload.length} `),
        env.payload,
      ]);
      return rekor.testify(
        {
          $case: 'messageSignature',
          messageSignature: {
            messageDigest: {
              algorithm: HashAlgorithm.SHA2_256,
              digest: createHash('sha256').update(pae).digest(),
            },
            signature: env.signatures[0]!.sig,
          },
        },
        publicKey,
      );
    },
  };
}

const execFileAsync = promisify(execFile);

/** `scriba verify` (the built CLI) with the published trusted root and the signing key. */
async function scribaVerify(bundle: unknown, artifact: Uint8Array): Promise<{ code: number; out: string }> {
  const name = `b${Math.random().toString(36).slice(2)}`;
  await writeFile(join(dir, `${name}.json`), JSON.stringify(bundle));
  await writeFile(join(dir, `${name}.bin`), artifact);
  await writeFile(join(dir, 'trusted-root.json'), JSON.stringify(trustedRootJson));
  await writeFile(join(dir, 'key.pem'), publicKeyPem);
  try {
    const r = await execFileAsync(process.execPath, [
      CLI_BIN,
      'verify',
      '--bundle',
      join(dir, `${name}.json`),
      '--artifact',
      join(dir, `${name}.bin`),
      '--trusted-root',
      join(dir, 'trusted-root.json'),
      '--key',
      join(dir, 'key.pem'),
    ]);
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

async function verifyWithSigstoreJs(
  bundle: ReturnType<typeof bundleToJSON>,
  artifact?: Buffer,
): Promise<void> {
  const { bundleFromJSON } = await import('@sigstore/bundle');
  const trust = toTrustMaterial(TrustedRoot.fromJSON(trustedRootJson), (hint: string) => {
    if (hint !== 'interop-key') throw new Error(`unknown key hint ${hint}`);
    return { publicKey: createPublicKey(publicKeyPem), validFor: () => true };
  });
  // DEFAULT thresholds: one transparency log, one verified timestamp (the TSA's; v2 has no SET).
  const verifier = new Verifier(trust);
  verifier.verify(toSignedEntity(bundleFromJSON(bundle), artifact));
}

async function verifyWithScriba(bundle: unknown, artifact: Uint8Array) {
  return verifyBundle(bundle, {
    trustMaterial: prepareTrustMaterial(trustedRootJson),
    artifact,
    publicKey: publicKeyPem,
  });
}

function statement(artifact: Buffer): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [
        { name: 'artifact', digest: { sha256: createHash('sha256').update(artifact).digest('hex') } },
      ],
      predicateType: 'https://example.com/test/v1',
      predicate: {},
    }),
  );
}

describe('@sigstore/sign majorApiVersion 2 + TSAWitness against Scriba', () => {
  describe('when signing a message (hashedrekord 0.0.2 + RFC 3161 timestamp)', () => {
    it('@sigstore/verify (defaults), the Scriba verifier and scriba verify accept the bundle', async () => {
      const artifact = Buffer.from(`interop artifact ${Date.now()}`);
      const bundle = await new MessageSignatureBundleBuilder({
        signer,
        witnesses: [witness(), tsa()],
      }).create({
        data: artifact,
      });
      const json = bundleToJSON(bundle);
      const entry = json.verificationMaterial.tlogEntries[0]!;
      expect(entry.kindVersion).toEqual({ kind: 'hashedrekord', version: '0.0.2' });
      expect(entry.inclusionPromise).toBeUndefined();
      expect(entry.inclusionProof?.checkpoint?.envelope).toContain('\n\n— ');
      expect(json.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);
      await verifyWithSigstoreJs(json, artifact);
      const result = await verifyWithScriba(json, artifact);
      expect(result.timestamps).toEqual([expect.objectContaining({ source: 'rfc3161' })]);
      const cli = await scribaVerify(json, artifact);
      expect(cli.out).toMatch(/^verified/m);
      expect(cli.code).toBe(0);
    });

    it('without the TSA the bundle fails the default timestamp threshold everywhere', async () => {
      const artifact = Buffer.from(`interop artifact no tsa ${Date.now()}`);
      const json = bundleToJSON(
        await new MessageSignatureBundleBuilder({ signer, witnesses: [witness()] }).create({
          data: artifact,
        }),
      );
      await expect(verifyWithSigstoreJs(json, artifact)).rejects.toMatchObject({ code: 'TIMESTAMP_ERROR' });
      await expect(verifyWithScriba(json, artifact)).rejects.toHaveProperty(
        'code',
        'TIMESTAMP_THRESHOLD_NOT_MET',
      );
      const cli = await scribaVerify(json, artifact);
      expect(cli.code).toBe(1);
      expect(cli.out).toContain('TIMESTAMP_THRESHOLD_NOT_MET');
    });

    it('a different artifact is rejected by all three', async () => {
      const artifact = Buffer.from(`interop artifact b ${Date.now()}`);
      const json = bundleToJSON(
        await new MessageSignatureBundleBuilder({ signer, witnesses: [witness(), tsa()] }).create({
          data: artifact,
        }),
      );
      const other = Buffer.from('something else');
      await expect(verifyWithSigstoreJs(json, other)).rejects.toThrow('signature verification failed');
      await expect(verifyWithScriba(json, other)).rejects.toHaveProperty('code');
      expect((await scribaVerify(json, other)).code).toBe(1);
    });
  });

  describe('when signing an attestation (DSSE)', () => {
    it('v2 refuses the dsse 0.0.2 request @sigstore/sign 4.1.1 sends (rekor-tiles #744)', async () => {
      const builder = new DSSEBundleBuilder({ signer, witnesses: [witness()] });
      await expect(
        builder.create({ data: statement(Buffer.from('x')), type: 'application/vnd.in-toto+json' }),
      ).rejects.toThrow(/hashedRekordRequestV002|400/);
    });

    it('logged as hashedrekord 0.0.2 over the PAE, all three verifiers accept the bundle', async () => {
      const artifact = Buffer.from(`attested artifact ${Date.now()}`);
      const bundle = await new DSSEBundleBuilder({ signer, witnesses: [dsseAsHashedRekord(), tsa()] }).create(
        {
          data: statement(artifact),
          type: 'application/vnd.in-toto+json',
        },
      );
      const json = bundleToJSON(bundle);
      expect(json.verificationMaterial.tlogEntries[0]!.kindVersion).toEqual({
        kind: 'hashedrekord',
        version: '0.0.2',
      });
      await verifyWithSigstoreJs(json);
      expect(await verifyWithScriba(json, artifact)).toBeTruthy();
      expect((await scribaVerify(json, artifact)).code).toBe(0);
      await expect(verifyWithScriba(json, Buffer.from('not the subject'))).rejects.toHaveProperty('code');
      expect((await scribaVerify(json, Buffer.from('not the subject'))).code).toBe(1);
    });
  });

  describe('when a client chooses its services from the signing config', () => {
    it('sigstore-js reads it: Rekor v2 first, then v1, and the TSA', async () => {
      const sc = SigningConfig.fromJSON(
        await (await fetch(`${server.url}/api/v1/log/signing-config`)).json(),
      );
      expect(sc.mediaType).toBe('application/vnd.dev.sigstore.signingconfig.v0.2+json');
      expect(sc.rekorTlogUrls.map((u) => u.majorApiVersion)).toEqual([2, 1]);
      expect(sc.tsaUrls[0]?.url).toBe(`${server.url}/api/v1/timestamp`);
      // The TSA URL from a signing config is used as is (it has a path): a timestamp from it verifies.
      const artifact = Buffer.from(`from signing config ${Date.now()}`);
      const json = bundleToJSON(
        await new MessageSignatureBundleBuilder({
          signer,
          witnesses: [
            new RekorWitness({
              rekorBaseURL: sc.rekorTlogUrls[0]!.url,
              majorApiVersion: 2,
              retry: 0,
            } as never),
            new TSAWitness({ tsaBaseURL: sc.tsaUrls[0]!.url, retry: 0 } as never),
          ],
        }).create({ data: artifact }),
      );
      await verifyWithSigstoreJs(json, artifact);
    });
  });

  describe('when v1 and v2 clients use the same log', () => {
    it('v2 entries land in the same tree as v1 entries', async () => {
      const v1 = await postEntry(server.url, hashedRekord(newSigner()));
      const v1Index = (Object.values(await v1.json())[0] as { logIndex: number }).logIndex;
      const json = bundleToJSON(
        await new MessageSignatureBundleBuilder({ signer, witnesses: [witness()] }).create({
          data: Buffer.from(`after v1 ${Date.now()}`),
        }),
      );
      expect(Number(json.verificationMaterial.tlogEntries[0]!.logIndex)).toBe(v1Index + 1);
    });
  });
});
