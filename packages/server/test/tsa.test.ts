/**
 * The timestamp authority without HTTP: the fast encoder produces exactly the bytes of the
 * library-built reference encoder, tokens verify with the SDK's strict reader (P-256 and P-384 keys),
 * and the key/chain files are created, reused and checked as the log key is. (Over HTTP, with
 * OpenSSL as the independent checker: test/tsa.test.ts.)
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCertificate, parseTimestamp, verifyRfc3161Timestamp } from '@scriba/sdk/x509';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/server.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { TimestampAuthority, type TokenInputs } from '../src/tsa/authority.js';
import { generateTsaMaterial, loadOrCreateTsaMaterial, parseTsaMaterial } from '../src/tsa/keys.js';
import type { TimestampRequest } from '../src/tsa/request.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

const POLICY = '1.3.6.1.4.1.57264.2';

async function authority(curve: 'P-256' | 'P-384') {
  const m = generateTsaMaterial({ curve, organization: 'Test' });
  return new TimestampAuthority(await parseTsaMaterial(m.keyPem, m.chainPem, 'test'), POLICY);
}

function request(
  hash: 'sha256' | 'sha384' | 'sha512',
  over: Uint8Array,
  opts: Partial<TimestampRequest> = {},
) {
  return {
    hash,
    nullParams: false,
    hashedMessage: new Uint8Array(createHash(hash).update(over).digest()),
    nonce: undefined,
    certReq: false,
    ...opts,
  } satisfies TimestampRequest;
}

describe('TimestampAuthority', () => {
  describe('when encoding a response', () => {
    // A deterministic stand-in signature (any input difference changes it), so the two encoders can be
    // compared byte for byte; ECDSA's own signatures are randomized.
    const fakeSign = (d: Uint8Array) =>
      Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, d.length & 0x7f);
    it.each([
      ['P-256', 'sha256', {}],
      ['P-256', 'sha384', { nonce: Uint8Array.of(0x00, 0x9e, 0x1d, 0x37) }],
      ['P-256', 'sha512', { certReq: true, nullParams: true }],
      ['P-384', 'sha256', { certReq: true, nonce: Uint8Array.of(0x7f) }],
    ] as const)(
      'the fast encoder equals the library encoder (%s key, %s imprint, %j)',
      async (curve, hash, opts) => {
        const tsa = await authority(curve);
        const t: TokenInputs = {
          req: request(hash, new TextEncoder().encode('x'), opts),
          serialNumber: Uint8Array.of(0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0, 0, 0, 0, 0, 0, 0, 1),
          genTime: new Date('2026-11-30T07:30:00Z'),
        };
        const fast = tsa.encode(t, fakeSign);
        expect(Buffer.from(fast).toString('hex')).toBe(
          Buffer.from(tsa.encodeWithLibrary(t, fakeSign)).toString('hex'),
        );
      },
    );

    it.each(['P-256', 'P-384'] as const)(
      'a %s token verifies with the SDK over the signature it stamps',
      async (curve) => {
        const tsa = await authority(curve);
        const signature = new TextEncoder().encode(`a bundle signature ${curve}`);
        const issued = tsa.issue(request('sha256', signature, { certReq: true }));
        const chain = tsa.material.chain.map((der) => parseCertificate(der));
        const v = await verifyRfc3161Timestamp(issued.der, signature, [
          { uri: 'x', chain, validFor: {} } as never,
        ]);
        expect(v.time).toBe(issued.genTime.getTime());
        const parsed = parseTimestamp(issued.der);
        expect(parsed.signer.signatureAlgorithm).toBe(
          curve === 'P-256' ? '1.2.840.10045.4.3.2' : '1.2.840.10045.4.3.3',
        );
      },
    );

    it('gives each token its own serial number', async () => {
      const tsa = await authority('P-256');
      const req = request('sha256', new Uint8Array(1));
      const serials = new Set(
        Array.from({ length: 200 }, () => Buffer.from(tsa.issue(req).serialNumber).toString('hex')),
      );
      expect(serials.size).toBe(200);
    });
  });
});

describe('loadOrCreateTsaMaterial', () => {
  describe('when the data directory is empty', () => {
    it('creates the key (0600) and the chain, and reuses them on the next start', async () => {
      const d = await tempDir();
      cleanups.push(d.remove);
      const opts = { dataDir: d.path, curve: 'P-256' as const, organization: 'Test' };
      const first = await loadOrCreateTsaMaterial(opts);
      expect((await stat(join(d.path, 'tsa-key.pem'))).mode & 0o777).toBe(0o600);
      const again = await loadOrCreateTsaMaterial(opts);
      expect(again.chainPem).toBe(first.chainPem);
      await chmod(join(d.path, 'tsa-key.pem'), 0o644);
      await expect(loadOrCreateTsaMaterial(opts)).rejects.toThrow(/readable by group or others/);
    });
  });

  describe('when the operator gives a key and a chain', () => {
    it('loads them, and refuses a key that is not the leaf’s or a leaf without the timeStamping usage', async () => {
      const d = await tempDir();
      cleanups.push(d.remove);
      const m = generateTsaMaterial({ curve: 'P-384', organization: 'Operator' });
      await writeFile(join(d.path, 'k.pem'), m.keyPem);
      await writeFile(join(d.path, 'c.pem'), m.chainPem);
      const loaded = await loadOrCreateTsaMaterial({
        keyPath: join(d.path, 'k.pem'),
        chainPath: join(d.path, 'c.pem'),
        dataDir: d.path,
        curve: 'P-256',
        organization: 'x',
      });
      expect(loaded.curve).toBe('P-384');
      expect(loaded.subject.organization).toBe('Operator');
      const other = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      });
      await expect(parseTsaMaterial(String(other), m.chainPem, 'k')).rejects.toBeInstanceOf(ConfigError);
      // The chain without its leaf: the root has no timeStamping usage.
      const rootOnly = `-----BEGIN CERTIFICATE-----${m.chainPem.split('-----BEGIN CERTIFICATE-----')[2]}`;
      await expect(parseTsaMaterial(m.keyPem, rootOnly, 'k')).rejects.toBeInstanceOf(ConfigError);
      const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
      await expect(parseTsaMaterial(String(ed), m.chainPem, 'k')).rejects.toThrow(/P-256 or P-384/);
      await expect(parseTsaMaterial(m.keyPem, 'not pem', 'k')).rejects.toBeInstanceOf(ConfigError);
      const expired = generateTsaMaterial({
        organization: 'Old',
        now: new Date('2010-01-01T00:00:00Z'),
        years: 1,
      });
      await expect(parseTsaMaterial(expired.keyPem, expired.chainPem, 'k')).rejects.toThrow(/not valid now/);
      expect(await readFile(join(d.path, 'c.pem'), 'utf8')).toBe(loaded.chainPem);
    });
  });
});

describe('loadConfig (timestamp authority)', () => {
  it('is on by default with the Sigstore policy OID', () => {
    expect(loadConfig({}).tsa).toMatchObject({ enabled: true, policyOid: POLICY, curve: 'P-256' });
    expect(loadConfig({ SCRIBA_TSA: '0' }).tsa.enabled).toBe(false);
  });
  it.each([
    [{ SCRIBA_TSA: 'maybe' }, 'SCRIBA_TSA'],
    [{ SCRIBA_TSA_POLICY_OID: '1.2.x' }, 'SCRIBA_TSA_POLICY_OID'],
    [{ SCRIBA_TSA_CURVE: 'P-521' }, 'SCRIBA_TSA_CURVE'],
    [{ SCRIBA_TSA_KEY: 'k.pem' }, 'SCRIBA_TSA_CERT_CHAIN'],
  ])('refuses %j with a ConfigError naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});
