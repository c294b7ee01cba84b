/**
 * Interop with the real Sigstore client libraries over HTTP, against a real server on PostgreSQL:
 * @sigstore/sign 4.1.1 (a local-key Signer and RekorWitness pointed at Scriba's Rekor v1 API) logs
 * message signatures (hashedrekord 0.0.1) and DSSE envelopes (dsse 0.0.1 and intoto 0.0.2); the
 * bundles verify with @sigstore/verify 4.1.3 against the TrustedRoot Scriba serves at
 * /api/v1/log/trusted-root; a re-upload of the same entry takes the 409 + fetch-on-conflict path.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder, RekorWitness } from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../packages/server/src/main.js';
import { LocalKeySigner } from './helpers/local-signer.js';
import { startTestLog, type TestLog } from './helpers/server.js';

// @sigstore/verify brings its own @sigstore/bundle and protobuf-specs; use those for its inputs.
const verifyRequire = createRequire(createRequire(import.meta.url).resolve('@sigstore/verify'));
const { bundleFromJSON, bundleToJSON } = verifyRequire(
  '@sigstore/bundle',
) as typeof import('@sigstore/bundle');
const { TrustedRoot } = verifyRequire(
  '@sigstore/protobuf-specs',
) as typeof import('@sigstore/protobuf-specs');

type Json = Record<string, unknown>;

describe('Sigstore clients against Scriba (Rekor v1 API)', () => {
  let server: RunningServer;
  let trustedRoot: Json;
  let log: TestLog | undefined;
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = new LocalKeySigner(pair.privateKey, pair.publicKey);

  beforeAll(async () => {
    log = await startTestLog();
    server = log.server;
    const r = await fetch(`${server.url}/api/v1/log/trusted-root`);
    expect(r.status).toBe(200);
    trustedRoot = (await r.json()) as Json;
  });

  afterAll(async () => {
    await log?.stop();
  });

  function witness(opts: { entryType?: 'dsse' | 'intoto'; fetchOnConflict?: boolean } = {}) {
    return new RekorWitness({
      rekorBaseURL: server.url,
      fetchOnConflict: opts.fetchOnConflict ?? true,
      entryType: opts.entryType,
      retry: 0,
    });
  }

  /** Verifies a bundle (as JSON, the wire form) with @sigstore/verify against Scriba's trusted root. */
  function verifyBundle(bundleJson: Json, artifact?: Buffer): void {
    const trust = toTrustMaterial(TrustedRoot.fromJSON(trustedRoot), (hint: string) => {
      if (hint !== signer.hint) throw new Error(`unknown key hint ${hint}`);
      return { publicKey: pair.publicKey, validFor: () => true };
    });
    const verifier = new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
    verifier.verify(toSignedEntity(bundleFromJSON(bundleJson), artifact));
  }

  function tlogEntry(bundleJson: Json) {
    const vm = bundleJson.verificationMaterial as { tlogEntries: Json[] };
    expect(vm.tlogEntries).toHaveLength(1);
    return vm.tlogEntries[0] as {
      logIndex: string;
      kindVersion: { kind: string; version: string };
      canonicalizedBody: string;
    };
  }

  describe('MessageSignatureBundleBuilder', () => {
    describe('when a message signature is logged', () => {
      it('gets a hashedrekord 0.0.1 entry and a bundle that verifies', async () => {
        const artifact = Buffer.from(`message ${Date.now()}`);
        const builder = new MessageSignatureBundleBuilder({ signer, witnesses: [witness()] });
        const bundle = bundleToJSON(await builder.create({ data: artifact })) as Json;
        expect(tlogEntry(bundle).kindVersion).toEqual({ kind: 'hashedrekord', version: '0.0.1' });
        verifyBundle(bundle, artifact);
      });

      it('does not verify against another artifact', async () => {
        const artifact = Buffer.from(`message-x ${Date.now()}`);
        const builder = new MessageSignatureBundleBuilder({ signer, witnesses: [witness()] });
        const bundle = bundleToJSON(await builder.create({ data: artifact })) as Json;
        let err: unknown;
        try {
          verifyBundle(bundle, Buffer.from('another artifact'));
        } catch (e) {
          err = e;
        }
        // The signature (and the logged digest) belong to the other artifact.
        expect(err).toMatchObject({ code: 'SIGNATURE_ERROR' });
      });

      it('does not verify when the trusted root does not name this log', async () => {
        const artifact = Buffer.from(`message-y ${Date.now()}`);
        const builder = new MessageSignatureBundleBuilder({ signer, witnesses: [witness()] });
        const bundle = bundleToJSON(await builder.create({ data: artifact })) as Json;
        const saved = trustedRoot;
        trustedRoot = { ...saved, tlogs: [] };
        try {
          expect(() => verifyBundle(bundle, artifact)).toThrow(
            expect.objectContaining({ code: expect.stringMatching(/^TLOG_/) }),
          );
        } finally {
          trustedRoot = saved;
        }
      });
    });

    describe('when the same entry is uploaded again', () => {
      it('takes the 409 + fetch-on-conflict path and returns the first entry', async () => {
        const artifact = Buffer.from(`again ${Date.now()}`);
        const first = bundleToJSON(
          await new MessageSignatureBundleBuilder({ signer, witnesses: [witness()] }).create({
            data: artifact,
          }),
        ) as Json;
        const second = bundleToJSON(
          await new MessageSignatureBundleBuilder({ signer, witnesses: [witness()] }).create({
            data: artifact,
          }),
        ) as Json;
        expect(tlogEntry(second).logIndex).toBe(tlogEntry(first).logIndex);
        expect(tlogEntry(second).canonicalizedBody).toBe(tlogEntry(first).canonicalizedBody);
        verifyBundle(second, artifact);
        // Without fetch-on-conflict the client surfaces the 409.
        await expect(
          new MessageSignatureBundleBuilder({
            signer,
            witnesses: [witness({ fetchOnConflict: false })],
          }).create({ data: artifact }),
        ).rejects.toMatchObject({ code: 'TLOG_CREATE_ENTRY_ERROR' });
      });
    });
  });

  describe('DSSEBundleBuilder', () => {
    describe.each(['dsse', 'intoto'] as const)('when an envelope is logged as %s', (entryType) => {
      it('gets the right kind and a bundle that verifies', async () => {
        const statement = Buffer.from(
          JSON.stringify({
            _type: 'https://in-toto.io/Statement/v1',
            subject: [
              {
                name: 'a.txt',
                digest: { sha256: createHash('sha256').update(`${entryType}${Date.now()}`).digest('hex') },
              },
            ],
            predicateType: 'https://example.com/test',
            predicate: {},
          }),
        );
        const builder = new DSSEBundleBuilder({ signer, witnesses: [witness({ entryType })] });
        const bundle = bundleToJSON(
          await builder.create({ data: statement, type: 'application/vnd.in-toto+json' }),
        ) as Json;
        expect(tlogEntry(bundle).kindVersion).toEqual(
          entryType === 'dsse' ? { kind: 'dsse', version: '0.0.1' } : { kind: 'intoto', version: '0.0.2' },
        );
        verifyBundle(bundle);
      });
    });

    describe('when the same envelope is logged again as dsse', () => {
      it('takes the 409 + fetch-on-conflict path', async () => {
        const data = Buffer.from(`dsse again ${Date.now()}`);
        const make = () =>
          new DSSEBundleBuilder({ signer, witnesses: [witness({ entryType: 'dsse' })] }).create({
            data,
            type: 'text/plain',
          });
        const first = bundleToJSON(await make()) as Json;
        const second = bundleToJSON(await make()) as Json;
        expect(tlogEntry(second).logIndex).toBe(tlogEntry(first).logIndex);
        verifyBundle(second);
      });
    });
  });
});
