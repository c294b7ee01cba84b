/**
 * `scriba sign` and `scriba attest` end to end against a real server (real HTTP, real PostgreSQL):
 * the bundles they write verify with `scriba verify` and with @sigstore/verify; attestations are
 * checked for predicate type and subject; a private-CA certificate bundle needs
 * --insecure-ignore-sct; a log answer altered in transit (proxy) is refused and no bundle is written;
 * failures are one line with a documented exit code.
 */
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/helpers/ports.js';
import type { RunningServer } from '../../server/src/main.js';
import { scriba } from './helpers/cli.js';
import {
  type CliTestLog,
  runCleanups,
  scribaAt,
  signWithCertificate,
  startCliTestLog,
} from './helpers/log-server.js';
import { makePrivateCa } from './helpers/pki.js';
import { alterProofHashes, flip, startTamperProxy } from './helpers/tamper-proxy.js';
import { newWitnessVkey } from './helpers/witness-key.js';

const verifyRequire = createRequire(createRequire(import.meta.url).resolve('@sigstore/verify'));
const { bundleFromJSON } = verifyRequire('@sigstore/bundle') as typeof import('@sigstore/bundle');
const { TrustedRoot } = verifyRequire(
  '@sigstore/protobuf-specs',
) as typeof import('@sigstore/protobuf-specs');

let server: RunningServer;
let log: CliTestLog;
let dir: string;
let root: string;
const cleanups: (() => Promise<unknown>)[] = [];
const p = (name: string) => join(dir, name);

type Key = { priv: string; pub: string; publicKey: import('node:crypto').KeyObject };
const keys: Record<string, Key> = {};

async function writeKey(name: string, pair: ReturnType<typeof generateKeyPairSync>): Promise<void> {
  const priv = p(`${name}.pem`);
  const pub = p(`${name}.pub`);
  await writeFile(priv, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  await writeFile(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }) as string);
  keys[name] = { priv, pub, publicKey: pair.publicKey };
}

beforeAll(async () => {
  log = await startCliTestLog('scriba_cli_sign', 'scriba-sign-', cleanups);
  ({ server, dir, root } = log);
  await writeKey('p256', generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  await writeKey('p384', generateKeyPairSync('ec', { namedCurve: 'P-384' }));
  await writeKey('rsa', generateKeyPairSync('rsa', { modulusLength: 2048 }));
  await writeKey('ed25519', generateKeyPairSync('ed25519'));
  await writeFile(
    p('sbom.json'),
    JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', components: [] }),
  );
});
afterAll(() => runCleanups(cleanups));

/** `scriba verify --bundle BUNDLE --key <key's public key> --trusted-root <the log's root> ARGS...` */
function verifyByKey(bundle: string, key: Key, ...args: string[]) {
  return scriba('verify', '--bundle', bundle, ...args, '--key', key.pub, '--trusted-root', root);
}

async function artifact(name: string): Promise<string> {
  await writeFile(p(name), randomBytes(64));
  return p(name);
}

/** @sigstore/verify over a bundle file, trusting Scriba's trusted root and `key` for any hint. */
async function sigstoreVerify(bundlePath: string, key: Key, data?: Buffer): Promise<void> {
  const trust = toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(await readFile(root, 'utf8'))), () => ({
    publicKey: key.publicKey,
    validFor: () => true,
  }));
  const verifier = new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
  verifier.verify(toSignedEntity(bundleFromJSON(JSON.parse(await readFile(bundlePath, 'utf8'))), data));
}

describe('scriba sign', () => {
  describe.each([['p256'], ['p384'], ['rsa']])('when signing an artifact with a %s key', (k) => {
    it('writes a bundle that scriba verify and @sigstore/verify accept, and no other artifact', async () => {
      const a = await artifact(`a-${k}.txt`);
      const b = p(`a-${k}.bundle`);
      const r = await scribaAt(log, 'sign', '--key', keys[k]!.priv, '--artifact', a, '--bundle', b);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toMatch(/^signed a-.*; logged at index \d+ in http/);
      const v = await verifyByKey(b, keys[k]!, '--artifact', a);
      expect(v).toMatchObject({ code: 0, stderr: '' });
      await sigstoreVerify(b, keys[k]!, await readFile(a));
      const other = await artifact(`other-${k}.txt`);
      const w = await verifyByKey(b, keys[k]!, '--artifact', other);
      expect(w.code).toBe(1);
      expect(w.stderr).toMatch(/^error MESSAGE_DIGEST_MISMATCH: .+\n$/);
      await expect(sigstoreVerify(b, keys[k]!, await readFile(other))).rejects.toThrow(
        'signature verification failed',
      );
    });
  });

  describe.each([['p256'], ['rsa']])('when signing a digest with a %s key', (k) => {
    it('writes a bundle that verifies by digest and by artifact', async () => {
      const a = await artifact(`d-${k}.txt`);
      const digest = `sha256:${createHash('sha256')
        .update(await readFile(a))
        .digest('hex')}`;
      const b = p(`d-${k}.bundle`);
      const r = await scriba(
        'sign',
        '--key',
        keys[k]!.priv,
        '--digest',
        digest,
        '--bundle',
        b,
        '--url',
        server.url,
      );
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/^note: trusting the root served by /);
      for (const input of [
        ['--digest', digest],
        ['--artifact', a],
      ]) {
        const v = await verifyByKey(b, keys[k]!, ...input);
        expect(v.code).toBe(0);
      }
      await sigstoreVerify(b, keys[k]!, await readFile(a));
    });
  });

  describe('when a timestamp is asked for, or Rekor v2 is used', () => {
    it.each([
      ['v1 --timestamp', ['--timestamp'], 'hashedrekord', '0.0.1'],
      ['v2', ['--rekor-api', '2'], 'hashedrekord', '0.0.2'],
    ])(
      '%s: the bundle carries an RFC 3161 timestamp from the log TSA that verifies',
      async (_n, extra, kind, version) => {
        const a = await artifact(`t-${version}.txt`);
        const b = p(`t-${version}.bundle`);
        const r = await scriba(
          'sign',
          '--key',
          keys.p256!.priv,
          '--artifact',
          a,
          '--bundle',
          b,
          '--url',
          server.url,
          '--trusted-root',
          root,
          ...extra,
        );
        expect(r).toMatchObject({ code: 0, stderr: '' });
        const v = await verifyByKey(b, keys.p256!, '--artifact', a, '--json');
        expect(v.code).toBe(0);
        const res = JSON.parse(v.stdout).result;
        expect(res.tlogEntries[0]).toMatchObject({ kind, version, inclusionProofVerified: true });
        expect(res.timestamps).toContainEqual(expect.objectContaining({ source: 'rfc3161' }));
        await sigstoreVerify(b, keys.p256!, await readFile(a));
      },
    );
  });

  describe('when the key cannot make a bundle verifiers accept', () => {
    it('refuses an Ed25519 key for a hashedrekord with exit 2', async () => {
      const a = await artifact('ed.txt');
      const r = await scriba(
        'sign',
        '--key',
        keys.ed25519!.priv,
        '--artifact',
        a,
        '--bundle',
        p('ed.bundle'),
        '--url',
        server.url,
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error KEY_UNSUPPORTED: key .*ed25519\.pem: Ed25519 .*\n$/);
      expect(existsSync(p('ed.bundle'))).toBe(false);
    });
  });

  describe('when the log answer is altered in transit', () => {
    it.each([
      ['an inclusion proof hash', (_b: string) => alterProofHashes(_b), 'TLOG_INCLUSION_PROOF_INVALID'],
      [
        'the signed entry timestamp',
        (b: string) => {
          const j = JSON.parse(b) as Record<string, { verification: { signedEntryTimestamp: string } }>;
          for (const v of Object.values(j))
            v.verification.signedEntryTimestamp = flip(v.verification.signedEntryTimestamp);
          return JSON.stringify(j);
        },
        'TLOG_SET_INVALID',
      ],
    ])('refuses %s: exit 1, no bundle written', async (_n, change, code) => {
      // Enough entries that every proof has hashes.
      for (let i = 0; i < 3; i++)
        await scribaAt(
          log,
          'sign',
          '--key',
          keys.p256!.priv,
          '--artifact',
          await artifact(`fill-${i}.txt`),
          '--bundle',
          p('fill.bundle'),
        );
      const proxy = await startTamperProxy(server.url, (req, body) =>
        req.method === 'POST' && req.path === '/api/v1/log/entries' ? change(body) : undefined,
      );
      try {
        const b = p(`tampered-${code}.bundle`);
        const r = await scriba(
          'sign',
          '--key',
          keys.p256!.priv,
          '--artifact',
          await artifact(`tam-${code}.txt`),
          '--bundle',
          b,
          '--url',
          proxy.url,
          '--trusted-root',
          root,
        );
        expect(proxy.tampered()).toBe(1);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`^error ${code}: .+\\n$`));
        expect(existsSync(b)).toBe(false);
      } finally {
        await proxy.close();
      }
    });
  });

  describe('when something cannot be reached or written', () => {
    it('names the unreachable log URL and the cause on one line, exit 2', async () => {
      const port = await freePort();
      const r = await scriba(
        'sign',
        '--key',
        keys.p256!.priv,
        '--artifact',
        await artifact('u.txt'),
        '--bundle',
        p('u.bundle'),
        '--url',
        `http://127.0.0.1:${port}`,
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(
          `^error LOG_UNREACHABLE: cannot reach http://127.0.0.1:${port}/api/v1/log/trusted-root: connect ECONNREFUSED 127.0.0.1:${port}\n$`,
        ),
      );
    });

    it('names an unwritable bundle path on one line, exit 2', async () => {
      const r = await scribaAt(
        log,
        'sign',
        '--key',
        keys.p256!.priv,
        '--artifact',
        await artifact('w.txt'),
        '--bundle',
        join(dir, 'no', 'such', 'dir', 'x.bundle'),
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error OUTPUT_UNWRITABLE: cannot write bundle .*x\.bundle: ENOENT\n$/);
    });

    it('names an unreadable key file, exit 2 (spawned binary, no stack trace)', () => {
      const bin = join(import.meta.dirname, '../bin/scriba.js');
      const r = spawnSync(
        process.execPath,
        [bin, 'sign', '--key', p('nokey.pem'), '--artifact', p('w.txt'), '--bundle', p('x.bundle')],
        { encoding: 'utf8' },
      );
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^error INPUT_UNREADABLE: key .*nokey\.pem: ENOENT\n$/);
    });
  });
  describe('when witnesses are required', () => {
    it('refuses a bundle whose checkpoint lacks their cosignatures (exit 1)', async () => {
      const a = await artifact('wit.txt');
      const b = p('wit.bundle');
      expect(
        (await scribaAt(log, 'sign', '--key', keys.p256!.priv, '--artifact', a, '--bundle', b)).code,
      ).toBe(0);
      const vkey = newWitnessVkey();
      const verify = (required: string) =>
        verifyByKey(b, keys.p256!, '--artifact', a, '--require-witnesses', required, '--witness', vkey);
      const r = await verify('1');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error TLOG_CHECKPOINT_COSIGNATURES_MISSING: /);
      const usage = await verify('2');
      expect(usage.code).toBe(2);
    });
  });
});

describe('scriba attest', () => {
  let a: string;
  let b: string;
  beforeAll(async () => {
    a = await artifact('app.tar');
    b = p('sbom.bundle');
    const r = await scribaAt(
      log,
      'attest',
      '--key',
      keys.p256!.priv,
      '--predicate',
      p('sbom.json'),
      '--type',
      'cyclonedx',
      '--artifact',
      a,
      '--bundle',
      b,
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
  });
  const verify = (...extra: string[]) => verifyByKey(b, keys.p256!, ...extra);

  it('verifies with --type cyclonedx and the artifact as subject (and with @sigstore/verify)', async () => {
    expect(await verify('--artifact', a, '--type', 'cyclonedx')).toMatchObject({ code: 0, stderr: '' });
    expect((await verify('--artifact', a, '--type', 'https://cyclonedx.org/bom')).code).toBe(0);
    await sigstoreVerify(b, keys.p256!);
  });

  it('includes the statement subjects and predicate type in --json', async () => {
    const r = await verify('--artifact', a, '--json');
    const digest = createHash('sha256')
      .update(await readFile(a))
      .digest('hex');
    expect(JSON.parse(r.stdout).result.statement).toEqual({
      type: 'https://in-toto.io/Statement/v1',
      predicateType: 'https://cyclonedx.org/bom',
      subjects: [{ name: 'app.tar', digest: { sha256: digest } }],
    });
  });

  it.each([
    ['--type spdxjson', () => ['--artifact', a, '--type', 'spdxjson'], 1, 'PREDICATE_TYPE_MISMATCH'],
    [
      'a wrong subject',
      () => ['--artifact', p('sbom.json'), '--type', 'cyclonedx'],
      1,
      'MESSAGE_DIGEST_MISMATCH',
    ],
    ['a wrong subject digest', () => ['--digest', `sha256:${'11'.repeat(32)}`], 1, 'MESSAGE_DIGEST_MISMATCH'],
    ['no subject', () => ['--type', 'cyclonedx'], 2, 'SUBJECT_REQUIRED'],
    ['an unknown --type', () => ['--artifact', a, '--type', 'sbom'], 2, 'USAGE'],
  ])('fails with %s', async (_n, extra, exit, code) => {
    const r = await verify(...extra());
    expect(r.code).toBe(exit);
    expect(r.stderr).toMatch(new RegExp(`^error ${code}: `));
  });

  it('verifies without a subject only when told --insecure-ignore-subject', async () => {
    expect((await verify('--insecure-ignore-subject', '--type', 'cyclonedx')).code).toBe(0);
  });

  it.each([
    ['ed25519', '1'],
    ['p256', '2'],
    ['rsa', '2'],
  ])('a %s key attests through Rekor v%s, and the bundle verifies', async (k, api) => {
    const out = p(`att-${k}-${api}.bundle`);
    const r = await scriba(
      'attest',
      '--key',
      keys[k]!.priv,
      '--predicate',
      p('sbom.json'),
      '--type',
      'cyclonedx',
      '--artifact',
      a,
      '--bundle',
      out,
      '--url',
      server.url,
      '--trusted-root',
      root,
      '--rekor-api',
      api,
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const v = await verifyByKey(out, keys[k]!, '--artifact', a, '--type', 'cyclonedx', '--json');
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout).result.tlogEntries[0].kind).toBe(api === '1' ? 'dsse' : 'hashedrekord');
    if (k !== 'ed25519') await sigstoreVerify(out, keys[k]!);
  });

  it('refuses an Ed25519 key with Rekor v2 (exit 2)', async () => {
    const r = await scriba(
      'attest',
      '--key',
      keys.ed25519!.priv,
      '--predicate',
      p('sbom.json'),
      '--type',
      'cyclonedx',
      '--artifact',
      a,
      '--bundle',
      p('ed-2.bundle'),
      '--url',
      server.url,
      '--trusted-root',
      root,
      '--rekor-api',
      '2',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error KEY_UNSUPPORTED: /);
  });
});

describe('a certificate from a private CA without SCTs', () => {
  let b: string;
  let a: string;
  let caRoot: string;
  beforeAll(async () => {
    const { caDer } = await makePrivateCa(dir, 'email.1 = dev@example.com');
    const tr = JSON.parse(await readFile(root, 'utf8'));
    tr.certificateAuthorities = [
      {
        subject: { commonName: 'Private CA' },
        uri: 'https://ca.example',
        certChain: { certificates: [{ rawBytes: caDer.toString('base64') }] },
        validFor: { start: '2020-01-01T00:00:00Z' },
      },
    ];
    caRoot = p('trusted_root_ca.json');
    await writeFile(caRoot, JSON.stringify(tr));
    a = await artifact('ca.txt');
    b = p('ca.bundle');
    const r = await signWithCertificate(log, 'leaf', a, b);
    expect(r).toMatchObject({ code: 0, stderr: '' });
  });
  const verify = (...extra: string[]) =>
    scriba(
      'verify',
      '--bundle',
      b,
      '--artifact',
      a,
      '--trusted-root',
      caRoot,
      '--certificate-identity',
      'dev@example.com',
      ...extra,
    );

  it('fails SCT_THRESHOLD_NOT_MET by default', async () => {
    const r = await verify();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error SCT_THRESHOLD_NOT_MET: /);
  });

  it('verifies with --insecure-ignore-sct (= --ctlog-threshold 0)', async () => {
    expect(await verify('--insecure-ignore-sct')).toMatchObject({ code: 0, stderr: '' });
    expect((await verify('--ctlog-threshold', '0')).code).toBe(0);
  });

  it('still checks the identity and the CA', async () => {
    const other = await scriba(
      'verify',
      '--bundle',
      b,
      '--artifact',
      a,
      '--trusted-root',
      caRoot,
      '--certificate-identity',
      'eve@example.com',
      '--insecure-ignore-sct',
    );
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^error IDENTITY_MISMATCH: /);
    const noCa = await scriba(
      'verify',
      '--bundle',
      b,
      '--artifact',
      a,
      '--trusted-root',
      root,
      '--certificate-identity',
      'dev@example.com',
      '--insecure-ignore-sct',
    );
    expect(noCa.code).toBe(1);
    expect(noCa.stderr).toMatch(/^error CERTIFICATE_CHAIN_UNTRUSTED: /);
  });

  it('applies --tlog-threshold and --timestamp-threshold', async () => {
    const r = await verify('--insecure-ignore-sct', '--tlog-threshold', '2');
    expect(r.stderr).toMatch(/^error TLOG_THRESHOLD_NOT_MET: /);
    const t = await verify('--insecure-ignore-sct', '--timestamp-threshold', '2');
    expect(t.stderr).toMatch(/^error TIMESTAMP_THRESHOLD_NOT_MET: /);
  });
});

describe('scriba upload', () => {
  it('refuses an answer whose inclusion proof was altered, exit 1', async () => {
    const a = await artifact('up.txt');
    const sig = p('up.sig');
    const { sign } = await import('node:crypto');
    const { createPrivateKey } = await import('node:crypto');
    await writeFile(
      sig,
      sign('sha256', await readFile(a), createPrivateKey(await readFile(keys.p256!.priv))),
    );
    // A second entry, so that the new entry's inclusion proof has a hash to alter.
    await scribaAt(
      log,
      'sign',
      '--key',
      keys.p256!.priv,
      '--artifact',
      await artifact('up-fill.txt'),
      '--bundle',
      p('up-fill.bundle'),
    );
    const proxy = await startTamperProxy(server.url, (req, body) =>
      req.method === 'POST' ? alterProofHashes(body) : undefined,
    );
    try {
      const args = [
        '--artifact',
        a,
        '--signature',
        sig,
        '--public-key',
        keys.p256!.pub,
        '--trusted-root',
        root,
      ];
      const bad = await scriba('upload', '--url', proxy.url, ...args);
      expect(proxy.tampered()).toBe(1);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^error TLOG_INCLUSION_PROOF_INVALID: /);
      const good = await scriba('upload', '--url', server.url, ...args);
      expect(good.code).toBe(0);
      expect(good.stderr).toMatch(/^already logged as [0-9a-f]{80}/);
    } finally {
      await proxy.close();
    }
  });

  it('builds the hashedrekord with the digest the key signs with (SHA-384 for P-384)', async () => {
    const a = await artifact('up384.txt');
    const sig = p('up384.sig');
    const { sign, createPrivateKey } = await import('node:crypto');
    await writeFile(
      sig,
      sign('sha384', await readFile(a), createPrivateKey(await readFile(keys.p384!.priv))),
    );
    const r = await scribaAt(
      log,
      'upload',
      '--artifact',
      a,
      '--signature',
      sig,
      '--public-key',
      keys.p384!.pub,
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const entry = Object.values(JSON.parse(r.stdout))[0] as { body: string };
    const body = JSON.parse(Buffer.from(entry.body, 'base64').toString());
    expect(body.spec.data.hash.algorithm).toBe('sha384');
  });
});
