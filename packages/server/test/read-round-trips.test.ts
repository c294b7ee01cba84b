import { verifyConsistency, verifyInclusion } from '@scriba/sdk/merkle';
import { TileNodeCache } from '@scriba/sdk/tiles';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { callNames, recordingStorage, type StorageCall } from '../../../test/helpers/recording-storage.js';
import { generateLogKeyPem, parseLogKeyPem } from '../src/keys/logKey.js';
import { checkpointSigner } from '../src/log/checkpoint.js';
import { Metrics } from '../src/log/metrics.js';
import { LogService } from '../src/log/service.js';
import { HEAD_TTL_MS } from '../src/log/shard.js';
import type { LogStorage } from '../src/log/storage.js';
import { SqlLogStorage } from '../src/storage/log-storage.js';
import { migrate } from '../src/storage/migrate.js';
import { openPostgres } from '../src/storage/postgres.js';
import type { Db } from '../src/storage/types.js';
import { fakeEntry } from './fixtures.js';

describe('reads of an entry', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let log: LogService;
  let other: LogService;
  let calls: StorageCall[];
  let counted: LogStorage;
  let treeId: string;
  const make = (storage: LogStorage) =>
    LogService.treeOrigin(storage, key).then(
      async () =>
        new LogService(
          storage,
          treeId,
          key,
          await checkpointSigner(key, 'example.test', `example.test - ${treeId}`),
          new Metrics(),
          { maxBatchSize: 10_000, maxWaitMs: 0 },
        ),
    );
  const key = parseLogKeyPem(generateLogKeyPem(), 'test');
  const leaves: Uint8Array[] = [];
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // The storage calls a read made. The shard list is re-read once a second beside requests (never
  // awaited by them), so a slow run may see that listing in any window: it is not the read's.
  const readCalls = () => callNames(calls).filter((c) => c !== 'shards');

  beforeAll(async () => {
    const t = await createTestDatabase();
    drop = t.drop;
    db = openPostgres(t.url, 4);
    await migrate(db);
    const c = recordingStorage(new SqlLogStorage(db));
    calls = c.calls;
    counted = c.storage;
    ({ treeId } = await LogService.treeOrigin(counted, key));
    log = await make(counted);
    // A second process on the same database (its own storage, its own caches).
    other = await make(new SqlLogStorage(db));
    await log.init();
    await other.init();
    for (const n of [1, 300, 5]) {
      const entries = Array.from({ length: n }, () => fakeEntry());
      await Promise.all(entries.map((e) => log.append(e)));
      leaves.push(...entries.map((e) => e.leafHash));
    }
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  describe('when the tiles of its proof are cached', () => {
    it.each([
      ['by index', () => log.entriesByIndex([17])],
      ['by leaf hash', () => log.entriesByLeafHash([leaves[17]!])],
    ])('%s costs one storage round trip and proves inclusion', async (_, read) => {
      await read(); // warms the tile node cache for this tree size
      calls.length = 0;
      const [e] = await read();
      expect(readCalls()).toEqual(['entriesForProofs']);
      expect(e!.entry.index).toBe(17);
      verifyInclusion(17, e!.proof.treeSize, leaves[17]!, e!.proof.hashes, e!.proof.rootHash);
    });
  });

  describe('when no tile of its proof is cached (a process that just started)', () => {
    it('by index still costs one storage round trip', async () => {
      const cold = await make(counted);
      await cold.init();
      calls.length = 0;
      const [e] = await cold.entriesByIndex([300]);
      expect(readCalls()).toEqual(['entriesForProofs']);
      verifyInclusion(300, e!.proof.treeSize, leaves[300]!, e!.proof.hashes, e!.proof.rootHash);
    });

    it("by leaf hash still costs one storage round trip (the entry's level-0 tile read with it)", async () => {
      const cold = await make(counted);
      await cold.init();
      calls.length = 0;
      // Entry 17's full level-0 tile is not on the right edge the head brings along.
      const [e] = await cold.entriesByLeafHash([leaves[17]!]);
      expect(readCalls()).toEqual(['entriesForProofs']);
      expect(e!.entry.index).toBe(17);
      verifyInclusion(17, e!.proof.treeSize, leaves[17]!, e!.proof.hashes, e!.proof.rootHash);
    });
  });

  describe('when the level-0 tile of its proof is not cached whole (a tree larger than the cache)', () => {
    /**
     * A new process whose tile node cache keeps no level-0 tile (as when the tree has more than it
     * holds), after a read of entry 40 folded tile 0/0 whole and summarized it.
     */
    const summarizedProcess = async () => {
      const cold = await make(counted);
      await cold.init();
      Object.assign(cold.active, { tileCache: new TileNodeCache({ level0: 0 }) });
      await cold.entriesByIndex([40]);
      return { cold, summaries: cold.active.summaries };
    };

    it('reads only the leaf group of its entry, in the same round trip, once the tile was summarized', async () => {
      const { cold } = await summarizedProcess();
      expect(cold.active.summaries.has(0)).toBe(true);
      for (const i of [41, 100, 255]) {
        calls.length = 0;
        const [e] = await cold.entriesByIndex([i]);
        expect(readCalls()).toEqual(['entriesForProofs']);
        verifyInclusion(i, e!.proof.treeSize, leaves[i]!, e!.proof.hashes, e!.proof.rootHash);
      }
    });

    it('a summary that does not match the tile is caught before the proof is served', async () => {
      const { cold, summaries } = await summarizedProcess();
      // As read from a damaged row (kept unchecked): level 3, node 1 (a sibling of leaf 7) altered.
      const wrong = Uint8Array.from(summaries.summaryOf(0)!);
      wrong[40]! ^= 1;
      cold.active.summaries.forget(0);
      cold.active.summaries.keepStored(0, wrong);
      const [e] = await cold.entriesByIndex([7]);
      verifyInclusion(7, e!.proof.treeSize, leaves[7]!, e!.proof.hashes, e!.proof.rootHash);
      // Summarized again from the whole tile.
      expect(Buffer.from(summaries.summaryOf(0)!).equals(Buffer.from(wrong))).toBe(false);
    });

    it('a stored summary is checked whole by the first proof through it, then trusted', async () => {
      const { cold, summaries } = await summarizedProcess();
      const stored = Uint8Array.from(summaries.summaryOf(0)!);
      cold.active.summaries.forget(0);
      cold.active.summaries.keepStored(0, stored); // as read from its row: unchecked
      expect(cold.active.summaries.isChecked(0)).toBe(false);
      const [e] = await cold.entriesByIndex([41]);
      verifyInclusion(41, e!.proof.treeSize, leaves[41]!, e!.proof.hashes, e!.proof.rootHash);
      expect(cold.active.summaries.isChecked(0)).toBe(true);
    });

    it("a summary damaged off the first proof's path is caught by that proof and not kept", async () => {
      const { cold, summaries } = await summarizedProcess();
      const good = Uint8Array.from(summaries.summaryOf(0)!);
      // Level 3, node 20 (leaves 160..167): leaf 7's proof takes level-7 node 1 above it, not it.
      const wrong = Uint8Array.from(good);
      wrong[20 * 32]! ^= 1;
      cold.active.summaries.forget(0);
      cold.active.summaries.keepStored(0, wrong);
      const [e] = await cold.entriesByIndex([7]);
      verifyInclusion(7, e!.proof.treeSize, leaves[7]!, e!.proof.hashes, e!.proof.rootHash);
      // Forgotten, and summarized again from the whole tile: a later proof through leaf 160 is sound.
      expect(Buffer.from(summaries.summaryOf(0) ?? []).equals(Buffer.from(good))).toBe(true);
      const [f] = await cold.entriesByIndex([160]);
      verifyInclusion(160, f!.proof.treeSize, leaves[160]!, f!.proof.hashes, f!.proof.rootHash);
    });
  });

  describe('when another process appended since the head was cached', () => {
    it('an entry past the cached head is read with a fresh head, in the same round trip', async () => {
      const [before] = await log.entriesByIndex([3]);
      const added = Array.from({ length: 4 }, () => fakeEntry());
      await Promise.all(added.map((e) => other.append(e)));
      leaves.push(...added.map((e) => e.leafHash));
      const last = leaves.length - 1;
      calls.length = 0;
      const [e] = await log.entriesByIndex([last]);
      expect(readCalls()).toEqual(['entriesForProofs']);
      expect(e!.proof.treeSize).toBe(before!.proof.treeSize + 4);
      verifyInclusion(last, e!.proof.treeSize, leaves[last]!, e!.proof.hashes, e!.proof.rootHash);
    });

    it('an entry found by leaf hash past the cached head is proven against a fresh head', async () => {
      const added = fakeEntry();
      await other.append(added);
      leaves.push(added.leafHash);
      const [e] = await log.entriesByLeafHash([added.leafHash]);
      expect(e!.entry.index).toBe(leaves.length - 1);
      expect(e!.proof.treeSize).toBe(leaves.length);
      verifyInclusion(e!.entry.index, e!.proof.treeSize, added.leafHash, e!.proof.hashes, e!.proof.rootHash);
    });

    it('an older entry is answered against the cached head, and against the new one once it expired', async () => {
      const [cachedRead] = await log.entriesByIndex([3]);
      await other.append(fakeEntry()).then((r) => {
        if (r.kind === 'created') leaves.push(r.entry.leafHash);
      });
      const [stillCached] = await log.entriesByIndex([3]);
      expect(stillCached!.proof.checkpoint).toBe(cachedRead!.proof.checkpoint);
      await sleep(HEAD_TTL_MS + 50);
      calls.length = 0;
      const [fresh] = await log.entriesByIndex([3]);
      // The shard list, as old, is re-read beside the request (which does not wait for it).
      expect(readCalls()).toEqual(['entriesForProofs']);
      expect(fresh!.proof.treeSize).toBe(leaves.length);
      verifyInclusion(3, fresh!.proof.treeSize, leaves[3]!, fresh!.proof.hashes, fresh!.proof.rootHash);
    });
  });

  describe('when the entry is absent', () => {
    it.each([
      ['by index', () => log.entriesByIndex([1_000_000])],
      ['by leaf hash', () => log.entriesByLeafHash([new Uint8Array(32).fill(9)])],
    ])('%s answers nothing', async (_, read) => {
      expect(await read()).toEqual([]);
    });
  });

  describe('consistency proofs to the latest size', () => {
    it('cost at most one round trip, and none once asked for a second time', async () => {
      const st = await log.active.recentState();
      const cold = await make(counted);
      await cold.init();
      calls.length = 0;
      const p = await cold.active.consistency(7, st.treeSize);
      expect(readCalls().length).toBeLessThanOrEqual(1);
      const first = await cold.active.consistency(7, 7);
      expect(await cold.active.consistency(7, st.treeSize)).toEqual(p); // asked again: kept from now on
      calls.length = 0;
      const again = await cold.active.consistency(7, st.treeSize);
      expect(readCalls()).toEqual([]);
      expect(again).toEqual(p);
      const root7 = (await log.active.consistency(1, 7)).rootHash;
      expect(first.rootHash).toEqual(root7);
      verifyConsistency(7, st.treeSize, p.hashes, root7, p.rootHash);
    });

    it('through a summarized level-0 tile, read only its leaf group, in one round trip', async () => {
      const st = await log.active.recentState();
      const cold = await make(counted);
      await cold.init();
      Object.assign(cold.active, { tileCache: new TileNodeCache({ level0: 0 }) });
      await cold.active.consistency(41, st.treeSize); // folds tile 0/0 whole and summarizes it
      expect(cold.active.summaries.has(0)).toBe(true);
      for (const first of [45, 100, 255]) {
        calls.length = 0;
        const p = await cold.active.consistency(first, st.treeSize);
        expect(readCalls()).toEqual(['entriesForProofs']);
        expect(p).toEqual(await other.active.consistency(first, st.treeSize));
      }
    });

    it('a lastSize past the cached head reads the head afresh', async () => {
      await log.active.recentState();
      const added = fakeEntry();
      const r = await other.append(added);
      if (r.kind !== 'created') throw new Error('expected a new entry');
      const size = r.proof.treeSize;
      const p = await log.active.consistency(5, size);
      expect(p.rootHash).toEqual(r.proof.rootHash);
    });
  });
});
