/**
 * Rekor v2 interop through the real sigstore-js client: @sigstore/sign 4.1.1 with
 * `majorApiVersion: 2` (RekorWitness → POST /api/v2/log/entries) pointed at a real Scriba server
 * produces bundles (message signature → hashedrekord 0.0.2, DSSE → dsse 0.0.2) that both
 * @sigstore/verify 4.1.3 and the Scriba SDK verifier accept. v2 entries share the tree with v1 ones.
 *
 * Signing uses a key (no Fulcio here): @sigstore/sign 4.1.1 then sends the SPKI in the
 * `x509Certificate` field (its TODO), which Scriba logs as a `publicKey` verifier. Bundles from keys
 * carry no timestamp (Rekor v2 has no SET), so both verifiers run with a timestamp threshold of 0.
 */
import { createHash, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { bundleToJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder, RekorWitness, type Signer } from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../packages/sdk/src/verify/index.js';
import { prepareTrustMaterial } from '../packages/sdk/src/verify/trust-material.js';
import type { RunningServer } from '../packages/server/src/main.js';
import { hashedRekord, newSigner, postEntry } from './helpers/entries.js';
import { createTestDatabase } from './helpers/postgres.js';
import { startTestServer, tempDir } from './helpers/server.js';

let server: RunningServer;
let trustedRootJson: unknown;
const cleanups: (() => Promise<void>)[] = [];

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const signer: Signer = {
  sign: async (data: Buffer) => ({
    signature: sign('sha256', data, privateKey),
    key: { $case: 'publicKey', publicKey: publicKeyPem, hint: 'interop-key' },
  }),
};

beforeAll(async () => {
  const db = await createTestDatabase('scriba_interop_v2');
  const dir = await tempDir();
  cleanups.push(db.drop, dir.remove);
  server = await startTestServer({ DATABASE_URL: db.url, SCRIBA_DATA_DIR: dir.path });
  cleanups.unshift(() => server.close());
  trustedRootJson = await (await fetch(`${server.url}/api/v1/log/trusted-root`)).json();
  // The first v2 entry below lands at index 0, whose `logIndex` protobuf JSON omits: both verifiers
  // must read it as 0.
});
afterAll(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

function witness(): RekorWitness {
  return new RekorWitness({ rekorBaseURL: server.url, majorApiVersion: 2, retry: 0 } as never);
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
  const verifier = new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 0 });
  verifier.verify(toSignedEntity(bundleFromJSON(bundle), artifact));
}

async function verifyWithScriba(bundle: unknown, artifact: Uint8Array) {
  return verifyBundle(bundle, {
    trustMaterial: prepareTrustMaterial(trustedRootJson),
    artifact,
    publicKey: publicKeyPem,
    timestampThreshold: 0,
  });
}

describe('@sigstore/sign majorApiVersion 2 against Scriba', () => {
  describe('when signing a message (hashedrekord 0.0.2)', () => {
    it('both @sigstore/verify and the Scriba verifier accept the bundle', async () => {
      const artifact = Buffer.from(`interop artifact ${Date.now()}`);
      const bundle = await new MessageSignatureBundleBuilder({ signer, witnesses: [witness()] }).create({
        data: artifact,
      });
      const json = bundleToJSON(bundle);
      const entry = json.verificationMaterial.tlogEntries[0]!;
      expect(entry.kindVersion).toEqual({ kind: 'hashedrekord', version: '0.0.2' });
      expect(entry.inclusionPromise).toBeUndefined();
      expect(entry.inclusionProof?.checkpoint?.envelope).toContain('\n\n— ');
      await verifyWithSigstoreJs(json, artifact);
      const result = await verifyWithScriba(json, artifact);
      expect(result).toBeTruthy();
    });

    it('a different artifact is rejected by both', async () => {
      const artifact = Buffer.from(`interop artifact b ${Date.now()}`);
      const json = bundleToJSON(
        await new MessageSignatureBundleBuilder({ signer, witnesses: [witness()] }).create({
          data: artifact,
        }),
      );
      const other = Buffer.from('something else');
      await expect(verifyWithSigstoreJs(json, other)).rejects.toThrow();
      await expect(verifyWithScriba(json, other)).rejects.toHaveProperty('code');
    });
  });

  describe('when signing an attestation (dsse 0.0.2)', () => {
    it('both @sigstore/verify and the Scriba verifier accept the bundle', async () => {
      const artifact = Buffer.from(`attested artifact ${Date.now()}`);
      const payload = Buffer.from(
        JSON.stringify({
          _type: 'https://in-toto.io/Statement/v1',
          subject: [
            { name: 'artifact', digest: { sha256: createHash('sha256').update(artifact).digest('hex') } },
          ],
          predicateType: 'https://example.com/test/v1',
          predicate: {},
        }),
      );
      const bundle = await new DSSEBundleBuilder({ signer, witnesses: [witness()] }).create({
        data: payload,
        type: 'application/vnd.in-toto+json',
      });
      const json = bundleToJSON(bundle);
      expect(json.verificationMaterial.tlogEntries[0]!.kindVersion).toEqual({
        kind: 'dsse',
        version: '0.0.2',
      });
      await verifyWithSigstoreJs(json);
      expect(await verifyWithScriba(json, artifact)).toBeTruthy();
      await expect(verifyWithScriba(json, Buffer.from('not the subject'))).rejects.toHaveProperty('code');
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
