import { verifyInclusion } from '@scriba/sdk/merkle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { generateLogKeyPem, parseLogKeyPem } from '../src/keys/logKey.js';
import { checkpointSigner } from '../src/log/checkpoint.js';
import { Metrics } from '../src/log/metrics.js';
import { LogService } from '../src/log/service.js';
import type { LogStorage } from '../src/log/storage.js';
import { SqlLogStorage } from '../src/storage/log-storage.js';
import { migrate } from '../src/storage/migrate.js';
import { openPostgres } from '../src/storage/postgres.js';
import type { Db } from '../src/storage/types.js';
import { fakeEntry } from './fixtures.js';

/** The storage port with every call counted (each port call is at least one round trip). */
function counting(inner: LogStorage): { storage: LogStorage; calls: string[] } {
  const calls: string[] = [];
  const storage = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return v.apply(target, args);
      };
    },
  });
  return { storage, calls };
}

describe('reads of an entry', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let log: LogService;
  let other: LogService;
  let calls: string[];
  const leaves: Uint8Array[] = [];

  beforeAll(async () => {
    const t = await createTestDatabase();
    drop = t.drop;
    db = openPostgres(t.url, 4);
    await migrate(db);
    const key = parseLogKeyPem(generateLogKeyPem(), 'test');
    const counted = counting(new SqlLogStorage(db));
    calls = counted.calls;
    const { treeId } = await LogService.treeOrigin(counted.storage, key);
    const signer = await checkpointSigner(key, 'example.test', `example.test - ${treeId}`);
    const batch = { maxBatchSize: 10_000, maxWaitMs: 0 };
    log = new LogService(counted.storage, treeId, key, signer, new Metrics(), batch);
    // A second process on the same database (its own storage, its own caches).
    other = new LogService(new SqlLogStorage(db), treeId, key, signer, new Metrics(), batch);
    await log.init();
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
      expect(calls).toEqual(['entriesWithTree']);
      expect(e!.entry.index).toBe(17);
      verifyInclusion(17, e!.proof.treeSize, leaves[17]!, e!.proof.hashes, e!.proof.rootHash);
    });
  });

  describe('when another process appended since the last read', () => {
    it('sees the latest committed tree state', async () => {
      const [before] = await log.entriesByIndex([3]);
      const added = Array.from({ length: 4 }, () => fakeEntry());
      await Promise.all(added.map((e) => other.append(e)));
      leaves.push(...added.map((e) => e.leafHash));
      const [after] = await log.entriesByIndex([3]);
      expect(after!.proof.treeSize).toBe(before!.proof.treeSize + 4);
      expect(after!.proof.treeSize).toBe(leaves.length);
      verifyInclusion(3, after!.proof.treeSize, leaves[3]!, after!.proof.hashes, after!.proof.rootHash);
      const [last] = await log.entriesByLeafHash([added[3]!.leafHash]);
      expect(last!.entry.index).toBe(leaves.length - 1);
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
});
