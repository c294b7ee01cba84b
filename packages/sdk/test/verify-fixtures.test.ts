/**
 * Real-world bundles: sigstore-js `tests/bundles` (public-good, v0.1–v0.3, DSSE / in-toto, with and
 * without inclusion proofs) against the production trusted root, and the sigstore-js verifier
 * fixtures against their own trusted root (../../../test/vectors/sigstore-js, MANIFEST §3).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareTrustMaterial, verifyBundle } from '../src/verify/index.js';

const VECTORS = join(import.meta.dirname, '../../../test/vectors');
const JS = join(VECTORS, 'sigstore-js');
const prod = prepareTrustMaterial(
  readFileSync(join(VECTORS, 'public-good/trusted_root.prod.from-sigstore-js-seeds.json'), 'utf8'),
);
const fixtureRootJson = readFileSync(join(JS, 'verify-fixture.trusted_root.json'), 'utf8');
const verbatimFixtureRoot = prepareTrustMaterial(fixtureRootJson);
/**
 * The sigstore-js fixture root gives its mock TSA and its first Fulcio CA `validFor: {}` — a window
 * without a start, which Scriba refuses (protobuf-specs TimeRange.start is required; conformance
 * case trust-root-tlog-missing-validity-start_fail). sigstore-js reads it as "since the beginning of
 * time". The fixtures are therefore checked twice: refused against the verbatim root, and verified
 * against the same root with those malformed windows removed (absent window = unbounded).
 */
const fixtureRoot = prepareTrustMaterial(
  JSON.parse(fixtureRootJson, (k, v) =>
    k === 'validFor' && v && typeof v === 'object' && Object.keys(v).length === 0 ? undefined : v,
  ),
);
const USES_STARTLESS_WINDOW = new Set([
  'V1.DSSE.WITH_SIGNING_CERT.TLOG_DSSE',
  'V1.DSSE.WITH_SIGNING_CERT.TLOG_INTOTO',
  'V1.MESSAGE_SIGNATURE.WITH_PUBLIC_KEY',
  'V1.MESSAGE_SIGNATURE.WITH_SIGNING_CERT',
  'V3.MESSAGE_SIGNATURE.WITH_SIGNING_CERT',
]);
const artifact = new Uint8Array(readFileSync(join(JS, 'verify-fixture.ARTIFACT.txt')));
const publicKey = readFileSync(join(JS, 'verify-fixture.PUBLIC_KEY.pem'), 'utf8');

describe('verifyBundle', () => {
  describe('when given the sigstore-js public-good test bundles', () => {
    const files = readdirSync(join(JS, 'tests-bundles')).filter((f) => f.endsWith('.sigstore'));
    it('has the nine bundles', () => expect(files).toHaveLength(9));
    it.each(files)('%s verifies against the production root', async (f) => {
      const r = await verifyBundle(readFileSync(join(JS, 'tests-bundles', f), 'utf8'), {
        trustMaterial: prod,
      });
      expect(r.signer.type).toBe('certificate');
      expect(r.tlogEntries.length).toBeGreaterThan(0);
      expect(r.timestamps.length).toBeGreaterThan(0);
    });
  });

  describe('when given the sigstore-js verifier fixtures', () => {
    const fixtures: [string, Parameters<typeof verifyBundle>[1]][] = [
      ['V1.DSSE.WITH_SIGNING_CERT.TLOG_DSSE', { trustMaterial: fixtureRoot }],
      ['V1.DSSE.WITH_SIGNING_CERT.TLOG_INTOTO', { trustMaterial: fixtureRoot }],
      ['V1.MESSAGE_SIGNATURE.WITH_PUBLIC_KEY', { trustMaterial: fixtureRoot, artifact, publicKey }],
      ['V1.MESSAGE_SIGNATURE.WITH_SIGNING_CERT', { trustMaterial: fixtureRoot, artifact }],
      ['V3.MESSAGE_SIGNATURE.TLOG_HASHEDREKORDV002', { trustMaterial: fixtureRoot, artifact }],
      [
        'V3.MESSAGE_SIGNATURE.WITH_SIGNING_CERT',
        { trustMaterial: fixtureRoot, artifact, tlogThreshold: 0, ctlogThreshold: 1 },
      ],
    ];
    it.each(fixtures)('%s verifies', async (name, options) => {
      const r = await verifyBundle(readFileSync(join(JS, `verify-fixture.${name}.json`), 'utf8'), options);
      expect(r.signer.type).toBe(name.includes('PUBLIC_KEY') ? 'publicKey' : 'certificate');
    });

    it.each(fixtures)('%s against the verbatim fixture root', async (name, options) => {
      const p = verifyBundle(readFileSync(join(JS, `verify-fixture.${name}.json`), 'utf8'), {
        ...options,
        trustMaterial: verbatimFixtureRoot,
      });
      if (USES_STARTLESS_WINDOW.has(name))
        await expect(p).rejects.toMatchObject({ code: 'TRUSTED_ROOT_INVALID' });
      else await expect(p).resolves.toBeDefined();
    });

    // rekor-tiles #744 retired Rekor v2's dsse 0.0.2: like sigstore-go, -python and -java, the
    // verifier refuses such an entry (a DSSE envelope is logged as hashedrekord 0.0.2 over its PAE).
    it.each([
      ['fixture root', fixtureRoot],
      ['verbatim fixture root', verbatimFixtureRoot],
    ])(
      'V3.DSSE.WITH_SIGNING_CERT.TLOG_DSSEV002 is refused as a retired kind (%s)',
      async (_n, trustMaterial) => {
        const b = readFileSync(
          join(JS, 'verify-fixture.V3.DSSE.WITH_SIGNING_CERT.TLOG_DSSEV002.json'),
          'utf8',
        );
        await expect(verifyBundle(b, { trustMaterial })).rejects.toMatchObject({
          code: 'TLOG_KIND_UNSUPPORTED',
        });
      },
    );

    it('V3.MESSAGE_SIGNATURE.WITH_SIGNING_CERT fails the default tlog threshold', async () => {
      const b = readFileSync(join(JS, 'verify-fixture.V3.MESSAGE_SIGNATURE.WITH_SIGNING_CERT.json'), 'utf8');
      await expect(verifyBundle(b, { trustMaterial: fixtureRoot, artifact })).rejects.toMatchObject({
        code: 'TLOG_THRESHOLD_NOT_MET',
      });
    });
  });
});
