/**
 * `scriba monitor` across shards, against a real Scriba server (PostgreSQL, HTTP): it reads the
 * log's published list of shards (GET /api/v1/log `inactiveShards`), follows each shard with its own
 * state file, picks up the new shard after a rotation (caught up from its first entry, matches
 * reported at their global index), keeps checking the frozen shard against its final checkpoint,
 * and reports — exit 1, both checkpoints printed, state untouched — a frozen shard that changes
 * (another root at its final size, or growth) and a followed shard that is no longer listed. A state
 * file from before shards is taken over. The tampering is a proxy serving checkpoints re-signed with
 * the log's key (a log that rewrote a frozen shard).
 *
 * The rotation goes through the log core while the server runs (`LogService.rotate`: the storage
 * port's atomic `rotate`, as `scriba shard rotate`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hexDecode, hexEncode } from '@scriba/sdk';
import { parseCheckpoint, parseNote } from '@scriba/sdk/note';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { startTestLog } from '../../../test/helpers/server.js';
import { generateLogKeyPem, parseLogKeyPem } from '../../server/src/keys/logKey.js';
import { checkpointSigner } from '../../server/src/log/checkpoint.js';
import type { RunningServer } from '../../server/src/main.js';
import {
  type MonitorEvent,
  monitorLog,
  monitorUrls,
  run,
  trustedRootVerifiers,
} from '../src/commands/monitor.js';
import type { Watch } from '../src/monitor/matching.js';
import { captureRun } from './helpers/capture.js';
import { startTamperProxy, type TamperProxy } from './helpers/tamper-proxy.js';

let server: RunningServer;
let dir: string;
let rootPath: string;
/** The log's next key, in the server's keyring (SCRIBA_SHARD_KEYS) for the last rotation. */
const nextKeyPem = generateLogKeyPem();
const cleanups: (() => Promise<unknown>)[] = [];
const noWatch: Watch = { identities: [], issuers: [], keys: [], digests: [] };

beforeAll(async () => {
  const log = await startTestLog({
    database: 'scriba_monitor_shards',
    dirPrefix: 'scriba-monitor-shards-',
    env: async (d) => {
      const keys = join(d, 'next-key.pem');
      await writeFile(keys, nextKeyPem, { mode: 0o600 });
      return { SCRIBA_DATA_DIR: join(d, 'log'), SCRIBA_SHARD_KEYS: keys };
    },
  });
  cleanups.push(log.stop);
  server = log.server;
  dir = log.dir;
  rootPath = join(dir, 'trusted_root.json');
  await writeFile(rootPath, await (await fetch(`${server.url}/api/v1/log/trusted-root`)).text());
});
afterAll(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

/** Logs `n` entries; returns the artifact of each. */
async function add(n: number): Promise<Buffer[]> {
  const signer = newSigner();
  const artifacts = Array.from({ length: n }, () => randomBytes(24));
  for (const a of artifacts) expect((await postEntry(server.url, hashedRekord(signer, a))).status).toBe(201);
  return artifacts;
}

async function round(statePath: string, url = server.url, watch = noWatch) {
  const events: MonitorEvent[] = [];
  const r = await monitorLog({
    baseUrl: url,
    tilesUrl: `${url}/api/v2`,
    verifiers: trustedRootVerifiers(await readFile(rootPath, 'utf8'), server.url, []),
    statePath,
    watch,
    emit: (e) => events.push(e),
    progressEveryMs: 60_000,
  });
  return { ...r, events };
}

const state = () => join(dir, 'monitor.json');
const shardState = (treeId: string) => join(dir, `monitor.${treeId}.json`);
let first: string;
let second: string;
let firstFinal: string;

describe('scriba monitor across shards', () => {
  describe('when the log has one shard', () => {
    it('follows it, its state beside the index of shards', async () => {
      await add(3);
      first = server.log.treeId;
      const r = await round(state());
      expect(r.exit).toBe(0);
      expect(r.events[0]).toMatchObject({
        event: 'shard',
        treeId: first,
        active: true,
        offset: 0,
        new: true,
      });
      expect(JSON.parse(await readFile(state(), 'utf8'))).toEqual({ version: 2, shards: [first] });
      expect(JSON.parse(await readFile(shardState(first), 'utf8')).size).toBe(3);
    });
  });

  describe('when the log rotates', () => {
    it('picks up the new shard, catches it up and holds the frozen one to its final checkpoint', async () => {
      second = (await server.log.rotate()).active.treeId;
      const watched = (await add(2))[1]!;
      const digest = createHash('sha256').update(watched).digest('hex');
      const r = await round(state(), server.url, { ...noWatch, digests: [digest] });
      expect(r.exit).toBe(3);
      const shards = r.events.filter((e) => e.event === 'shard');
      expect(shards).toEqual([
        expect.objectContaining({ treeId: first, active: false, offset: 0, size: 3 }),
        expect.objectContaining({ treeId: second, active: true, offset: 3, new: true }),
      ]);
      expect(shards[0]!.new).toBeUndefined();
      // The match is reported at its global index (the frozen shard's 3 entries come first).
      expect(r.events.find((e) => e.event === 'match')).toMatchObject({
        treeId: second,
        index: 1,
        logIndex: 4,
      });
      const frozen = JSON.parse(await readFile(shardState(first), 'utf8'));
      expect(frozen).toMatchObject({ size: 3, frozen: true });
      firstFinal = frozen.checkpoint;
      expect(JSON.parse(await readFile(shardState(second), 'utf8')).size).toBe(2);
      expect(JSON.parse(await readFile(state(), 'utf8')).shards).toEqual([first, second]);
    });

    it('keeps checking both shards in later rounds', async () => {
      await add(1);
      const r = await round(state());
      expect(r.exit).toBe(0);
      expect(r.events.filter((e) => e.event === 'consistent').map((e) => e.treeId)).toEqual([second]);
      expect(r.events.filter((e) => e.event === 'checkpoint').map((e) => e.treeId)).toEqual([first, second]);
    });
  });

  describe('when a frozen shard changes', () => {
    /** A proxy serving shard `first` as the checkpoint (size, root) re-signed with the log's key. */
    async function forged(size: number, rootHash: Uint8Array): Promise<{ proxy: TamperProxy; note: string }> {
      const origin = parseCheckpoint(parseNote(firstFinal).text).origin;
      const note = await (await checkpointSigner(server.log.key, server.config.logName, origin)).sign(
        size,
        rootHash,
      );
      const proxy = await startTamperProxy(server.url, (req, body) => {
        if (req.path === `/api/v2/shards/${first}/checkpoint`) return note;
        if (req.path !== '/api/v1/log') return undefined;
        const info = JSON.parse(body) as { inactiveShards: Record<string, unknown>[] };
        for (const s of info.inactiveShards) {
          if (s.treeID === first)
            Object.assign(s, { treeSize: size, rootHash: hexEncode(rootHash), signedTreeHead: note });
        }
        return JSON.stringify(info);
      });
      cleanups.unshift(() => proxy.close());
      return { proxy, note };
    }

    it.each([
      ['another root at its final size', 3, 'another root at its final size 3'],
      ['it grew', 4, 'its final size was 3, it now has 4'],
    ])('%s: exit 1 with both checkpoints, state untouched', async (_name, size, reason) => {
      const before = await readFile(shardState(first), 'utf8');
      const { proxy, note } = await forged(size, randomBytes(32));
      const r = await captureRun(run, [
        '--url',
        proxy.url,
        '--trusted-root',
        rootPath,
        '--state',
        state(),
        '--once',
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`FAILURE [FROZEN_SHARD_CHANGED]: frozen shard ${first} changed: ${reason}`);
      expect(r.stderr).toContain(`--- previously verified checkpoint:\n${firstFinal}`);
      expect(r.stderr).toContain(`--- new checkpoint:\n${note}`);
      expect(await readFile(shardState(first), 'utf8')).toBe(before);
    });

    it('a frozen shard served unlike its published final checkpoint is a failure too', async () => {
      const other = join(dir, 'fresh.json'); // a monitor that never saw the shard frozen
      const { note } = await forged(3, hexDecode('00'.repeat(32)));
      const proxy = await startTamperProxy(server.url, (req) =>
        req.path === `/api/v2/shards/${first}/checkpoint` ? note : undefined,
      );
      cleanups.unshift(() => proxy.close());
      const r = await round(other, proxy.url);
      expect(r.exit).toBe(1);
      const failure = r.events.find((e) => e.event === 'failure');
      expect(failure).toMatchObject({ code: 'FROZEN_SHARD_CHANGED', treeId: first });
      // The published final checkpoint (GET /api/v1/log: the log's own signature only) is the evidence.
      const published = (failure!.evidence as { publishedCheckpoint: string }).publishedCheckpoint;
      expect(parseNote(published).text).toBe(parseNote(firstFinal).text);
    });
  });

  describe('when a followed shard is no longer listed', () => {
    it('exits 1 with its last verified checkpoint', async () => {
      const proxy = await startTamperProxy(server.url, (req, body) => {
        if (req.path !== '/api/v1/log') return undefined;
        return JSON.stringify({ ...JSON.parse(body), inactiveShards: [] });
      });
      cleanups.unshift(() => proxy.close());
      const r = await round(state(), proxy.url);
      expect(r.exit).toBe(1);
      expect(r.events.find((e) => e.event === 'failure')).toMatchObject({
        code: 'SHARD_VANISHED',
        treeId: first,
        evidence: { previousCheckpoint: firstFinal },
      });
      expect(JSON.parse(await readFile(state(), 'utf8')).shards).toEqual([first, second]);
    });
  });

  describe('when the log serves no tiles per shard', () => {
    /** The log as one without `/api/v2/shards/<treeID>/`: the active shard at the root paths only. */
    async function withoutShardPrefix(): Promise<TamperProxy> {
      const proxy = await startTamperProxy(
        server.url,
        () => undefined,
        (req) => (req.path.startsWith('/api/v2/shards/') ? { status: 404, body: 'not found' } : undefined),
      );
      cleanups.unshift(() => proxy.close());
      return proxy;
    }

    it('reads the active shard at the root and holds the frozen one to its published checkpoint', async () => {
      await add(1);
      const proxy = await withoutShardPrefix();
      const r = await round(state(), proxy.url);
      expect(r.exit).toBe(0);
      expect(r.events.filter((e) => e.event === 'checkpoint').map((e) => e.treeId)).toEqual([first, second]);
      expect(r.events.find((e) => e.event === 'consistent')).toMatchObject({ treeId: second });
      expect(proxy.tampered()).toBeGreaterThanOrEqual(2);
    });

    it("reports a rotation during the round when the root serves another shard's checkpoint (exit 2)", async () => {
      const proxy = await startTamperProxy(
        server.url,
        (req) => (req.path === '/api/v2/checkpoint' ? firstFinal : undefined),
        (req) => (req.path.startsWith('/api/v2/shards/') ? { status: 404, body: 'not found' } : undefined),
      );
      cleanups.unshift(() => proxy.close());
      const before = await readFile(shardState(second), 'utf8');
      const r = await round(state(), proxy.url);
      expect(r.exit).toBe(2);
      expect(r.events.find((e) => e.event === 'error')).toMatchObject({
        code: 'SHARD_ROTATED',
        treeId: second,
      });
      expect(await readFile(shardState(second), 'utf8')).toBe(before);
    });

    it('cannot catch up on a frozen shard it has not verified to the end (exit 2)', async () => {
      const proxy = await withoutShardPrefix();
      const r = await round(join(dir, 'late.json'), proxy.url);
      expect(r.exit).toBe(2);
      expect(r.events.find((e) => e.event === 'error')).toMatchObject({
        code: 'SHARD_TILES_NOT_SERVED',
        treeId: first,
      });
      // The active shard was still followed.
      expect(r.events.find((e) => e.event === 'verified')).toMatchObject({ treeId: second });
    });
  });

  describe('when the state file is from before shards', () => {
    it("is taken over as its tree's state", async () => {
      const legacy = join(dir, 'legacy.json');
      await writeFile(
        legacy,
        await readFile(shardState(first), 'utf8').then((t) => {
          const { frozen: _f, ...s } = JSON.parse(t);
          return JSON.stringify(s);
        }),
      );
      const r = await round(legacy);
      expect(r.exit).toBe(0);
      expect(JSON.parse(await readFile(join(dir, `legacy.${first}.json`), 'utf8'))).toMatchObject({
        size: 3,
        frozen: true,
      });
      expect(JSON.parse(await readFile(legacy, 'utf8'))).toEqual({ version: 2, shards: [first, second] });
    });

    it('whose origin matches no shard is a failure', async () => {
      const legacy = join(dir, 'legacy-other.json');
      const s = JSON.parse(await readFile(shardState(first), 'utf8'));
      await writeFile(legacy, JSON.stringify({ ...s, origin: 'elsewhere.example - 1', frozen: undefined }));
      const r = await round(legacy);
      expect(r.exit).toBe(1);
      expect(r.events[0]).toMatchObject({ event: 'failure', code: 'ORIGIN_MISMATCH' });
    });
  });

  describe('when pointed at one shard (URL/api/v2/shards/<treeID>)', () => {
    it('follows that tree alone at its tlog-tiles prefix', async () => {
      const shardUrl = `${server.url}/api/v2/shards/${first}`;
      expect(monitorUrls(`${shardUrl}/`)).toEqual({ baseUrl: shardUrl, tilesUrl: shardUrl });
      expect(monitorUrls(`${server.url}/api/v2`)).toEqual({
        baseUrl: server.url,
        tilesUrl: `${server.url}/api/v2`,
      });
      const path = join(dir, 'one-shard.json');
      const r = await captureRun(run, [
        '--url',
        shardUrl,
        '--trusted-root',
        rootPath,
        '--state',
        path,
        '--once',
      ]);
      expect(r.code).toBe(0);
      const kept = JSON.parse(await readFile(path, 'utf8'));
      expect(kept.checkpoint).toBe(firstFinal);
    });
  });

  describe('when the log rotates to a new key', () => {
    it('the new shard fails until the monitor is given the new trusted root, then is followed', async () => {
      const third = (await server.log.rotate({ key: parseLogKeyPem(nextKeyPem, 'next') })).active.treeId;
      await add(1);
      const stale = await round(state());
      expect(stale.exit).toBe(1);
      expect(stale.events.find((e) => e.event === 'failure')).toMatchObject({
        treeId: third,
        reason: 'checkpoint signature does not verify with the trusted log keys',
      });
      await writeFile(rootPath, await (await fetch(`${server.url}/api/v1/log/trusted-root`)).text());
      const r = await round(state());
      expect(r.exit).toBe(0);
      expect(r.events.filter((e) => e.event === 'shard').map((e) => e.treeId)).toEqual([
        first,
        second,
        third,
      ]);
      expect(JSON.parse(await readFile(shardState(third), 'utf8')).size).toBe(1);
      expect(JSON.parse(await readFile(shardState(second), 'utf8')).frozen).toBe(true);
    });
  });
});
