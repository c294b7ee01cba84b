import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootFromLeafHashes } from '@scriba/sdk/merkle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import type { ValidatedEntry } from '../src/entries/index.js';
import { generateLogKeyPem, parseLogKeyPem } from '../src/keys/logKey.js';
import { checkpointSigner } from '../src/log/checkpoint.js';
import { Metrics } from '../src/log/metrics.js';
import { LogService } from '../src/log/service.js';
import { SqlLogStorage } from '../src/storage/log-storage.js';
import { migrate } from '../src/storage/migrate.js';
import { openPglite } from '../src/storage/pglite.js';
import { openPostgres } from '../src/storage/postgres.js';
import type { Db } from '../src/storage/types.js';
import { fakeEntry } from './fixtures.js';

/**
 * A batch planned ahead of the tree lock (log/sequencer.ts appendPlannedAhead, storage
 * appendPredicted): one round trip when the tree is where this process left it; otherwise nothing
 * is written by it and the batch is planned under the lock — another process's entries in between,
 * an entry already in the log, repeats within the batch.
 */
describe('a batch planned ahead of the lock', () => {
  let drop: () => Promise<void>;
  let url: string;
  const dbs: Db[] = [];
  let a: LogService;
  let b: LogService;
  const calls = { transaction: 0, commitInOne: 0 };
  /** Predicted writes in flight at once, at most (a batch planned on top of one not yet answered). */
  let inFlight = 0;
  let maxInFlight = 0;
  let storageA: SqlLogStorage;
  /** When set, a predicted write waits (up to 3 s) for a second one before it goes out. */
  let pairUp = false;
  let paired: (() => void) | undefined;

  /** A process: its own pool and log service on the shared database and tree. */
  async function process(url: string, counted: boolean, planAhead?: 0 | 1 | 2): Promise<LogService> {
    const raw = openPostgres(url, 2);
    dbs.push(raw);
    const db: Db = counted
      ? {
          ...raw,
          transaction: (fn, opening) => {
            calls.transaction++;
            return raw.transaction(fn, opening);
          },
          commitInOne: async (opening, sql, params) => {
            calls.commitInOne++;
            maxInFlight = Math.max(maxInFlight, ++inFlight);
            if (pairUp) {
              if (paired) paired();
              else
                await new Promise<void>((resolve) => {
                  const t = setTimeout(resolve, 3000);
                  paired = () => {
                    clearTimeout(t);
                    resolve();
                  };
                });
              pairUp = false;
              paired = undefined;
            }
            try {
              return await raw.commitInOne(opening, sql, params);
            } finally {
              inFlight--;
            }
          },
        }
      : raw;
    const storage = new SqlLogStorage(db);
    if (counted) storageA = storage;
    const { treeId } = await LogService.treeOrigin(storage, key);
    const signer = await checkpointSigner(key, 'example.test', `example.test - ${treeId}`);
    const log = new LogService(storage, treeId, key, signer, new Metrics(), {
      maxBatchSize: 64,
      maxWaitMs: 0,
      planAhead,
    });
    await log.init();
    return log;
  }
  const key = parseLogKeyPem(generateLogKeyPem(), 'test');

  /** Every entry's leaf hash in index order, the stored root and size: the tree as stored. */
  async function storedTree() {
    const db = dbs[0]!;
    const { rows } = await db.query<{ leaf_hash: Uint8Array }>(
      'SELECT leaf_hash FROM entries ORDER BY log_index',
    );
    const state = await db.query<{ tree_size: string; root_hash: Uint8Array }>(
      'SELECT tree_size, root_hash FROM tree_state WHERE active',
    );
    return {
      leaves: rows.map((r) => new Uint8Array(r.leaf_hash)),
      size: Number(state.rows[0]!.tree_size),
      root: new Uint8Array(state.rows[0]!.root_hash),
    };
  }
  async function expectConsistentTree(size: number) {
    const t = await storedTree();
    expect(t.size).toBe(size);
    expect(t.leaves.length).toBe(size);
    expect(Buffer.from(rootFromLeafHashes(t.leaves)).toString('hex')).toBe(
      Buffer.from(t.root).toString('hex'),
    );
  }
  const created = async (log: LogService, e: ValidatedEntry) => {
    const r = await log.append(e);
    expect(r.kind).toBe('created');
    return r as Extract<typeof r, { kind: 'created' }>;
  };

  beforeAll(async () => {
    const t = await createTestDatabase();
    drop = t.drop;
    url = t.url;
    const db = openPostgres(t.url, 1);
    await migrate(db);
    await db.close();
    a = await process(t.url, true);
    b = await process(t.url, false);
  });
  afterAll(async () => {
    for (const db of dbs) await db.close();
    await drop?.();
  });

  it('commits in one round trip (no separate lock round trip) when the tree is where it left it', async () => {
    await created(a, fakeEntry()); // the first batch reads the tree under the lock
    calls.transaction = 0;
    calls.commitInOne = 0;
    for (let i = 0; i < 3; i++) expect((await created(a, fakeEntry())).index).toBe(1 + i);
    expect(calls).toEqual({ transaction: 0, commitInOne: 3 });
    await expectConsistentTree(4);
  });

  it("writes nothing when another process appended meanwhile; the batch lands after the other's entries", async () => {
    for (let i = 0; i < 3; i++) expect((await created(b, fakeEntry())).index).toBe(4 + i);
    calls.transaction = 0;
    calls.commitInOne = 0;
    const r = await created(a, fakeEntry());
    expect(r.index).toBe(7);
    expect(calls).toEqual({ transaction: 1, commitInOne: 1 }); // tried ahead, then under the lock
    await expectConsistentTree(8);
    // ...plans under the lock once more (the last batch found the tree moved), then ahead again.
    expect((await created(a, fakeEntry())).index).toBe(8);
    expect((await created(a, fakeEntry())).index).toBe(9);
    expect(calls).toEqual({ transaction: 2, commitInOne: 2 });
    await expectConsistentTree(10);
  });

  it('refuses an entry already in the log as a duplicate of it, exactly, also when planned ahead', async () => {
    const x = fakeEntry();
    const first = await created(a, x);
    calls.transaction = 0;
    calls.commitInOne = 0;
    const again = await a.append(x);
    expect(again).toMatchObject({ kind: 'duplicate', index: first.index });
    expect(calls.commitInOne).toBe(1); // the prediction (nothing in the log) failed: nothing written
    await expectConsistentTree(first.index + 1);
    // An entry another process appended is a duplicate too, wherever this process's plan stood.
    const y = fakeEntry();
    const byB = await created(b, y);
    expect(await a.append(y)).toMatchObject({ kind: 'duplicate', index: byB.index });
    await expectConsistentTree(byB.index + 1);
  });

  it('counts a repeat within a planned-ahead batch as a duplicate of its first occurrence', async () => {
    const size = (await storedTree()).size;
    await created(a, fakeEntry()); // plan ahead again from here
    calls.commitInOne = 0;
    const z = fakeEntry();
    const w = fakeEntry();
    const [r1, r2, r3] = await Promise.all([a.append(z), a.append(w), a.append(z)]);
    expect(calls.commitInOne).toBeGreaterThan(0);
    expect(r1).toMatchObject({ kind: 'created', index: size + 1 });
    expect(r2).toMatchObject({ kind: 'created', index: size + 2 });
    expect(r3).toMatchObject({ kind: 'duplicate', index: size + 1 });
    await expectConsistentTree(size + 3);
  });

  it('refuses a planned write whose tree has the expected size but another root, writing nothing', async () => {
    const before = await storedTree();
    const e = fakeEntry();
    const wrongRoot = new Uint8Array(32).fill(7);
    const ok = await storageA.appendPredicted(
      a.active.treeId,
      { size: before.size, rootHash: wrongRoot },
      {
        treeSize: before.size + 1,
        rootHash: new Uint8Array(32),
        checkpoint: 'not a checkpoint',
        integratedTime: 1,
        entries: [
          {
            index: before.size,
            leafHashHex: Buffer.from(e.leafHash).toString('hex'),
            kind: e.kind,
            apiVersion: e.apiVersion,
            body: e.body,
            searchKeys: [],
            set: new Uint8Array(8),
          },
        ],
        tiles: [],
        summaries: [],
      },
    );
    expect(ok).toBe(false);
    await expectConsistentTree(before.size);
  });

  it('plans a batch on top of one not yet answered; every entry lands once, in order, the tree consistent', async () => {
    await created(a, fakeEntry());
    const size = (await storedTree()).size;
    maxInFlight = 0;
    pairUp = true; // the first batch's write waits for the second's: both are in flight at once
    const entries = Array.from({ length: 120 }, () => fakeEntry());
    const results = await Promise.all(entries.map((e) => a.append(e)));
    expect(results.every((r) => r.kind === 'created')).toBe(true);
    const indices = results.map((r) => (r as { index: number }).index).sort((x, y) => x - y);
    expect(indices).toEqual(Array.from({ length: 120 }, (_, i) => size + i));
    expect(maxInFlight).toBe(2);
    await expectConsistentTree(size + 120);
  });

  it('falls back for a batch planned on top of one whose prediction failed; nothing is lost or doubled', async () => {
    await created(a, fakeEntry());
    for (let i = 0; i < 2; i++) await created(b, fakeEntry()); // a's plans will not hold
    const size = (await storedTree()).size;
    const entries = Array.from({ length: 120 }, () => fakeEntry());
    const results = await Promise.all(entries.map((e) => a.append(e)));
    expect(results.every((r) => r.kind === 'created')).toBe(true);
    const indices = results.map((r) => (r as { index: number }).index).sort((x, y) => x - y);
    expect(indices).toEqual(Array.from({ length: 120 }, (_, i) => size + i));
    await expectConsistentTree(size + 120);
  });

  it('plans every batch under the lock with planAhead 0 (SCRIBA_BATCH_PLAN_AHEAD=0)', async () => {
    const c = await process(url, true, 0);
    await created(c, fakeEntry());
    calls.transaction = 0;
    calls.commitInOne = 0;
    for (let i = 0; i < 3; i++) await created(c, fakeEntry());
    expect(calls).toEqual({ transaction: 3, commitInOne: 0 });
  });
});

/** The embedded default (PGlite): a planned write in its one transaction, a failed prediction. */
describe('a batch planned ahead on PGlite', () => {
  let dir: string;
  let db: Db;
  let log: LogService;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scriba-plan-ahead-'));
    db = await openPglite(dir);
    await migrate(db);
    const key = parseLogKeyPem(generateLogKeyPem(), 'test');
    const storage = new SqlLogStorage(db);
    const { treeId } = await LogService.treeOrigin(storage, key);
    const signer = await checkpointSigner(key, 'example.test', `example.test - ${treeId}`);
    log = new LogService(storage, treeId, key, signer, new Metrics(), { maxBatchSize: 64, maxWaitMs: 0 });
    await log.init();
  });
  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('appends planned ahead and refuses an entry already in the log as its duplicate', async () => {
    const x = fakeEntry();
    const results = [];
    for (const e of [fakeEntry(), x, fakeEntry()]) results.push(await log.append(e));
    expect(results.map((r) => r.kind)).toEqual(['created', 'created', 'created']);
    expect(log.metrics.batchesPlannedAhead).toBe(2);
    expect(await log.append(x)).toMatchObject({ kind: 'duplicate', index: 1 });
    expect(log.metrics.batchesPlanMissed).toBe(1);
    expect(await log.append(fakeEntry())).toMatchObject({ kind: 'created', index: 3 });
  });
});
