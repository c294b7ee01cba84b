/**
 * `scriba monitor` against a real Scriba server (PostgreSQL): first catch-up, incremental rounds with
 * consistency proofs, watched digests / keys (exit 3), identities and issuers from real Fulcio
 * certificates, bad signatures and rollbacks (exit 1, state untouched), unreachable logs (exit 2), the
 * --json event stream and progress events.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { base64Decode, base64Encode } from '@scriba/sdk';
import { parsePublicKey } from '@scriba/sdk/crypto';
import { parseEntryBody } from '@scriba/sdk/entries';
import { noteVerifierFromPublicKey } from '@scriba/sdk/note';
import { decodeEntryBundle, encodeEntryBundle } from '@scriba/sdk/tiles';
import type { FetchLike } from '@scriba/sdk/tiles/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry, type Signer } from '../../../test/helpers/entries.js';
import { freePort } from '../../../test/helpers/ports.js';
import type { RunningServer } from '../../server/src/main.js';
import { type MonitorEvent, matchEntry, monitorRound, run, type Watch } from '../src/commands/monitor.js';
import { HASH_WORKER_MIN_ENTRIES, useHashWorker } from '../src/monitor/round.js';
import { captureRun } from './helpers/capture.js';
import { runCleanups, startCliTestLog } from './helpers/log-server.js';

let server: RunningServer;
let dir: string;
let trustedRootPath: string;
const cleanups: (() => Promise<void>)[] = [];
const noWatch: Watch = { identities: [], issuers: [], keys: [], digests: [] };
let alice: Signer;

beforeAll(async () => {
  ({
    server,
    dir,
    root: trustedRootPath,
  } = await startCliTestLog('scriba_monitor', 'scriba-monitor-', cleanups));
  alice = newSigner();
});
afterAll(() => runCleanups(cleanups));

async function add(n: number, signer: Signer = newSigner(), artifact?: Uint8Array): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, async () => {
      const r = await postEntry(server.url, hashedRekord(signer, artifact ?? randomBytes(32)));
      expect(r.status).toBe(201);
    }),
  );
}

async function round(
  statePath: string,
  watch: Watch = noWatch,
  opts: { wrongKey?: boolean; url?: string; hashWorker?: boolean; fetch?: FetchLike } = {},
) {
  const events: MonitorEvent[] = [];
  const spki = opts.wrongKey ? parsePublicKey(newSigner().publicKeyPem).spki : server.log.key.spki;
  const v = noteVerifierFromPublicKey(server.log.signer.name, parsePublicKey(spki));
  const r = await monitorRound({
    tilesUrl: opts.url ?? `${server.url}/api/v2`,
    verifiers: async () => [v],
    statePath,
    watch,
    emit: (e) => events.push(e),
    progressEveryMs: 0,
    ...(opts.hashWorker !== undefined ? { hashWorker: opts.hashWorker } : {}),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  return { ...r, events };
}

describe('monitorRound', () => {
  describe('when following a growing, honest log', () => {
    it('catches up, then proves consistency each round, writing the state after each', async () => {
      const state = join(dir, 'honest.json');
      await add(300);
      const first = await round(state);
      expect(first.exit).toBe(0);
      expect(first.events.map((e) => e.event)).toContain('verified');
      expect(first.events.some((e) => e.event === 'progress')).toBe(true);
      const s1 = JSON.parse(await readFile(state, 'utf8'));
      expect(s1.size).toBe((await server.log.state()).treeSize);

      await add(50);
      const second = await round(state);
      expect(second.exit).toBe(0);
      expect(second.events.find((e) => e.event === 'consistent')).toMatchObject({
        oldSize: s1.size,
        newSize: s1.size + 50,
      });

      const third = await round(state); // nothing new
      expect(third.exit).toBe(0);
    });
  });

  // The catch-up's leaf hashing on a worker thread (monitor/leaf-hasher.ts; the built worker script).
  describe('when the leaves are hashed on a worker thread', () => {
    it('reaches the same verified state as hashing inline, from empty and from a previous state', async () => {
      await add(600);
      const inline = join(dir, 'inline.json');
      const worker = join(dir, 'worker.json');
      const a = await round(inline, noWatch, { hashWorker: false });
      const b = await round(worker, noWatch, { hashWorker: true });
      expect([a.exit, b.exit]).toEqual([0, 0]);
      expect(JSON.parse(await readFile(worker, 'utf8'))).toEqual(JSON.parse(await readFile(inline, 'utf8')));
      await add(300);
      const c = await round(inline, noWatch, { hashWorker: false });
      const d = await round(worker, noWatch, { hashWorker: true });
      expect([c.exit, d.exit]).toEqual([0, 0]);
      expect(JSON.parse(await readFile(worker, 'utf8'))).toEqual(JSON.parse(await readFile(inline, 'utf8')));
    });

    it('fails the round (MERKLE_ROOT_MISMATCH, state untouched) when one byte of one entry is changed', async () => {
      await add(300);
      const state = join(dir, 'worker-tampered.json');
      let changed = 0;
      // Entry 5 of the first entry bundle has one byte flipped on its way to the monitor.
      const tampering: FetchLike = async (url, init) => {
        const r = await fetch(url, init);
        if (!/\/tile\/entries\/000(\.p\/\d+)?$/.test(new URL(url).pathname)) return r;
        const bytes = new Uint8Array(await r.arrayBuffer());
        const entries = decodeEntryBundle(bytes);
        entries[5]![10]! ^= 1;
        changed++;
        const out = encodeEntryBundle(entries);
        return { ok: r.ok, status: r.status, arrayBuffer: async () => out.buffer as ArrayBuffer };
      };
      const r = await round(state, noWatch, { hashWorker: true, fetch: tampering });
      expect(changed).toBeGreaterThan(0);
      expect(r.exit).toBe(1);
      expect(r.events.find((e) => e.event === 'failure')).toMatchObject({ code: 'MERKLE_ROOT_MISMATCH' });
      await expect(readFile(state, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
      // The same log, untampered, verifies.
      const ok = await round(state, noWatch, { hashWorker: true });
      expect(ok.exit).toBe(0);
    });
  });

  describe('when hashWorker is left at its default (auto)', () => {
    it('hashes on a worker only for a long catch-up on a host with a second core', () => {
      const long = HASH_WORKER_MIN_ENTRIES;
      expect(useHashWorker('auto', long, 2)).toBe(true);
      expect(useHashWorker('auto', long - 1, 2)).toBe(false);
      expect(useHashWorker('auto', long, 1)).toBe(false);
      expect(useHashWorker('auto', 0, 8)).toBe(false);
      expect(useHashWorker(true, 1, 1)).toBe(true);
      expect(useHashWorker(true, 0, 8)).toBe(false);
      expect(useHashWorker(false, long, 8)).toBe(false);
    });
  });

  describe('when watched digests or keys appear', () => {
    it('reports each match and exits 3 (state still advances)', async () => {
      const state = join(dir, 'watch.json');
      expect((await round(state)).exit).toBe(0);
      const artifact = randomBytes(64);
      const digest = createHash('sha256').update(artifact).digest('hex');
      await add(1, newSigner(), artifact);
      await add(2, alice);
      await add(5);
      const aliceSpki = parsePublicKey(alice.publicKeyPem).spki;
      const r = await round(state, { ...noWatch, digests: [digest], keys: [aliceSpki] });
      expect(r.exit).toBe(3);
      const matches = r.events.filter((e) => e.event === 'match');
      expect(matches).toHaveLength(3);
      expect(matches.flatMap((m) => (m.matched as { type: string }[]).map((x) => x.type)).sort()).toEqual([
        'digest',
        'key',
        'key',
      ]);
      expect(JSON.parse(await readFile(state, 'utf8')).size).toBe(r.size);
    });
  });

  describe('when the checkpoint is not signed by the trusted key', () => {
    it('exits 1 with the checkpoint as evidence and leaves the state untouched', async () => {
      const state = join(dir, 'badsig.json');
      expect((await round(state)).exit).toBe(0);
      const before = await readFile(state, 'utf8');
      await add(3);
      const r = await round(state, noWatch, { wrongKey: true });
      expect(r.exit).toBe(1);
      const f = r.events.find((e) => e.event === 'failure')!;
      expect(f.code).toBe('NOTE_NO_VERIFIED_SIGNATURE');
      expect((f.evidence as { checkpoint: string }).checkpoint).toContain('\n\n— ');
      expect(await readFile(state, 'utf8')).toBe(before);
    });
  });

  describe('when the log is smaller than the verified state (rollback)', () => {
    it('exits 1 (TREE_SHRANK)', async () => {
      const state = join(dir, 'rollback.json');
      expect((await round(state)).exit).toBe(0);
      const s = JSON.parse(await readFile(state, 'utf8'));
      await writeFile(state, JSON.stringify({ ...s, size: s.size + 10 }));
      const r = await round(state);
      expect(r.exit).toBe(1);
      expect(r.events.find((e) => e.event === 'failure')?.code).toBe('TREE_SHRANK');
    });
  });

  describe('when the state file was tampered with', () => {
    it('exits 2 (corrupt state) rather than trusting it', async () => {
      const state = join(dir, 'corrupt.json');
      expect((await round(state)).exit).toBe(0);
      const s = JSON.parse(await readFile(state, 'utf8'));
      await add(2);
      await writeFile(
        state,
        JSON.stringify({ ...s, range: s.range.map(() => base64Encode(new Uint8Array(32))) }),
      );
      expect((await round(state)).exit).toBe(2);
    });
  });

  describe('when the log is unreachable', () => {
    it('exits 2', async () => {
      const r = await round(join(dir, 'down.json'), noWatch, {
        url: `http://127.0.0.1:${await freePort()}/api/v2`,
      });
      expect(r.exit).toBe(2);
      expect(r.events[0]).toMatchObject({ event: 'error', code: 'TILE_FETCH_FAILED' });
    });
  });
});

describe('matchEntry', () => {
  const fixture = (name: string) =>
    JSON.parse(readFileSync(new URL(`../../../test/vectors/sigstore-js/${name}`, import.meta.url), 'utf8'));
  const body = (name: string) =>
    parseEntryBody(base64Decode(fixture(name).verificationMaterial.tlogEntries[0].canonicalizedBody));

  describe('when the entry carries a Fulcio certificate', () => {
    it.each([
      ['verify-fixture.V1.MESSAGE_SIGNATURE.WITH_SIGNING_CERT.json'],
      ['verify-fixture.V1.DSSE.WITH_SIGNING_CERT.TLOG_DSSE.json'],
    ])('%s matches its identity and issuer', (name) => {
      const b = body(name);
      const hits = matchEntry(b, {
        ...noWatch,
        identities: [/@dehamer\.com$/],
        issuers: [/^https:\/\/github\.com\/login\/oauth$/],
      });
      expect(hits.map((h) => h.type).sort()).toEqual(['identity', 'issuer']);
      expect(
        matchEntry(b, { ...noWatch, identities: [/^nobody@example\.com$/], issuers: [/accounts\.google/] }),
      ).toEqual([]);
    });
  });
});

describe('scriba monitor (run)', () => {
  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const { code, stdout, stderr } = await captureRun(run, args);
    return { code, out: stdout, err: stderr };
  }

  describe('when run with --json --once', () => {
    it('prints one JSON object per event and exits 0', async () => {
      const r = await cli([
        '--url',
        server.url,
        '--trusted-root',
        trustedRootPath,
        '--state',
        join(dir, 'cli.json'),
        '--once',
        '--json',
      ]);
      expect(r.code).toBe(0);
      const events = r.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      // The log's one shard, then its round; every event names the shard.
      expect(events[0]).toMatchObject({ event: 'shard', treeId: server.log.treeId, active: true, offset: 0 });
      expect(events[1].event).toBe('checkpoint');
      expect(events.at(-1).event).toBe('verified');
      expect(events.every((e) => e.treeId === server.log.treeId)).toBe(true);
    });
  });

  describe('when a watched digest is logged', () => {
    it('exits 3 and prints the match', async () => {
      const artifact = randomBytes(16);
      await add(1, newSigner(), artifact);
      const digest = createHash('sha256').update(artifact).digest('hex');
      const r = await cli([
        '--url',
        server.url,
        '--trusted-root',
        trustedRootPath,
        '--state',
        join(dir, 'cli.json'),
        '--watch-digest',
        `sha256:${digest}`,
      ]);
      expect(r.code).toBe(3);
      expect(r.out).toContain(`digest=sha256:${digest}`);
    });
  });

  describe('when the usage is wrong', () => {
    it.each([
      [[]],
      [['--url', 'http://x']],
      [['--bogus']],
      [['--url', 'http://x', '--trusted-root', '/nonexistent']],
      [['--url', 'http://x', '--vkey', 'x+00000000+AA', '--watch-digest', 'md5:00']],
    ])('exits 2 for %j', async (args) => {
      expect((await cli(args)).code).toBe(2);
    });
  });
});
