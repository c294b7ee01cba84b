/**
 * The batch memo (crypto/verification-cache.ts) and the batch verifier (verify/verify-bundles.ts):
 * a cached success is found only by the exact same bytes — a different key, message, signature,
 * options, certificate or token is verified afresh and fails on its own — failures are never kept,
 * the memo stays within its bounds, and every sigstore-conformance case gives in a shared batch the
 * outcome it gives alone.
 */
import * as nodeCrypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBundle } from '../src/bundle/index.js';
import {
  createVerificationCache,
  type NativeCryptoModule,
  parsePublicKey,
  useNativeCrypto,
  VerificationCache,
  verifySignature,
} from '../src/crypto/index.js';
import {
  type BundleBatchItem,
  defaultCheckpointCache,
  isVerificationError,
  prepareTrustMaterial,
  resolveSigner,
  type VerifyBundleOptions,
  verifyBundle,
  verifyBundles,
  verifySigningCertificate,
} from '../src/verify/index.js';
import { EXPECTED_FAILURES, loadConformanceCases } from './conformance-cases.js';

const message = new TextEncoder().encode('signed message');

function keyPair(curve: 'P-256' | 'P-384') {
  const { privateKey, publicKey } = nodeCrypto.generateKeyPairSync('ec', { namedCurve: curve });
  const hash = curve === 'P-256' ? 'sha256' : 'sha384';
  return {
    key: parsePublicKey(new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }))),
    sign: (m: Uint8Array) => new Uint8Array(nodeCrypto.sign(hash, m, privateKey)),
  };
}

describe('VerificationCache.memo', () => {
  it('answers the exact same input from the memo and anything else by computing', () => {
    const cache = createVerificationCache();
    let runs = 0;
    const f = (parts: Uint8Array[]) => cache.memo('t', parts, () => ++runs);
    expect(f([Uint8Array.of(1, 2), Uint8Array.of(3)])).toBe(1);
    expect(f([Uint8Array.of(1, 2), Uint8Array.of(3)])).toBe(1);
    // Same bytes, other framing: a different input.
    expect(f([Uint8Array.of(1), Uint8Array.of(2, 3)])).toBe(2);
    expect(f([Uint8Array.of(1, 2, 3)])).toBe(3);
    expect(cache.memo('other kind', [Uint8Array.of(1, 2), Uint8Array.of(3)], () => ++runs)).toBe(4);
    expect(cache.hits).toBe(1);
  });

  it('keeps no failure: a throw, a refused value, a rejected or refused promise', async () => {
    const cache = new VerificationCache();
    const p = [Uint8Array.of(9)];
    expect(() =>
      cache.memo('t', p, () => {
        throw new Error('no');
      }),
    ).toThrow('no');
    expect(cache.memo('t', p, () => false, Boolean)).toBe(false);
    expect(cache.size).toBe(0);
    await expect(cache.memo('t', p, () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    await expect(cache.memo('t', p, async () => false, Boolean)).resolves.toBe(false);
    await new Promise((r) => setTimeout(r, 0));
    expect(cache.size).toBe(0);
    expect(cache.memo('t', p, () => true, Boolean)).toBe(true);
    expect(cache.size).toBe(1);
  });

  it('stays within its entry and byte bounds, dropping the least recently used', () => {
    const cache = new VerificationCache({ maxEntries: 3 });
    for (let i = 0; i < 10; i++) cache.memo('t', [Uint8Array.of(i)], () => i);
    expect(cache.size).toBe(3);
    cache.memo('t', [Uint8Array.of(7)], () => -1); // a hit: 7 becomes the youngest
    cache.memo('t', [Uint8Array.of(10)], () => 10); // evicts 8
    expect(cache.memo('t', [Uint8Array.of(7)], () => -1)).toBe(7);
    expect(cache.memo('t', [Uint8Array.of(8)], () => -1)).toBe(-1);
    const small = new VerificationCache({ maxBytes: 1000 });
    for (let i = 0; i < 50; i++) small.memo('t', [new Uint8Array(100).fill(i)], () => i);
    expect(small.size).toBeLessThanOrEqual(5);
    for (const bad of [{ maxEntries: -1 }, { maxBytes: 1.5 }, { maxBytes: Number.NaN }]) {
      expect(() => new VerificationCache(bad)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
    const off = new VerificationCache({ maxEntries: 0 });
    off.memo('t', [Uint8Array.of(1)], () => 1);
    expect(off.size).toBe(0);
  });
});

describe('verifySignature with a cache', () => {
  describe.each(['P-256', 'P-384'] as const)('on %s', (curve) => {
    it('a cached good signature lets no other key, message, signature or hash pass', async () => {
      const cache = createVerificationCache();
      const a = keyPair(curve);
      const b = keyPair(curve);
      const sig = a.sign(message);
      const other = message.slice();
      other[0]! ^= 1;
      expect(await verifySignature(a.key, message, sig, { cache })).toBe(true);
      expect(await verifySignature(a.key, message, sig, { cache })).toBe(true);
      expect(cache.hits).toBe(1);
      expect(await verifySignature(a.key, other, sig, { cache })).toBe(false);
      expect(await verifySignature(b.key, message, sig, { cache })).toBe(false);
      expect(await verifySignature(a.key, message, b.sign(message), { cache })).toBe(false);
      expect(await verifySignature(a.key, message, a.sign(other), { cache })).toBe(false);
      const otherHash = curve === 'P-256' ? 'sha384' : 'sha256';
      expect(await verifySignature(a.key, message, sig, { cache, hash: otherHash })).toBe(false);
      // A failure is not remembered, the success still is.
      expect(cache.size).toBe(1);
    });

    it('concurrent checks of one input share one verification', async () => {
      const cache = createVerificationCache();
      const a = keyPair(curve);
      const sig = a.sign(message);
      const r = await Promise.all([1, 2, 3].map(() => verifySignature(a.key, message, sig, { cache })));
      expect(r).toEqual([true, true, true]);
      expect(cache.misses).toBe(1);
    });
  });

  it('refuses a cache that is not a VerificationCache', async () => {
    const a = keyPair('P-256');
    await expect(
      verifySignature(a.key, message, a.sign(message), { cache: new Map() as never }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

// Node's default path (node:crypto, as the package's node entry installs it) and the browser path.
describe.each(['node:crypto', 'WebCrypto and noble'])('verifyBundles on %s', (backend) => {
  beforeAll(() => {
    if (backend === 'node:crypto') useNativeCrypto(nodeCrypto as unknown as NativeCryptoModule);
  });
  afterAll(() => {
    useNativeCrypto(undefined);
  });
  const cases = loadConformanceCases();
  const trust = new Map<string, ReturnType<typeof prepareTrustMaterial> | Error>();
  const item = (c: (typeof cases)[number]): BundleBatchItem => {
    let t = trust.get(c.trustedRoot);
    if (t === undefined) {
      try {
        t = prepareTrustMaterial(c.trustedRoot);
      } catch (e) {
        t = e as Error;
      }
      trust.set(c.trustedRoot, t);
    }
    return {
      bundle: c.bundle,
      options: {
        // A root that does not prepare makes verifyBundle refuse the options; the solo run below
        // (runConformanceCase) refuses it at preparation with TRUSTED_ROOT_INVALID instead.
        trustMaterial: t instanceof Error ? (undefined as never) : t,
        artifact: c.artifact,
        ...(c.key !== undefined
          ? { publicKey: c.key }
          : { policy: { subjectAlternativeName: c.identity, issuer: c.issuer } }),
      },
    };
  };
  const happy = cases.filter((c) => !c.name.endsWith('_fail'));
  const failing = cases.filter(
    (c) => c.name.endsWith('_fail') && !(trust.get(c.trustedRoot) instanceof Error),
  );

  it.each([
    [1, true],
    [16, true],
    [16, false],
  ])(
    'gives every conformance case its intended outcome (concurrency %i, cache shared and warmed with every happy path first: %s)',
    async (concurrency, shared) => {
      const cache = shared ? createVerificationCache() : new VerificationCache({ maxEntries: 0 });
      // Every good certificate, SET, checkpoint and token is in the cache first; then every case.
      const warm = await verifyBundles(happy.map(item), { cache, concurrency });
      expect(warm.every((o) => o.ok)).toBe(true);
      expect(cache.size > 0).toBe(shared);
      const all = cases.filter((c) => !(item(c).options.trustMaterial === undefined));
      const out = await verifyBundles(all.map(item), { cache, concurrency });
      expect(cache.hits > 0).toBe(shared);
      all.forEach((c, i) => {
        const o = out[i];
        if (!c.name.endsWith('_fail')) {
          expect(o?.ok, c.name).toBe(true);
          return;
        }
        expect(o?.ok, c.name).toBe(false);
        const err = o?.ok === false ? o.error : undefined;
        expect(isVerificationError(err), `${c.name}: ${String(err)}`).toBe(true);
        expect({ name: c.name, code: (err as { code?: string }).code }).toEqual({
          name: c.name,
          code: EXPECTED_FAILURES[c.name],
        });
      });
      expect(failing.length).toBeGreaterThan(40);
    },
  );

  // The batch memo, and the default path (no cache: the process-wide checkpoint memo only).
  it.each(['a batch cache', 'the default path'])(
    'fails a tampered copy of a bundle just verified with the same certificate and log keys (%s)',
    async (mode) => {
      const batch = mode === 'a batch cache';
      const cache = batch ? createVerificationCache() : defaultCheckpointCache();
      if (!batch) cache.clear();
      const hits0 = cache.hits;
      const cached = (o: VerifyBundleOptions): VerifyBundleOptions => (batch ? { ...o, cache } : o);
      const names = ['happy-path-v0.3', 'rekor2-happy-path', 'happy-path-intoto-in-dsse-v3'];
      for (const name of names) {
        const c = happy.find((x) => x.name === name);
        if (!c) throw new Error(`no case ${name}`);
        const good = item(c);
        expect((await verifyBundle(good.bundle, cached(good.options))).tlogEntries).toHaveLength(1);
        const j = JSON.parse(c.bundle);
        const entry = j.verificationMaterial.tlogEntries[0];
        const flip = (b64: string, at = 10) => {
          const b = Buffer.from(b64, 'base64');
          b[at]! ^= 1;
          return b.toString('base64');
        };
        const tampered: [string, (x: typeof j) => void, string][] = [
          [
            'signature',
            (x) => {
              if (x.messageSignature) x.messageSignature.signature = flip(x.messageSignature.signature, 40);
              else x.dsseEnvelope.signatures[0].sig = flip(x.dsseEnvelope.signatures[0].sig, 40);
            },
            // The log entry binds the signature, so a changed one fails the binding (v1) or itself.
            'SIGNATURE_INVALID|BINDING_SIGNATURE_MISMATCH',
          ],
          [
            'checkpoint signature',
            (x) => {
              const cp: string = x.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint.envelope;
              const lines = cp.split('\n');
              const last = lines.length - 2; // the signature line (the note ends with a newline)
              const [dash, who, sig] = (lines[last] as string).split(' ');
              lines[last] = `${dash} ${who} ${flip(sig as string, 20)}`;
              x.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint.envelope = lines.join('\n');
            },
            'TLOG_CHECKPOINT_SIGNATURE_INVALID',
          ],
        ];
        const vm = j.verificationMaterial;
        if (vm.certificate || vm.x509CertificateChain) {
          tampered.push([
            "leaf certificate's signature (same names, key and extensions)",
            (x) => {
              const m = x.verificationMaterial;
              const holder = m.certificate ?? m.x509CertificateChain.certificates[0];
              const der = Buffer.from(holder.rawBytes, 'base64');
              holder.rawBytes = flip(holder.rawBytes, der.length - 3);
            },
            // The log entry carries the certificate (binding), and the issuer's signature fails.
            'BINDING_KEY_MISMATCH|CERTIFICATE_CHAIN_UNTRUSTED',
          ]);
        }
        if (entry.inclusionPromise) {
          tampered.push([
            'SET',
            (x) => {
              const p = x.verificationMaterial.tlogEntries[0].inclusionPromise;
              p.signedEntryTimestamp = flip(p.signedEntryTimestamp, 30);
            },
            'TLOG_SET_INVALID',
          ]);
        }
        if (j.verificationMaterial.timestampVerificationData?.rfc3161Timestamps?.length) {
          tampered.push([
            'RFC 3161 token signature',
            (x) => {
              const t = x.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0];
              const der = Buffer.from(t.signedTimestamp, 'base64');
              der[der.length - 5]! ^= 1; // inside the CMS signature, the token's last field
              t.signedTimestamp = der.toString('base64');
            },
            'TIMESTAMP_SIGNATURE_INVALID',
          ]);
        }
        for (const [what, change, codes] of tampered) {
          const x = JSON.parse(c.bundle);
          change(x);
          const text = JSON.stringify(x);
          const err = await verifyBundle(text, cached(good.options)).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(isVerificationError(err), `${name}, ${what}: ${String(err)}`).toBe(true);
          expect((err as { code: string }).code, `${name}, ${what}`).toMatch(new RegExp(`^(${codes})$`));
          // Alone (no memo at all) it fails the same way.
          const alone = await verifyBundle(text, { ...good.options, cache: false }).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect((alone as { code?: string })?.code, `${name}, ${what} alone`).toBe(
            (err as { code: string }).code,
          );
        }
      }
      // The good checkpoint is met again by the copies whose checkpoint is intact: from the memo.
      expect(cache.hits).toBeGreaterThan(hits0);
    },
  );

  it('gives every conformance case its intended outcome on the default path after every happy path (process-wide checkpoint memo warm)', async () => {
    const memo = defaultCheckpointCache();
    memo.clear();
    for (const c of happy) await verifyBundle(item(c).bundle, item(c).options);
    expect(memo.size).toBeGreaterThan(0);
    const hits0 = memo.hits;
    const all = cases.filter((c) => !(item(c).options.trustMaterial === undefined));
    for (const c of all) {
      const { bundle, options } = item(c);
      const err = await verifyBundle(bundle, options).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (!c.name.endsWith('_fail')) {
        expect(err, c.name).toBeUndefined();
        continue;
      }
      expect(isVerificationError(err), `${c.name}: ${String(err)}`).toBe(true);
      expect({ name: c.name, code: (err as { code?: string }).code }).toEqual({
        name: c.name,
        code: EXPECTED_FAILURES[c.name],
      });
    }
    expect(memo.hits).toBeGreaterThan(hits0);
    // `cache: false`: nothing is looked up or kept.
    const before = { hits: memo.hits, misses: memo.misses };
    const c = happy.find((x) => x.name === 'rekor2-happy-path');
    if (!c) throw new Error('no case');
    await verifyBundle(item(c).bundle, { ...item(c).options, cache: false });
    expect({ hits: memo.hits, misses: memo.misses }).toEqual(before);
  });

  it("does not let a cached good leaf's chain pass a copy whose issuer signature is bad", async () => {
    const c = happy.find((x) => x.name === 'happy-path-v0.3');
    if (!c) throw new Error('no case');
    const { trustMaterial } = item(c).options;
    const cache = createVerificationCache();
    const j = JSON.parse(c.bundle);
    const good = Buffer.from(j.verificationMaterial.certificate.rawBytes, 'base64');
    const bad = Buffer.from(good);
    bad[bad.length - 3]! ^= 1; // inside the issuer's signature: same names, key and extensions
    const signerOf = (der: Buffer) => {
      const x = JSON.parse(c.bundle);
      x.verificationMaterial.certificate.rawBytes = der.toString('base64');
      const s = resolveSigner(parseBundle(JSON.stringify(x)), trustMaterial, undefined, cache);
      if (s.type !== 'certificate') throw new Error('not a certificate signer');
      return s.leaf;
    };
    const at = [Date.parse('2024-03-19T17:26:30Z')];
    const goodLeaf = signerOf(good);
    await expect(
      verifySigningCertificate(goodLeaf, at, trustMaterial, 1, undefined, cache),
    ).resolves.toBeDefined();
    expect(signerOf(good)).toBe(goodLeaf); // the parse is shared by exact bytes
    const badLeaf = signerOf(bad);
    expect(badLeaf).not.toBe(goodLeaf);
    await expect(
      verifySigningCertificate(badLeaf, at, trustMaterial, 1, undefined, cache),
    ).rejects.toMatchObject({
      code: 'CERTIFICATE_CHAIN_UNTRUSTED',
    });
  });

  it('keeps an item with unusable options to itself and refuses a bad concurrency or cache', async () => {
    const c = happy[0] as (typeof happy)[number];
    const out = await verifyBundles([item(c), { bundle: c.bundle, options: {} as never }, item(c)]);
    expect(out.map((o) => o.ok)).toEqual([true, false, true]);
    expect(out[1]).toMatchObject({ ok: false, error: { code: 'OPTIONS_INVALID' } });
    await expect(verifyBundles([], { concurrency: 0 })).rejects.toMatchObject({ code: 'OPTIONS_INVALID' });
    await expect(verifyBundles([], { cache: {} as never })).rejects.toMatchObject({
      code: 'OPTIONS_INVALID',
    });
    await expect(
      verifyBundle(c.bundle, { ...item(c).options, cache: new Map() as never }),
    ).rejects.toMatchObject({ code: 'OPTIONS_INVALID' });
  });
});
