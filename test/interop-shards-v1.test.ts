/**
 * Sigstore clients across a log rotation (issue 11), over HTTP against a real server on PostgreSQL:
 * @sigstore/sign (RekorWitness, Rekor v1 API) logs message signatures and a DSSE envelope before the
 * rotation, the log is rotated (storage rotate, same key; the server restarts on the new shard) and
 * more are logged after it, including a re-upload of a frozen shard's entry (409 + fetch-on-conflict).
 * Every bundle — global logIndex, tree-local proof index against its shard's checkpoint, SET over the
 * global index — verifies with @sigstore/verify and with `scriba verify` (the built CLI); a bundle
 * whose logIndex was changed does not.
 *
 * Trusted root: the one the log serves after the rotation (GET /api/v1/log/trusted-root: each key of
 * the log with its shards' validity window); for the rotation to a new key also one built here from
 * the shard list, as a cross-check of what the served one must say.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder, RekorWitness } from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLogKeyPem, type LogKey } from '../packages/server/src/keys/logKey.js';
import type { RunningServer } from '../packages/server/src/main.js';
import { LocalKeySigner } from './helpers/local-signer.js';
import { createTestDatabase } from './helpers/postgres.js';
import { CLI_BIN, startTestServer, tempDir } from './helpers/server.js';
import { rotateShard } from './helpers/shard-rotate.js';

const verifyRequire = createRequire(createRequire(import.meta.url).resolve('@sigstore/verify'));
const { bundleFromJSON, bundleToJSON } = verifyRequire(
  '@sigstore/bundle',
) as typeof import('@sigstore/bundle');
const { TrustedRoot } = verifyRequire(
  '@sigstore/protobuf-specs',
) as typeof import('@sigstore/protobuf-specs');

type Json = Record<string, unknown>;
type TlogEntry = {
  logIndex: string;
  logId: { keyId: string };
  inclusionProof: { logIndex: string; treeSize: string; checkpoint: { envelope: string } };
};

const run = promisify(execFile);

/** `scriba verify` (the built CLI) of a bundle JSON against the artifact; its exit code and output. */
async function scribaVerify(
  dir: string,
  name: string,
  bundle: Json,
  artifact: Buffer,
  keyPath: string,
  rootPath: string,
): Promise<{ code: number; out: string }> {
  const bundlePath = join(dir, `${name}.sigstore.json`);
  const artifactPath = join(dir, `${name}.txt`);
  await writeFile(bundlePath, JSON.stringify(bundle));
  await writeFile(artifactPath, artifact);
  const args = ['verify', '--bundle', bundlePath, '--artifact', artifactPath, '--key', keyPath];
  try {
    const r = await run(process.execPath, [CLI_BIN, ...args, '--trusted-root', rootPath]);
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('Sigstore v1 bundles across a log rotation', () => {
  let server: RunningServer;
  let dir: string;
  let rootPath: string;
  let keyPath: string;
  let trustedRoot: Json;
  let oldTree: string;
  let newTree: string;
  const cleanup: (() => Promise<void>)[] = [];
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = new LocalKeySigner(pair.privateKey, pair.publicKey);
  const witness = () => new RekorWitness({ rekorBaseURL: server.url, fetchOnConflict: true, retry: 0 });
  const dsseWitness = () =>
    new RekorWitness({ rekorBaseURL: server.url, fetchOnConflict: true, retry: 0, entryType: 'dsse' });
  const signed: Record<string, { bundle: Json; artifact?: Buffer }> = {};

  async function signMessage(artifact: Buffer): Promise<Json> {
    const builder = new MessageSignatureBundleBuilder({ signer, witnesses: [witness()] });
    return bundleToJSON(await builder.create({ data: artifact })) as Json;
  }

  async function signEnvelope(tag: string): Promise<Json> {
    const builder = new DSSEBundleBuilder({ signer, witnesses: [dsseWitness()] });
    return bundleToJSON(
      await builder.create({ data: Buffer.from(`statement ${tag}`), type: 'text/plain' }),
    ) as Json;
  }

  /** The bundle's tlog entry, with the int64 fields protobuf JSON leaves out when 0 filled in. */
  function tlogEntry(bundle: Json): TlogEntry {
    const e = (bundle.verificationMaterial as { tlogEntries: TlogEntry[] }).tlogEntries[0]!;
    return {
      ...e,
      logIndex: e.logIndex ?? '0',
      inclusionProof: { ...e.inclusionProof, logIndex: e.inclusionProof.logIndex ?? '0' },
    };
  }

  function verifyWithSigstore(bundle: Json, artifact?: Buffer): void {
    const trust = toTrustMaterial(TrustedRoot.fromJSON(trustedRoot), (hint: string) => {
      if (hint !== signer.hint) throw new Error(`unknown key hint ${hint}`);
      return { publicKey: pair.publicKey, validFor: () => true };
    });
    const verifier = new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
    verifier.verify(toSignedEntity(bundleFromJSON(bundle), artifact));
  }

  beforeAll(async () => {
    const db = await createTestDatabase();
    const d = await tempDir();
    dir = d.path;
    cleanup.push(db.drop, d.remove);
    // One log name across the restart (the port, hence the default name, changes).
    const env = { DATABASE_URL: db.url, SCRIBA_DATA_DIR: join(dir, 'log'), SCRIBA_LOG_NAME: '127.0.0.1' };
    server = await startTestServer(env);
    trustedRoot = (await (await fetch(`${server.url}/api/v1/log/trusted-root`)).json()) as Json;
    rootPath = join(dir, 'trusted_root.json');
    await writeFile(rootPath, JSON.stringify(trustedRoot));
    keyPath = join(dir, 'signer.pub.pem');
    await writeFile(keyPath, signer.publicKeyPem);

    for (const name of ['before-0', 'before-1']) {
      const artifact = Buffer.from(`${name} ${Date.now()}`);
      signed[name] = { bundle: await signMessage(artifact), artifact };
    }
    signed['before-dsse'] = { bundle: await signEnvelope('before') };

    ({ frozen: oldTree, active: newTree } = await rotateShard(server));
    await server.close();
    server = await startTestServer(env);
    cleanup.unshift(() => server.close());

    for (const name of ['after-0', 'after-1']) {
      const artifact = Buffer.from(`${name} ${Date.now()}`);
      signed[name] = { bundle: await signMessage(artifact), artifact };
    }
    signed['after-dsse'] = { bundle: await signEnvelope('after') };
    // The same artifact as before the rotation: the log answers 409 with the frozen shard's entry.
    signed['again-0'] = {
      bundle: await signMessage(signed['before-0']!.artifact!),
      artifact: signed['before-0']!.artifact,
    };
    // From here on: the trusted root the log serves after the rotation (every shard's key).
    trustedRoot = (await (await fetch(`${server.url}/api/v1/log/trusted-root`)).json()) as Json;
    await writeFile(rootPath, JSON.stringify(trustedRoot));
  });
  afterAll(async () => {
    for (const c of cleanup) await c().catch(() => undefined);
  });

  it('gives bundles after the rotation a global logIndex and a tree-local proof in the new shard', () => {
    const origin = (e: TlogEntry) => e.inclusionProof.checkpoint.envelope.split('\n', 1)[0];
    expect(['before-0', 'before-1', 'before-dsse'].map((n) => tlogEntry(signed[n]!.bundle).logIndex)).toEqual(
      ['0', '1', '2'],
    );
    for (const n of ['before-0', 'before-1', 'before-dsse']) {
      const e = tlogEntry(signed[n]!.bundle);
      expect(e.inclusionProof.logIndex).toBe(e.logIndex);
      expect(origin(e)).toBe(`127.0.0.1 - ${oldTree}`);
    }
    const after = ['after-0', 'after-1', 'after-dsse'].map((n) => tlogEntry(signed[n]!.bundle));
    expect(after.map((e) => [e.logIndex, e.inclusionProof.logIndex])).toEqual([
      ['3', '0'],
      ['4', '1'],
      ['5', '2'],
    ]);
    for (const e of after) expect(origin(e)).toBe(`127.0.0.1 - ${newTree}`);
    // The re-upload got the frozen shard's entry, proven against the shard's final checkpoint.
    const again = tlogEntry(signed['again-0']!.bundle) as TlogEntry & Json;
    const first = tlogEntry(signed['before-0']!.bundle) as TlogEntry & Json;
    for (const k of ['logIndex', 'logId', 'integratedTime', 'canonicalizedBody', 'kindVersion']) {
      expect(again[k]).toEqual(first[k]);
    }
    expect(again.inclusionProof.logIndex).toBe('0');
    expect(again.inclusionProof.treeSize).toBe('3');
    expect(origin(again)).toBe(`127.0.0.1 - ${oldTree}`);
  });

  it.each(['before-0', 'before-1', 'before-dsse', 'after-0', 'after-1', 'after-dsse', 'again-0'])(
    'verifies %s with @sigstore/verify',
    (name) => {
      verifyWithSigstore(signed[name]!.bundle, signed[name]!.artifact);
    },
  );

  it.each(['before-0', 'before-1', 'after-0', 'after-1', 'again-0'])(
    'verifies %s with scriba verify',
    async (name) => {
      const { bundle, artifact } = signed[name]!;
      const r = await scribaVerify(dir, name, bundle, artifact!, keyPath, rootPath);
      expect(r.out).not.toMatch(/error/i);
      expect(r.code).toBe(0);
    },
  );

  it.each([
    ['--log-index', '1'],
    ['--log-index', '4'],
  ])('scriba get %s %s verifies the entry in its shard', async (flag, value) => {
    const r = await run(process.execPath, [
      CLI_BIN,
      'get',
      flag,
      value,
      '--url',
      server.url,
      '--trusted-root',
      rootPath,
      '--format',
      'json',
    ]);
    const entry = Object.values(JSON.parse(r.stdout) as Record<string, { logIndex: number }>)[0]!;
    expect(entry.logIndex).toBe(Number(value));
  });

  describe('when a bundle claims another global index', () => {
    /** after-1 (global 4, tree-local 1) claiming global index 5 or its tree-local index 1. */
    const tampered = (logIndex: string): Json => {
      const b = structuredClone(signed['after-1']!.bundle);
      (b.verificationMaterial as { tlogEntries: TlogEntry[] }).tlogEntries[0]!.logIndex = logIndex;
      return b;
    };

    it.each(['5', '1'])('refuses logIndex %s with @sigstore/verify (the SET signs 4)', (logIndex) => {
      expect(() => verifyWithSigstore(tampered(logIndex), signed['after-1']!.artifact)).toThrow(
        expect.objectContaining({ code: 'TLOG_INCLUSION_PROMISE_ERROR' }),
      );
    });

    it.each(['5', '1'])('refuses logIndex %s with scriba verify', async (logIndex) => {
      const r = await scribaVerify(
        dir,
        `tampered-${logIndex}`,
        tampered(logIndex),
        signed['after-1']!.artifact!,
        keyPath,
        rootPath,
      );
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/TLOG_SET_INVALID/);
    });
  });
});

describe('Sigstore v1 bundles across a rotation to a new key (the running server rotates)', () => {
  let server: RunningServer;
  let dir: string;
  let rootPath: string;
  let keyPath: string;
  let trustedRoot: Json;
  let servedRoot: Json;
  let servedRootPath: string;
  const cleanup: (() => Promise<void>)[] = [];
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = new LocalKeySigner(pair.privateKey, pair.publicKey);
  const signed: { name: string; bundle: Json; artifact: Buffer }[] = [];

  async function signMessage(name: string): Promise<void> {
    const artifact = Buffer.from(`${name} ${Date.now()}`);
    const witness = new RekorWitness({ rekorBaseURL: server.url, fetchOnConflict: true, retry: 0 });
    const builder = new MessageSignatureBundleBuilder({ signer, witnesses: [witness] });
    signed.push({ name, bundle: bundleToJSON(await builder.create({ data: artifact })) as Json, artifact });
  }

  beforeAll(async () => {
    const db = await createTestDatabase();
    const d = await tempDir();
    dir = d.path;
    cleanup.push(db.drop, d.remove);
    const shardKeyPath = join(dir, 'shard-key.pem');
    await writeFile(shardKeyPath, generateLogKeyPem(), { mode: 0o600 });
    server = await startTestServer({
      DATABASE_URL: db.url,
      SCRIBA_DATA_DIR: join(dir, 'log'),
      SCRIBA_SHARD_KEYS: shardKeyPath,
    });
    cleanup.unshift(() => server.close());
    const firstKey = server.log.key;
    const nextKey = server.log.keyring.keys.find((k) => k.logIdHex !== firstKey.logIdHex)!;
    await signMessage('first-key-0');
    await signMessage('first-key-1');
    await server.log.rotate({ key: nextKey });
    await signMessage('next-key-0');
    await signMessage('next-key-1');

    // A trusted root naming each key with its shard's validity window (whole seconds, meeting at
    // the rotation: the new shard starts when the old one froze), as a verifier of a sharded log is
    // given one; built here from the shard list (the served one is s-trust's work).
    const [frozen, active] = (await server.log.shards(true)).map((s) => s.record);
    const sec = (t: Date, up = false) =>
      new Date((up ? Math.ceil(t.getTime() / 1000) : Math.floor(t.getTime() / 1000)) * 1000).toISOString();
    const tlog = (key: LogKey, validFor: { start: string; end?: string }) => ({
      baseUrl: server.url,
      hashAlgorithm: 'SHA2_256',
      publicKey: {
        rawBytes: Buffer.from(key.spki).toString('base64'),
        keyDetails: 'PKIX_ECDSA_P256_SHA_256',
        validFor,
      },
      logId: { keyId: Buffer.from(key.logId).toString('base64') },
    });
    const cut = sec(frozen!.frozenAt!, true);
    trustedRoot = {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [
        tlog(firstKey, { start: sec(frozen!.createdAt), end: cut }),
        tlog(nextKey, { start: sec(active!.createdAt) }),
      ],
      certificateAuthorities: [],
      ctlogs: [],
      timestampAuthorities: [],
    };
    rootPath = join(dir, 'trusted_root.json');
    await writeFile(rootPath, JSON.stringify(trustedRoot));
    servedRoot = (await (await fetch(`${server.url}/api/v1/log/trusted-root`)).json()) as Json;
    servedRootPath = join(dir, 'served_trusted_root.json');
    await writeFile(servedRootPath, JSON.stringify(servedRoot));
    keyPath = join(dir, 'signer.pub.pem');
    await writeFile(keyPath, signer.publicKeyPem);
  });
  afterAll(async () => {
    for (const c of cleanup) await c().catch(() => undefined);
  });

  function verifyWithSigstore(root: Json, bundle: Json, artifact: Buffer): void {
    const trust = toTrustMaterial(TrustedRoot.fromJSON(root), () => ({
      publicKey: pair.publicKey,
      validFor: () => true,
    }));
    const verifier = new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
    verifier.verify(toSignedEntity(bundleFromJSON(bundle), artifact));
  }

  it('logs each bundle under its shard key with a global index', () => {
    const entries = signed.map(
      (s) => (s.bundle.verificationMaterial as { tlogEntries: TlogEntry[] }).tlogEntries[0]!,
    );
    expect(entries.map((e) => e.logIndex ?? '0')).toEqual(['0', '1', '2', '3']);
    expect(entries.map((e) => e.inclusionProof.logIndex ?? '0')).toEqual(['0', '1', '0', '1']);
    const ids = entries.map((e) => e.logId.keyId);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).toBe(ids[3]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it.each(['served', 'built'])(
    'verifies every bundle with @sigstore/verify and scriba verify against the %s trusted root',
    async (which) => {
      const [root, path] = which === 'served' ? [servedRoot, servedRootPath] : [trustedRoot, rootPath];
      for (const { name, bundle, artifact } of signed) {
        verifyWithSigstore(root, bundle, artifact);
        const r = await scribaVerify(dir, `${which}-${name}`, bundle, artifact, keyPath, path);
        expect(r.out).not.toMatch(/error/i);
        expect(r.code).toBe(0);
      }
    },
  );

  it('does not verify a new key bundle against a root naming only the first key', () => {
    const root = { ...trustedRoot, tlogs: [(trustedRoot.tlogs as Json[])[0]] };
    const { bundle, artifact } = signed[2]!;
    expect(() => verifyWithSigstore(root, bundle, artifact)).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/^TLOG_/) }),
    );
  });
});
