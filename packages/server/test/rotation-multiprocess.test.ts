/**
 * Shard rotation under load (issue 11): two `scriba serve` processes on one PostgreSQL take appends
 * from eight clients while the log is rotated twice by `scriba shard rotate` (once keeping the key,
 * once to a new key both servers hold in SCRIBA_SHARD_KEYS) and once by the servers' size policy
 * (SCRIBA_SHARD_MAX_SIZE). Afterwards: every append was answered 201 (no downtime); every
 * acknowledged entry is stored exactly once, in exactly one shard, at the (tree, index) it was
 * answered with, and nothing unacknowledged was stored; shards are contiguous (global indices);
 * each frozen shard's final checkpoint is signed by its key under its origin, consistent with every
 * checkpoint a client received for that shard, and unchanged by later appends; an entry of a frozen
 * shard posted again is a duplicate pointing at that shard.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePublicKey } from '@scriba/sdk/crypto';
import { verifyConsistency, verifyInclusion } from '@scriba/sdk/merkle';
import { noteVerifierFromPublicKey, verifyCheckpoint } from '@scriba/sdk/note';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { CLI_BIN, type SpawnedServer, spawnServer, tempDir } from '../../../test/helpers/server.js';
import { generateLogKeyPem, type LogKey, parseLogKeyPem } from '../src/keys/logKey.js';
import { Shard } from '../src/log/shard.js';
import { SqlLogStorage } from '../src/storage/log-storage.js';
import { openPostgres } from '../src/storage/postgres.js';

const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const NAME = 'scriba.test';
const MAX_SIZE = 100;
const BATCH = 16;

type Acked = {
  uuid: string;
  treeId: string;
  leafHash: string;
  index: number;
  entry: unknown;
  proof: { treeSize: number; rootHash: string; hashes: string[]; checkpoint: string };
};

type ShardJson = {
  treeId: string;
  origin: string;
  offset: number;
  size: number;
  rootHash: string;
  state: string;
  logId: string;
  checkpoint: string | null;
};

/** Runs `scriba shard ARGS` with `env`; resolves with its exit code and output. */
function scribaShard(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_BIN, 'shard', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('rotation under load from two server processes', () => {
  let servers: SpawnedServer[] = [];
  let env: Record<string, string>;
  let dbUrl: string;
  let key: LogKey;
  let newer: LogKey;
  let newerPath: string;
  const cleanup: (() => Promise<void>)[] = [];
  const acked: Acked[] = [];
  const statuses = new Map<number, number>();
  const rotations: { frozen: ShardJson; active: ShardJson }[] = [];
  const cliFrozen = () => new Set(rotations.map((r) => r.frozen.treeId));

  beforeAll(async () => {
    const db = await createTestDatabase();
    dbUrl = db.url;
    const dir = await tempDir();
    const keyPath = join(dir.path, 'log.pem');
    newerPath = join(dir.path, 'next.pem');
    const pem = generateLogKeyPem();
    const newerPem = generateLogKeyPem();
    key = parseLogKeyPem(pem, 'log');
    newer = parseLogKeyPem(newerPem, 'next');
    await writeFile(keyPath, pem, { mode: 0o600 });
    await writeFile(newerPath, newerPem, { mode: 0o600 });
    env = {
      DATABASE_URL: db.url,
      SCRIBA_DATA_DIR: dir.path,
      SCRIBA_LOG_KEY: keyPath,
      SCRIBA_SHARD_KEYS: newerPath,
      SCRIBA_PUBLIC_URL: `http://${NAME}`,
      SCRIBA_BATCH_MAX_SIZE: String(BATCH),
      SCRIBA_SHARD_MAX_SIZE: String(MAX_SIZE),
      LOG_LEVEL: 'info',
    };
    cleanup.push(db.drop, dir.remove);
    servers = await Promise.all([spawnServer(env), spawnServer({ ...env, SCRIBA_BATCH_PIPELINE: '2' })]);
  });
  afterAll(async () => {
    for (const s of servers) await s.stop('SIGKILL');
    for (const c of cleanup) await c();
  });

  async function shardRows(): Promise<ShardJson[]> {
    const r = await scribaShard(['list', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as ShardJson[];
  }

  it('answers every append (201) while the CLI rotates twice and the size policy once', async () => {
    const signer = newSigner();
    let stop = false;
    const client = async (c: number) => {
      while (!stop) {
        const entry = hashedRekord(signer);
        const r = await postEntry(servers[c % 2]!.url, entry);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status !== 201) continue;
        const [uuid, v] = Object.entries(
          (await r.json()) as Record<
            string,
            { verification: { inclusionProof: Acked['proof'] & { logIndex: number } } }
          >,
        )[0]!;
        const p = v.verification.inclusionProof;
        acked.push({
          uuid,
          treeId: BigInt(`0x${uuid.slice(0, 16)}`).toString(),
          leafHash: uuid.slice(16),
          index: p.logIndex,
          entry,
          proof: p,
        });
      }
    };
    const until = async (n: number) => {
      while (acked.length < n) await new Promise((r) => setTimeout(r, 20));
    };
    const load = Promise.all(Array.from({ length: 8 }, (_, c) => client(c)));
    try {
      await until(40);
      // By the operator, mid-load, keeping the key.
      const first = await scribaShard(['rotate', '--json'], env);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      rotations.push(JSON.parse(first.stdout));
      await until(acked.length + 40);
      // By the operator, to a new key (deployed to both servers' keyrings beforehand).
      const second = await scribaShard(['rotate', '--json', '--key', newerPath], env);
      expect(second.code).toBe(0);
      rotations.push(JSON.parse(second.stdout));
      // The size policy freezes a shard of the new key once a batch leaves it at or above MAX_SIZE
      // (it may have frozen shards before too, whenever one filled up before the CLI ran).
      for (;;) {
        const rows = await shardRows();
        const byPolicy = rows.filter((r) => r.state === 'frozen' && !cliFrozen().has(r.treeId));
        if (byPolicy.some((r) => r.logId === newer.logIdHex) && rows.at(-1)!.size > 10) break;
        await until(acked.length + 20);
      }
    } finally {
      stop = true;
      await load;
    }
    expect([...statuses.keys()]).toEqual([201]);
    for (const r of rotations) {
      expect(r.frozen.state).toBe('frozen');
      expect(r.active).toMatchObject({ state: 'active', size: 0, offset: r.frozen.offset + r.frozen.size });
      expect(r.active.origin).toBe(`${NAME} - ${r.active.treeId}`);
    }
    expect(rotations[0]!.active.logId).toBe(key.logIdHex);
    expect(rotations[1]!.active.logId).toBe(newer.logIdHex);
    expect(servers.map((s) => s.output()).join('\n')).toContain('shard rotated by policy');
  });

  it('stores every acknowledged entry exactly once, in its shard at its index; shards are contiguous', async () => {
    const c = new pg.Client({ connectionString: dbUrl });
    await c.connect();
    try {
      const trees = (
        await c.query(
          `SELECT tree_id::text AS id, tree_size::int AS size, shard_offset::int AS "offset", active
             FROM tree_state ORDER BY shard_offset, active, created_at`,
        )
      ).rows as { id: string; size: number; offset: number; active: boolean }[];
      expect(trees.length).toBeGreaterThanOrEqual(4);
      expect(trees.map((t) => t.id)).toEqual(expect.arrayContaining([...cliFrozen()]));
      expect(trees.filter((t) => t.active)).toHaveLength(1);
      expect(trees.at(-1)!.active).toBe(true);
      expect(trees[0]!.offset).toBe(0);
      for (let i = 1; i < trees.length; i++)
        expect(trees[i]!.offset).toBe(trees[i - 1]!.offset + trees[i - 1]!.size);
      // No shard past the limit by a batch; the ones the policy froze, at or above it.
      for (const t of trees) expect(t.size).toBeLessThan(MAX_SIZE + BATCH);
      const byPolicy = trees.filter((t) => !t.active && !cliFrozen().has(t.id));
      expect(byPolicy.length).toBeGreaterThanOrEqual(1);
      for (const t of byPolicy) expect(t.size).toBeGreaterThanOrEqual(MAX_SIZE);
      // Each tree holds exactly its indices 0..size-1.
      const per = (
        await c.query(
          'SELECT tree_id::text AS id, count(*)::int AS n, min(log_index)::int AS lo, max(log_index)::int AS hi FROM entries GROUP BY tree_id',
        )
      ).rows as { id: string; n: number; lo: number; hi: number }[];
      for (const t of trees.filter((x) => x.size > 0)) {
        expect(per.find((p) => p.id === t.id)).toEqual({ id: t.id, n: t.size, lo: 0, hi: t.size - 1 });
      }
      // Every acknowledged entry, once, where it was answered; and nothing stored unacknowledged.
      const rows = (
        await c.query(
          `SELECT tree_id::text AS t, log_index::int AS i, encode(leaf_hash, 'hex') AS h FROM entries`,
        )
      ).rows as { t: string; i: number; h: string }[];
      const byHash = new Map<string, { t: string; i: number }[]>();
      for (const r of rows) byHash.set(r.h, [...(byHash.get(r.h) ?? []), { t: r.t, i: r.i }]);
      expect(new Set(acked.map((a) => a.uuid)).size).toBe(acked.length);
      for (const a of acked) expect(byHash.get(a.leafHash)).toEqual([{ t: a.treeId, i: a.index }]);
      expect(rows.length).toBe(acked.length);
      const sum = trees.reduce((n, t) => n + t.size, 0);
      expect(sum).toBe(acked.length);
    } finally {
      await c.end();
    }
  });

  it("signs each frozen shard's final checkpoint with its key and keeps it consistent with every checkpoint clients got", async () => {
    const db = openPostgres(dbUrl, 2);
    try {
      const storage = new SqlLogStorage(db);
      const records = await storage.shards();
      const frozen = records.filter((t) => !t.active);
      expect(frozen.length).toBeGreaterThanOrEqual(3);
      for (const t of records) {
        const shardKey = Buffer.from(t.logId).toString('hex') === newer.logIdHex ? newer : key;
        const verifier = noteVerifierFromPublicKey(NAME, parsePublicKey(shardKey.spki));
        const origin = t.origin ?? `${NAME} - ${t.treeId}`;
        const final = (await verifyCheckpoint(t.checkpoint!, [verifier], { origin })).checkpoint;
        expect([final.size, Buffer.from(final.rootHash).toString('hex')]).toEqual([
          t.treeSize,
          Buffer.from(t.rootHash).toString('hex'),
        ]);
        const shard = new Shard(storage, t);
        for (const a of acked.filter((x) => x.treeId === t.treeId)) {
          // The answer's proof verifies against the checkpoint it came with, signed for this shard...
          const cp = (await verifyCheckpoint(a.proof.checkpoint, [verifier], { origin })).checkpoint;
          expect([cp.size, Buffer.from(cp.rootHash).toString('hex')]).toEqual([
            a.proof.treeSize,
            a.proof.rootHash,
          ]);
          verifyInclusion(
            a.index,
            a.proof.treeSize,
            fromHex(a.leafHash),
            a.proof.hashes.map(fromHex),
            fromHex(a.proof.rootHash),
          );
          // ...and that checkpoint is consistent with the shard's final (or latest) one.
          const p = await shard.consistency(a.proof.treeSize, t.treeSize);
          verifyConsistency(a.proof.treeSize, t.treeSize, p.hashes, fromHex(a.proof.rootHash), t.rootHash);
        }
      }
    } finally {
      await db.close();
    }
  });

  it("serves each shard's entries signed with that shard's key, before and after the key change", async () => {
    const rows = await shardRows();
    // An entry of a frozen shard of the first key, and one of a shard of the new key.
    const entryOf = (k: LogKey, frozen: boolean) => {
      const ids = new Set(
        rows.filter((r) => r.logId === k.logIdHex && (r.state === 'frozen') === frozen).map((r) => r.treeId),
      );
      return acked.find((a) => ids.has(a.treeId))!;
    };
    for (const [a, k] of [
      [entryOf(key, true), key],
      [entryOf(newer, false) ?? entryOf(newer, true), newer],
    ] as const) {
      expect(a).toBeDefined();
      for (const s of servers) {
        const r = await fetch(`${s.url}/api/v1/log/entries/${a.uuid}`);
        expect(r.status).toBe(200);
        const v = Object.values((await r.json()) as Record<string, { logID: string }>)[0]!;
        expect(v.logID).toBe(k.logIdHex);
      }
    }
  });

  it('keeps frozen shards unchanged and answers their entries as duplicates pointing at them', async () => {
    const before = await shardRows();
    // What each CLI rotation reported as final is still the shard's state.
    for (const r of rotations) {
      const now = before.find((s) => s.treeId === r.frozen.treeId)!;
      expect(now).toMatchObject({
        state: 'frozen',
        size: r.frozen.size,
        rootHash: r.frozen.rootHash,
        checkpoint: r.frozen.checkpoint,
      });
    }
    // The first entry acknowledged: its shard was frozen since.
    const old = acked[0]!;
    expect(before.find((s) => s.treeId === old.treeId)?.state).toBe('frozen');
    for (const s of servers) {
      const r = await postEntry(s.url, old.entry);
      expect(r.status).toBe(409);
      expect(r.headers.get('location')).toBe(`/api/v1/log/entries/${old.uuid}`);
    }
    const signer = newSigner();
    for (let i = 0; i < 10; i++)
      expect((await postEntry(servers[i % 2]!.url, hashedRekord(signer))).status).toBe(201);
    const after = await shardRows();
    // (The policy may have frozen the active shard meanwhile: only the shards frozen before are compared.)
    const frozenBefore = before.filter((s) => s.state === 'frozen');
    expect(after.slice(0, frozenBefore.length)).toEqual(frozenBefore);
    const total = (rows: ShardJson[]) => rows.reduce((n, s) => n + s.size, 0);
    expect(total(after)).toBe(total(before) + 10);
  });
});
