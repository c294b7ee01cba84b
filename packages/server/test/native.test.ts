/**
 * The native prehashed verifier (packages/server/native) and the pure-JS fallback MUST agree on every
 * valid and invalid signature, including high-S ECDSA (accepted by both, as Go and OpenSSL do),
 * P1363 (raw) encodings and malformed DER (rejected by both). When the addon is not built, the
 * native cases are skipped and the fallback is still checked.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { ecdsaDerToRaw, ecdsaRawToDer } from '@scriba/sdk/crypto';
import { describe, expect, it, vi } from 'vitest';
import { nativeVerifier } from '../src/entries/native.js';
import { type DigestAlgorithm, verifyOverDigest } from '../src/entries/prehashed.js';
import { parseVerifierBytes } from '../src/entries/verifier.js';
import { type KeyKind, signArtifact, testKey } from './entries.fixtures.js';

const native = nativeVerifier();
const ORDER = { 'P-256': p256.Point.Fn.ORDER, 'P-384': p384.Point.Fn.ORDER, 'P-521': p521.Point.Fn.ORDER };
const WIDTH = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };

function toHighS(kind: 'P-256' | 'P-384' | 'P-521', der: Buffer): Buffer {
  const w = WIDTH[kind];
  const raw = ecdsaDerToRaw(der, w) as Uint8Array;
  const s = BigInt(`0x${Buffer.from(raw.subarray(w)).toString('hex')}`);
  const n = ORDER[kind];
  const flipped = n - s;
  const sBytes = Buffer.from(flipped.toString(16).padStart(w * 2, '0'), 'hex');
  return Buffer.from(ecdsaRawToDer(Buffer.concat([raw.subarray(0, w), sBytes])));
}

type Case = { name: string; kind: KeyKind; alg: DigestAlgorithm; mutate: string };
const MUTATIONS = [
  'valid',
  'high-s',
  'other-digest',
  'flipped-signature-byte',
  'raw-p1363',
  'empty',
  'garbage',
] as const;
const cases: Case[] = (['P-256', 'P-384', 'P-521', 'RSA-2048'] as KeyKind[]).flatMap((kind) =>
  (['sha256', 'sha384', 'sha512'] as DigestAlgorithm[]).flatMap((alg) =>
    MUTATIONS.filter((m) => !(kind.startsWith('RSA') && (m === 'high-s' || m === 'raw-p1363'))).map(
      (mutate) => ({
        name: `${kind} ${alg} ${mutate}`,
        kind,
        alg,
        mutate,
      }),
    ),
  ),
);

function build(c: Case) {
  const key = testKey(c.kind);
  const artifact = randomBytes(64);
  let digest = createHash(c.alg).update(artifact).digest();
  let sig = signArtifact(key, c.alg, artifact);
  let expected = true;
  const ec = c.kind as 'P-256' | 'P-384' | 'P-521';
  switch (c.mutate) {
    case 'high-s':
      sig = toHighS(ec, sig);
      break;
    case 'other-digest':
      digest = createHash(c.alg).update('other').digest();
      expected = false;
      break;
    case 'flipped-signature-byte':
      sig = Buffer.from(sig);
      sig[sig.length - 3]! ^= 0x10;
      expected = false;
      break;
    case 'raw-p1363':
      sig = Buffer.from(ecdsaDerToRaw(sig, WIDTH[ec]) as Uint8Array);
      expected = false;
      break;
    case 'empty':
      sig = Buffer.alloc(0);
      expected = false;
      break;
    case 'garbage':
      sig = randomBytes(sig.length);
      expected = false;
      break;
  }
  return { verifier: parseVerifierBytes(new TextEncoder().encode(key.pem), 'k'), digest, sig, expected };
}

describe('verifyOverDigest', () => {
  describe('when the native addon is loaded', () => {
    it.skipIf(!native).each(cases)('native and pure-JS agree: $name', async (c) => {
      const { verifier, digest, sig, expected } = build(c);
      const viaNative = await verifyOverDigest(verifier, c.alg, digest, sig);
      const viaJs = await verifyOverDigest({ ...verifier, native: undefined }, c.alg, digest, sig, {
        native: false,
      });
      expect({ viaNative, viaJs }).toEqual({ viaNative: expected, viaJs: expected });
    });

    it.skipIf(!native)('uses the addon and caches one handle per key', async () => {
      const { verifier, digest, sig } = build({ name: '', kind: 'P-256', alg: 'sha256', mutate: 'valid' });
      expect(await verifyOverDigest(verifier, 'sha256', digest, sig)).toBe(true);
      const handle = verifier.native;
      expect(handle).toBeTruthy();
      expect(await verifyOverDigest(verifier, 'sha256', digest, sig)).toBe(true);
      expect(verifier.native).toBe(handle);
      expect(native?.keyInfo(handle as NonNullable<typeof handle>)).toEqual({ type: 'ec', bits: 256 });
    });

    it.skipIf(!native)('rejects bad arguments with a TypeError, not a crash', () => {
      const n = native as NonNullable<typeof native>;
      const h = n.parseKey(new Uint8Array(testKey('P-256').spki)) as NonNullable<
        ReturnType<typeof n.parseKey>
      >;
      expect(() => n.verifyDigest(h, 'md5' as 'sha256', new Uint8Array(32), new Uint8Array(8))).toThrow(
        TypeError,
      );
      expect(() => n.verifyDigest(h, 'sha256', new Uint8Array(31), new Uint8Array(8))).toThrow(TypeError);
      expect(() => n.verifyDigest({} as typeof h, 'sha256', new Uint8Array(32), new Uint8Array(8))).toThrow(
        TypeError,
      );
      expect(n.parseKey(new Uint8Array([0x30, 0x00]))).toBeNull();
      expect(n.parseKey(Buffer.concat([testKey('P-256').spki, Buffer.from([0])]))).toBeNull();
      const ed = n.parseKey(new Uint8Array(testKey('Ed25519').spki)) as typeof h;
      expect(() => n.verifyDigest(ed, 'sha512', new Uint8Array(64), new Uint8Array(64))).toThrow(
        'key type cannot verify a signature over a digest',
      );
    });
  });

  describe('when only the pure-JS fallback is available', () => {
    it.each(cases)('$name', async (c) => {
      const { verifier, digest, sig, expected } = build(c);
      expect(
        await verifyOverDigest({ ...verifier, native: undefined }, c.alg, digest, sig, { native: false }),
      ).toBe(expected);
    });

    it.each(['valid', 'other-digest'])('verifies Ed25519ph over a sha512 digest (%s)', async (m) => {
      const key = testKey('Ed25519');
      const artifact = randomBytes(40);
      const sig = signArtifact(key, 'sha512', artifact);
      const digest = createHash('sha512')
        .update(m === 'valid' ? artifact : Buffer.from('x'))
        .digest();
      const v = parseVerifierBytes(new TextEncoder().encode(key.pem), 'k');
      expect(await verifyOverDigest(v, 'sha512', digest, sig)).toBe(m === 'valid');
    });
  });
});

describe('nativeVerifier', () => {
  describe('in the test run (unless SCRIBA_NATIVE=0)', () => {
    it.skipIf(process.env.SCRIBA_NATIVE === '0')('is the addon, not the pure-JS fallback', async () => {
      const mod = await import('../src/entries/native.js');
      const addon = mod.nativeVerifier();
      expect(mod.nativeLoadError()).toBeUndefined();
      expect(addon).not.toBeNull();
    });
  });

  describe('when SCRIBA_NATIVE=0 (configureNative(false))', () => {
    it('returns null and says why', async () => {
      vi.resetModules();
      try {
        const mod = await import('../src/entries/native.js');
        mod.configureNative(false);
        expect(mod.nativeVerifier()).toBeNull();
        expect(mod.nativeLoadError()).toMatch(/SCRIBA_NATIVE/);
      } finally {
        vi.resetModules();
      }
    });
  });
});

/**
 * Runs a copy of native/build.mjs with no compiler or make on PATH (node-gyp fails), with
 * SCRIBA_NATIVE_REQUIRED set to `required`; returns its exit status, stderr and whether an addon
 * was produced.
 */
function buildWithoutCompiler(required: '' | '1'): { status: number | null; stderr: string; built: boolean } {
  const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'native');
  const dir = mkdtempSync(join(tmpdir(), 'scriba-native-'));
  try {
    for (const f of ['build.mjs', 'binding.gyp', 'src'])
      cpSync(join(src, f), join(dir, f), { recursive: true });
    const r = spawnSync(process.execPath, [join(dir, 'build.mjs')], {
      env: { ...process.env, PATH: '/nonexistent', SCRIBA_NATIVE_REQUIRED: required },
      encoding: 'utf8',
      timeout: 120_000,
    });
    return {
      status: r.status,
      stderr: r.stderr,
      built: existsSync(join(dir, 'build', 'Release', 'scriba_verify.node')),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('native/build.mjs', () => {
  describe('when the addon cannot be compiled', () => {
    it('warns and exits 0 so the build goes on', () => {
      const r = buildWithoutCompiler('');
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/pure-JS/);
      expect(r.built).toBe(false);
    });

    it('fails the build when SCRIBA_NATIVE_REQUIRED=1', () => {
      const r = buildWithoutCompiler('1');
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/SCRIBA_NATIVE_REQUIRED/);
    });
  });
});
