/**
 * Shard rotation at the storage port and in the log core (issue 11), on real PostgreSQL: rotate is
 * one atomic step that only one of several racing processes wins; a batch for a rotated tree writes
 * nothing (TreeNotActiveError); a log service that did not rotate follows (the same batch re-run on
 * the new active tree) and signs each shard with that shard's key; a process lacking the key refuses
 * appends with 503; duplicates are found across shards; the size policy rotates by itself.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePublicKey } from '@scriba/sdk/crypto';
import { EMPTY_ROOT, verifyConsistency, verifyInclusion } from '@scriba/sdk/merkle';
import { noteVerifierFromPublicKey, verifyCheckpoint } from '@scriba/sdk/note';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { startTestServer, tempDir } from '../../../test/helpers/server.js';
import { parseShardPeriod } from '../src/config.js';
import { Keyring } from '../src/keys/keyring.js';
import { generateLogKeyPem, type LogKey, parseLogKeyPem } from '../src/keys/logKey.js';
import { checkpointSigner } from '../src/log/checkpoint.js';
import { Metrics } from '../src/log/metrics.js';
import { nextShard, type RotationPolicy, rotateShard, rotationDue } from '../src/log/rotation.js';
import { type AppendResult, LogError, LogService, type ShardEvent } from '../src/log/service.js';
import { type TreeId, TreeNotActiveError } from '../src/log/storage.js';
import { SqlLogStorage } from '../src/storage/log-storage.js';
import { migrate } from '../src/storage/migrate.js';
import { openPostgres } from '../src/storage/postgres.js';
import type { Db } from '../src/storage/types.js';
import { fakeEntry } from './fixtures.js';

const NAME = 'shards.test';
const newKey = (): LogKey => parseLogKeyPem(generateLogKeyPem(), 'test');

type Fixture = { url: string; drop(): Promise<void>; dbs: Db[] };

async function freshDatabase(): Promise<Fixture> {
  const t = await createTestDatabase();
  const db = openPostgres(t.url, 4);
  await migrate(db);
  return { ...t, dbs: [db] };
}

/** A log service on its own connection pool (as a separate process would be). */
async function openLog(
  fx: Fixture,
  keyring: Keyring,
  opts: { policy?: RotationPolicy; events?: ShardEvent[]; maxBatchSize?: number } = {},
): Promise<LogService> {
  const db = openPostgres(fx.url, 4);
  fx.dbs.push(db);
  const storage = new SqlLogStorage(db);
  const { treeId, record, key } = await LogService.treeOrigin(storage, keyring);
  const signer = await checkpointSigner(key, NAME, record.origin ?? `${NAME} - ${treeId}`);
  const log = new LogService(
    storage,
    treeId,
    keyring.primary,
    signer,
    new Metrics(),
    { maxBatchSize: opts.maxBatchSize ?? 64, maxWaitMs: 0 },
    { keyring, ...(opts.policy ? { policy: opts.policy } : {}) },
  );
  if (opts.events) {
    const events = opts.events;
    log.onShardEvent = (e) => events.push(e);
  }
  await log.init();
  return log;
}

async function closeAll(fx: Fixture): Promise<void> {
  for (const db of fx.dbs) await db.close();
  await fx.drop();
}

const created = (r: AppendResult) => {
  if (r.kind !== 'created') throw new Error(`expected a new entry, got ${r.kind}`);
  return r;
};

/** Verifies a checkpoint note with `key` under `origin`; returns its size and root. */
async function checkpointOf(note: string, key: LogKey, origin: string) {
  const verifier = noteVerifierFromPublicKey(NAME, parsePublicKey(key.spki));
  return (await verifyCheckpoint(note, [verifier], { origin })).checkpoint;
}

describe('LogStorage.rotate', () => {
  let fx: Fixture;
  let storage: SqlLogStorage;
  const key = newKey();
  beforeAll(async () => {
    fx = await freshDatabase();
    storage = new SqlLogStorage(fx.dbs[0]!);
  });
  afterAll(() => closeAll(fx));

  it('freezes the active tree and starts an empty one at offset = old size, with its signed empty checkpoint', async () => {
    const log = await openLog(fx, new Keyring(key));
    for (let i = 0; i < 3; i++) created(await log.append(fakeEntry()));
    const before = await storage.tree(log.treeId);
    const { frozen, active } = await rotateShard(storage, { key, logName: NAME });
    expect(frozen).toMatchObject({ treeId: before.treeId, active: false, treeSize: 3 });
    expect(frozen.checkpoint).toBe(before.checkpoint);
    expect(frozen.frozenAt).toBeInstanceOf(Date);
    expect(active).toMatchObject({
      active: true,
      treeSize: 0,
      shardOffset: 3,
      origin: `${NAME} - ${active.treeId}`,
    });
    const cp = await checkpointOf(active.checkpoint!, key, `${NAME} - ${active.treeId}`);
    expect([cp.size, Buffer.from(cp.rootHash).toString('hex')]).toEqual([
      0,
      Buffer.from(EMPTY_ROOT).toString('hex'),
    ]);
    const list = await storage.shards();
    expect(list.map((t) => [t.treeId, t.active])).toEqual([
      [frozen.treeId, false],
      [active.treeId, true],
    ]);
  });

  it('refuses a batch for a rotated tree before planning it (TreeNotActiveError), writing nothing', async () => {
    const [frozen] = await storage.shards();
    let planned = false;
    await expect(
      storage.appendBatch(frozen!.treeId, [], async () => {
        planned = true;
        return { write: undefined, result: undefined };
      }),
    ).rejects.toBeInstanceOf(TreeNotActiveError);
    expect(planned).toBe(false);
    expect(await storage.tree(frozen!.treeId)).toMatchObject({ treeSize: frozen!.treeSize });
  });

  it('lets exactly one of two processes racing with the same fromTreeId rotate', async () => {
    const other = new SqlLogStorage(openPostgres(fx.url, 2));
    try {
      for (let round = 0; round < 5; round++) {
        const from = (await storage.shards()).find((t) => t.active)!.treeId;
        const outcomes = await Promise.allSettled([
          storage.rotate(await nextShard(key, NAME), from),
          other.rotate(await nextShard(key, NAME), from),
        ]);
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o) => o.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(TreeNotActiveError);
        const list = await storage.shards();
        expect(list.filter((t) => t.active)).toHaveLength(1);
        expect(list.filter((t) => t.treeId === from)[0]!.active).toBe(false);
      }
      // Offsets stay contiguous: each tree starts where the one before ended.
      const list = await storage.shards();
      for (let i = 1; i < list.length; i++) {
        expect(list[i]!.shardOffset).toBe(list[i - 1]!.shardOffset + list[i - 1]!.treeSize);
      }
    } finally {
      await (other as unknown as { db: Db }).db.close();
    }
  });

  it('keeps windows in rotation order when a rotation waited for another (its transaction began first)', async () => {
    // A rotation whose transaction began before another rotation committed (it waited behind it):
    // its shard's window must still start after the shard it froze started, and the list stay in
    // rotation order (two empty shards share an offset).
    const base = openPostgres(fx.url, 2);
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    let begun!: () => void;
    const started = new Promise<void>((r) => {
      begun = r;
    });
    const gated: Db = {
      ...base,
      transaction: (fn, opening) =>
        base.transaction(async (tx, results) => {
          await tx.query('SELECT now()'); // the transaction's start time is fixed from here
          begun();
          await gate;
          return fn(tx, results);
        }, opening),
    };
    try {
      const late = new SqlLogStorage(gated).rotate(await nextShard(key, NAME));
      await started;
      await new Promise((r) => setTimeout(r, 20));
      const first = await storage.rotate(await nextShard(key, NAME));
      open();
      const second = await late;
      expect(second.frozen.treeId).toBe(first.active.treeId);
      const list = await storage.shards();
      expect(list.slice(-3).map((t) => t.treeId)).toEqual([
        first.frozen.treeId,
        first.active.treeId,
        second.active.treeId,
      ]);
      for (const t of list) {
        if (t.frozenAt) expect(t.frozenAt.getTime()).toBeGreaterThanOrEqual(t.createdAt.getTime());
      }
      for (let i = 1; i < list.length; i++) {
        expect(list[i]!.createdAt.getTime()).toBeGreaterThanOrEqual(list[i - 1]!.createdAt.getTime());
        expect(list[i]!.createdAt.getTime()).toBe(list[i - 1]!.frozenAt!.getTime());
      }
    } finally {
      open();
      await base.close();
    }
  });
});

describe('a log service on a rotated database', () => {
  let fx: Fixture;
  const key = newKey();
  const newer = newKey();
  beforeAll(async () => {
    fx = await freshDatabase();
  });
  afterAll(() => closeAll(fx));

  it('follows a rotation by another process: the same batch lands once, on the new tree, signed for it', async () => {
    const events: ShardEvent[] = [];
    const a = await openLog(fx, new Keyring(key, [newer]), { events });
    const b = await openLog(fx, new Keyring(key, [newer]));
    const first = created(await a.append(fakeEntry()));
    const oldTree = a.treeId;
    // B rotates to a new key; A does not know yet (its sequencer still targets the old tree).
    const { frozen, active } = await b.rotate({ key: newer });
    expect(frozen.treeId).toBe(oldTree);
    expect(a.sequencer.treeId).toBe(oldTree);
    const entries = Array.from({ length: 10 }, () => fakeEntry());
    const results = (await Promise.all(entries.map((e) => a.append(e)))).map(created);
    for (const [i, r] of results.entries()) {
      expect([r.treeId, r.offset]).toEqual([active.treeId, 1]);
      verifyInclusion(r.index, r.proof.treeSize, entries[i]!.leafHash, r.proof.hashes, r.proof.rootHash);
      // The new shard's checkpoints carry its origin and are signed with its key (not the old one).
      const cp = await checkpointOf(r.proof.checkpoint, newer, `${NAME} - ${active.treeId}`);
      expect(cp.size).toBe(r.proof.treeSize);
      await expect(checkpointOf(r.proof.checkpoint, key, `${NAME} - ${active.treeId}`)).rejects.toThrow(
        'note has no verifiable signatures',
      );
    }
    expect(new Set(results.map((r) => r.index))).toEqual(new Set(Array.from({ length: 10 }, (_, i) => i)));
    expect(a.treeId).toBe(active.treeId);
    expect(a.metrics.batchesRetargeted).toBeGreaterThan(0);
    expect(events).toContainEqual({ kind: 'switched', from: oldTree, to: active.treeId });
    // The frozen tree kept its one entry and final checkpoint.
    const f = await a.storage.tree(oldTree);
    expect([f.treeSize, f.checkpoint]).toEqual([1, frozen.checkpoint]);
    expect(first.treeId).toBe(oldTree);
  });

  it('answers an entry of the frozen shard as a duplicate pointing at the frozen shard', async () => {
    const a = await openLog(fx, new Keyring(key, [newer]));
    const e = fakeEntry();
    const r = created(await a.append(e));
    const { active } = await a.rotate();
    const again = await a.append(e);
    expect(again).toMatchObject({ kind: 'duplicate', treeId: r.treeId, offset: r.offset, index: r.index });
    expect(a.treeId).toBe(active.treeId);
    // Found by leaf hash across shards, with a proof against the frozen shard's checkpoint.
    const [found] = await a.entriesByLeafHash([e.leafHash]);
    expect(found).toMatchObject({ treeId: r.treeId, offset: r.offset });
  });

  it("refuses appends with 503 when its keyring lacks the active shard's key, and says so once", async () => {
    const events: ShardEvent[] = [];
    const lacking = await openLog(fx, new Keyring(key, [newer]), { events });
    const b = await openLog(fx, new Keyring(key, [newer]));
    const stranger = newKey();
    const { active } = await b.rotate({ key: stranger });
    for (let i = 0; i < 2; i++) {
      const err = await lacking.append(fakeEntry()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LogError);
      expect(err).toMatchObject({ status: 503, reason: 'SHARD_KEY_MISSING' });
      expect((err as Error).message).toContain(active.treeId);
    }
    expect(events.filter((e) => e.kind === 'key-missing')).toEqual([
      { kind: 'key-missing', treeId: active.treeId, logId: Buffer.from(active.logId).toString('hex') },
    ]);
    // Nothing was written; a process that holds the key appends, and one without it cannot start.
    expect((await lacking.storage.tree(active.treeId)).treeSize).toBe(0);
    await expect(openLog(fx, new Keyring(key, [newer]))).rejects.toThrow(/does not hold the key/);
    const holder = await openLog(fx, new Keyring(key, [stranger]));
    const r = created(await holder.append(fakeEntry()));
    expect(r.treeId).toBe(active.treeId);
    await checkpointOf(r.proof.checkpoint, stranger, `${NAME} - ${active.treeId}`);
  });
});

describe('an append to a server lacking the active shard key, over HTTP', () => {
  it('is answered 503 SHARD_KEY_MISSING with Retry-After, and nothing is logged', async () => {
    const fx = await freshDatabase();
    const pem = generateLogKeyPem();
    const dir = await tempDir();
    const keyPath = join(dir.path, 'log.pem');
    await writeFile(keyPath, pem, { mode: 0o600 });
    const server = await startTestServer({
      DATABASE_URL: fx.url,
      SCRIBA_LOG_KEY: keyPath,
      SCRIBA_DATA_DIR: dir.path,
    });
    try {
      expect((await postEntry(server.url, hashedRekord(newSigner()))).status).toBe(201);
      const { active } = await rotateShard(new SqlLogStorage(fx.dbs[0]!), { key: newKey(), logName: NAME });
      const r = await postEntry(server.url, hashedRekord(newSigner()));
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('1');
      expect(await r.json()).toMatchObject({ code: 503, reason: 'SHARD_KEY_MISSING' });
      expect((await new SqlLogStorage(fx.dbs[0]!).tree(active.treeId)).treeSize).toBe(0);
    } finally {
      await server.close();
      await closeAll(fx);
      await dir.remove();
    }
  });
});

describe('the rotation policy', () => {
  let fx: Fixture;
  const key = newKey();
  beforeAll(async () => {
    fx = await freshDatabase();
  });
  afterAll(() => closeAll(fx));

  it('rotates once a batch leaves the shard at or above SCRIBA_SHARD_MAX_SIZE; the frozen shard keeps its proofs', async () => {
    const events: ShardEvent[] = [];
    const log = await openLog(fx, new Keyring(key), { policy: { maxSize: 4 }, events });
    const trees = new Map<TreeId, number>();
    const seen: { treeId: TreeId; size: number; root: Uint8Array }[] = [];
    for (let i = 0; i < 10; i++) {
      const r = created(await log.append(fakeEntry()));
      trees.set(r.treeId, (trees.get(r.treeId) ?? 0) + 1);
      seen.push({ treeId: r.treeId, size: r.proof.treeSize, root: r.proof.rootHash });
      // Let a rotation the batch triggered finish before the next append (sequential writer).
      await (log as unknown as { rotating?: Promise<void> }).rotating;
    }
    expect([...trees.values()]).toEqual([4, 4, 2]);
    expect(events.filter((e) => e.kind === 'rotated')).toHaveLength(2);
    const shards = await log.shards(true);
    expect(shards.map((s) => [s.offset, s.record.treeSize, s.active])).toEqual([
      [0, 4, false],
      [4, 4, false],
      [8, 2, true],
    ]);
    // Every checkpoint a client received for a frozen shard is consistent with its final one.
    for (const s of shards.filter((x) => !x.active)) {
      const final = await s.state();
      for (const c of seen.filter((x) => x.treeId === s.treeId)) {
        const p = await s.consistency(c.size, final.treeSize);
        verifyConsistency(c.size, final.treeSize, p.hashes, c.root, final.rootHash);
      }
    }
  });

  it('lets a shard exceed SCRIBA_SHARD_MAX_SIZE by one batch at most: a full shard refuses the next batch, which lands on the next shard', async () => {
    const own = await freshDatabase();
    try {
      await limitedByOneBatch(
        await openLog(own, new Keyring(key), { policy: { maxSize: 4 }, maxBatchSize: 2 }),
      );
    } finally {
      await closeAll(own);
    }
  });

  async function limitedByOneBatch(log: LogService): Promise<void> {
    const start = (await log.shards(true)).length;
    expect(start).toBe(1);
    for (let i = 0; i < 3; i++) created(await log.append(fakeEntry()));
    // Batches of two: the first crosses the limit (size 5); the ones queued behind it may not.
    const results = (await Promise.all(Array.from({ length: 6 }, () => log.append(fakeEntry())))).map(
      created,
    );
    const shards = (await log.shards(true)).slice(start - 1);
    expect(shards[0]!.record).toMatchObject({ active: false, treeSize: 5 });
    expect(results.filter((r) => r.treeId === shards[0]!.treeId)).toHaveLength(2);
    expect(shards.slice(1).reduce((n, s) => n + s.record.treeSize, 0)).toBe(4);
    for (const s of shards) expect(s.record.treeSize).toBeLessThanOrEqual(5);
  }

  it('rotates by period on its timer, without appends, and stops with close()', async () => {
    const events: ShardEvent[] = [];
    const db = openPostgres(fx.url, 2);
    fx.dbs.push(db);
    const storage = new SqlLogStorage(db);
    const keyring = new Keyring(key);
    const { treeId, record } = await LogService.treeOrigin(storage, keyring);
    const signer = await checkpointSigner(key, NAME, record.origin ?? `${NAME} - ${treeId}`);
    // An age of 1 ms: every check finds the active shard due.
    const log = new LogService(
      storage,
      treeId,
      key,
      signer,
      new Metrics(),
      { maxBatchSize: 8, maxWaitMs: 0 },
      { keyring, policy: { period: { kind: 'age', ms: 1 } }, checkIntervalMs: 100 },
    );
    log.onShardEvent = (e) => events.push(e);
    await log.init();
    const before = (await storage.shards()).length;
    log.startPolicy();
    while (events.filter((e) => e.kind === 'rotated').length < 2) await new Promise((r) => setTimeout(r, 20));
    await log.close();
    const rotated = events.filter((e) => e.kind === 'rotated');
    expect(rotated[0]).toMatchObject({ by: 'policy', reason: expect.stringMatching(/age/) });
    const after = (await storage.shards()).length;
    expect(after).toBeGreaterThanOrEqual(before + 2);
    await new Promise((r) => setTimeout(r, 300));
    expect((await storage.shards()).length).toBe(after);
    // The active shard is the last one created, and appends go there.
    const r = created(await log.append(fakeEntry()));
    expect(r.treeId).toBe((await storage.shards()).at(-1)!.treeId);
  });

  it('decides by size, calendar and age', () => {
    const created = new Date('2025-12-31T23:00:00Z');
    const at = (iso: string) => new Date(iso);
    const yearly: RotationPolicy = { period: parseShardPeriod('yearly') };
    const monthly: RotationPolicy = { period: parseShardPeriod('monthly') };
    const twoDays: RotationPolicy = { period: parseShardPeriod('2d') };
    const shard = { treeSize: 10, createdAt: created };
    expect(rotationDue(shard, yearly, at('2025-12-31T23:59:59Z'))).toBeUndefined();
    expect(rotationDue(shard, yearly, at('2026-01-01T00:00:00Z'))).toMatch(/new year/);
    expect(
      rotationDue({ ...shard, createdAt: at('2026-01-01T00:00:00Z') }, monthly, at('2026-01-31T23:59:59Z')),
    ).toBeUndefined();
    expect(
      rotationDue({ ...shard, createdAt: at('2026-01-31T00:00:00Z') }, monthly, at('2026-02-01T00:00:00Z')),
    ).toMatch(/new month/);
    expect(rotationDue(shard, twoDays, at('2026-01-02T22:59:59Z'))).toBeUndefined();
    expect(rotationDue(shard, twoDays, at('2026-01-02T23:00:00Z'))).toMatch(/age/);
    expect(rotationDue(shard, { maxSize: 11 }, at('2030-01-01T00:00:00Z'))).toBeUndefined();
    expect(rotationDue(shard, { maxSize: 10 }, at('2020-01-01T00:00:00Z'))).toMatch(/size 10/);
    expect(() => parseShardPeriod('weekly')).toThrow(/SCRIBA_SHARD_PERIOD/);
    expect(() => parseShardPeriod('0d')).toThrow(/SCRIBA_SHARD_PERIOD/);
  });
});
