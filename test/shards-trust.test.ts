/**
 * Bundles from every shard verify against the trusted root the log serves, with the real Sigstore
 * clients: @sigstore/sign 4.1.1 logs message signatures through Scriba's Rekor v1 API (SET +
 * inclusion proof) and Rekor v2 API (+ Scriba's RFC 3161 TSA) in three shards — the first, a second
 * one keeping the key, a third one under a new key — and every bundle verifies with
 * @sigstore/verify 4.1.3 and `scriba verify` (the built CLI) against GET /api/v1/log/trusted-root,
 * which lists two keys whose windows meet at the key change. Refused with a code: an entry whose time
 * is outside its key's window (TLOG_LOG_NOT_VALID_AT_TIME), an entry of a key the root lacks
 * (TLOG_UNTRUSTED_LOG). `scriba trusted-root` checks the served root.
 *
 * Rotations go through the log core while the server runs (`LogService.rotate`: the storage port's
 * atomic `rotate`, as `scriba shard rotate`); the new key is in the server's keyring
 * (SCRIBA_SHARD_KEYS), so the same server signs the new shard with it.
 */
import { execFile } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bundleFromJSON, bundleToJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { MessageSignatureBundleBuilder, RekorWitness, type Signer, TSAWitness } from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLogKeyPem, parseLogKeyPem } from '../packages/server/src/keys/logKey.js';
import type { RunningServer } from '../packages/server/src/main.js';
import { CLI_BIN, startTestLog, type TestLog } from './helpers/server.js';

type Json = ReturnType<typeof bundleToJSON>;
type Root = {
  tlogs: {
    publicKey: { rawBytes: string; validFor: { start: string; end?: string } };
    logId: { keyId: string };
  }[];
};

const execFileAsync = promisify(execFile);
let server: RunningServer;
let dir: string;
let log: TestLog | undefined;

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const signer: Signer = {
  sign: async (data: Buffer) => ({
    signature: sign('sha256', data, privateKey),
    key: { $case: 'publicKey', publicKey: publicKeyPem, hint: 'shards-key' },
  }),
};
/** The log's second key (the third shard's). */
const keyBPem = generateLogKeyPem();
const keyB = parseLogKeyPem(keyBPem, 'test');
const keyBSpki = keyB.spki;

/** Bundles by shard (a, b: key A; c: key B), each a v1 and a v2 one, with their artifacts. */
const bundles: Record<string, { json: Json; artifact: Buffer }> = {};

async function logBoth(tag: string): Promise<void> {
  for (const api of [1, 2] as const) {
    const artifact = Buffer.from(`shard ${tag} v${api} ${Date.now()} ${Math.random()}`);
    const rekor = new RekorWitness({ rekorBaseURL: server.url, majorApiVersion: api, retry: 0 } as never);
    const witnesses =
      api === 2 ? [rekor, new TSAWitness({ tsaBaseURL: server.url, retry: 0 } as never)] : [rekor];
    const bundle = await new MessageSignatureBundleBuilder({ signer, witnesses }).create({ data: artifact });
    bundles[`${tag}${api}`] = { json: bundleToJSON(bundle), artifact };
  }
}

async function servedRoot(): Promise<Root> {
  const r = await fetch(`${server.url}/api/v1/log/trusted-root`);
  expect(r.status).toBe(200);
  return (await r.json()) as Root;
}

function verifyWithSigstoreJs(root: Root, b: { json: Json; artifact: Buffer }): void {
  const trust = toTrustMaterial(TrustedRoot.fromJSON(root), () => ({
    publicKey: createPublicKey(publicKeyPem),
    validFor: () => true,
  }));
  new Verifier(trust).verify(toSignedEntity(bundleFromJSON(b.json), b.artifact));
}

async function scribaVerify(
  root: Root,
  b: { json: Json; artifact: Buffer },
): Promise<{ code: number; out: string }> {
  const name = `b${Math.random().toString(36).slice(2)}`;
  await writeFile(join(dir, `${name}.json`), JSON.stringify(b.json));
  await writeFile(join(dir, `${name}.bin`), b.artifact);
  await writeFile(join(dir, `${name}.root.json`), JSON.stringify(root));
  await writeFile(join(dir, 'key.pem'), publicKeyPem);
  const args = ['verify', '--bundle', join(dir, `${name}.json`), '--artifact', join(dir, `${name}.bin`)];
  args.push('--trusted-root', join(dir, `${name}.root.json`), '--key', join(dir, 'key.pem'));
  try {
    const r = await execFileAsync(process.execPath, [CLI_BIN, ...args]);
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

let rootBeforeKeyChange: Root;

beforeAll(async () => {
  log = await startTestLog({
    database: 'scriba_shards_trust',
    dirPrefix: 'scriba-shards-trust-',
    env: async (d) => {
      const keyBPath = join(d, 'log-key-b.pem');
      await writeFile(keyBPath, keyBPem, { mode: 0o600 });
      return { SCRIBA_DATA_DIR: join(d, 'log'), SCRIBA_SHARD_KEYS: keyBPath };
    },
  });
  server = log.server;
  dir = log.dir;

  await logBoth('a');
  await server.log.rotate(); // a second shard, same key
  await logBoth('b');
  rootBeforeKeyChange = await servedRoot();
  // A later second than the shards before, so that the key change has its own second.
  await new Promise((r) => setTimeout(r, 1100));
  await server.log.rotate({ key: keyB }); // a third shard, new key
  await logBoth('c');
});
afterAll(async () => {
  await log?.stop();
});

describe('bundles from every shard', () => {
  describe('when verified against the trusted root the log serves', () => {
    it('the root lists both keys, windows meeting at the key change', async () => {
      const root = await servedRoot();
      expect(root.tlogs).toHaveLength(2);
      const [a, b] = root.tlogs as [Root['tlogs'][0], Root['tlogs'][0]];
      expect(b.publicKey.rawBytes).toBe(Buffer.from(keyBSpki).toString('base64'));
      expect(a.publicKey.validFor.end).toBe(b.publicKey.validFor.start);
      expect(b.publicKey.validFor.end).toBeUndefined();
    });

    it.each(['a1', 'a2', 'b1', 'b2', 'c1', 'c2'])(
      'bundle %s verifies with @sigstore/verify and scriba verify',
      async (name) => {
        const root = await servedRoot();
        const b = bundles[name]!;
        const entry = b.json.verificationMaterial.tlogEntries[0]!;
        if (name === 'b1' || name === 'c1') {
          // Rekor v1 after a rotation: the global index is past the tree-local index of the proof.
          expect(Number(entry.logIndex)).toBeGreaterThan(Number(entry.inclusionProof!.logIndex ?? 0)); // 0 is omitted
        }
        verifyWithSigstoreJs(root, b);
        const cli = await scribaVerify(root, b);
        expect(cli.out).toMatch(/^verified/m);
        expect(cli.code).toBe(0);
      },
    );

    it('scriba trusted-root accepts the served root', async () => {
      const r = await execFileAsync(process.execPath, [CLI_BIN, 'trusted-root', '--url', server.url]);
      expect((JSON.parse(r.stdout) as Root).tlogs).toHaveLength(2);
    });

    it('scriba loginfo and logproof verify the active shard with the key trusted now', async () => {
      const rootFile = join(dir, 'served-root.json');
      await writeFile(rootFile, JSON.stringify(await servedRoot()));
      const at = ['--url', server.url, '--trusted-root', rootFile];
      const info = await execFileAsync(process.execPath, [CLI_BIN, 'loginfo', ...at, '--format', 'json']);
      expect(JSON.parse(info.stdout)).toMatchObject({ treeSize: 2 });
      await execFileAsync(process.execPath, [
        CLI_BIN,
        'logproof',
        ...at,
        '--first-size',
        '1',
        '--last-size',
        '2',
      ]);
    });

    it("scriba trusted-root refuses a root without the frozen shards' key", async () => {
      const proxy = createServer(async (req, res) => {
        const r = await fetch(`${server.url}${req.url}`);
        let body = await r.text();
        if (req.url === '/api/v1/log/trusted-root') {
          const root = JSON.parse(body) as Root;
          body = JSON.stringify({ ...root, tlogs: root.tlogs.slice(1) }); // key B only
        }
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' }).end(body);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
        const err = await execFileAsync(process.execPath, [CLI_BIN, 'trusted-root', '--url', url]).catch(
          (e: { code: number; stderr: string }) => e,
        );
        expect(err).toMatchObject({ code: 1 });
        expect((err as { stderr: string }).stderr).toMatch(
          /the key of frozen shard [0-9]+ is not in the trusted root/,
        );
      } finally {
        await new Promise((resolve) => proxy.close(resolve));
      }
    });
  });

  describe("when an entry's time is outside its key's window", () => {
    it('a v1 entry (integratedTime) is refused by both verifiers', async () => {
      const root = await servedRoot();
      const b = bundles.a1!;
      const t = Number(b.json.verificationMaterial.tlogEntries[0]!.integratedTime);
      // Key A's window ends a second before the entry was integrated (and starts an hour earlier:
      // the log may have been created in the entry's own second, and a window must not end before
      // it starts).
      root.tlogs[0]!.publicKey.validFor.start = new Date((t - 3600) * 1000).toISOString();
      root.tlogs[0]!.publicKey.validFor.end = new Date((t - 1) * 1000).toISOString();
      expect(() => verifyWithSigstoreJs(root, b)).toThrow(
        expect.objectContaining({ code: 'TLOG_INCLUSION_PROMISE_ERROR' }),
      );
      const cli = await scribaVerify(root, b);
      expect(cli.code).toBe(1);
      expect(cli.out).toContain('TLOG_LOG_NOT_VALID_AT_TIME');
    });

    it('a v2 entry (timestamped by the TSA) is refused by scriba verify', async () => {
      const root = await servedRoot();
      // Key B's window starts an hour after the third shard's entries were timestamped.
      root.tlogs[1]!.publicKey.validFor.start = new Date(Date.now() + 3_600_000)
        .toISOString()
        .replace(/\.\d+Z$/, 'Z');
      const cli = await scribaVerify(root, bundles.c2!);
      expect(cli.code).toBe(1);
      expect(cli.out).toContain('TLOG_LOG_NOT_VALID_AT_TIME');
    });
  });

  describe('when the trusted root predates the key change', () => {
    it("an entry of the new key's shard is refused (untrusted log)", async () => {
      expect(rootBeforeKeyChange.tlogs).toHaveLength(1);
      const cli = await scribaVerify(rootBeforeKeyChange, bundles.c1!);
      expect(cli.code).toBe(1);
      expect(cli.out).toContain('TLOG_UNTRUSTED_LOG');
      expect(() => verifyWithSigstoreJs(rootBeforeKeyChange, bundles.c1!)).toThrow(
        'inclusion promise could not be verified',
      );
      // The shards of the old key still verify with it.
      expect((await scribaVerify(rootBeforeKeyChange, bundles.b1!)).code).toBe(0);
    });
  });
});
