import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { generateLogKeyPem, parseLogKeyPem } from '../src/keys/logKey.js';
import { checkpointSigner } from '../src/log/checkpoint.js';
import { Metrics } from '../src/log/metrics.js';
import { LogService } from '../src/log/service.js';
import { SqlLogStorage } from '../src/storage/log-storage.js';
import { migrate } from '../src/storage/migrate.js';
import { openPostgres } from '../src/storage/postgres.js';
import type { Db } from '../src/storage/types.js';
import { fakeEntry } from './fixtures.js';

/**
 * A batch's write and its COMMIT leave in one round trip (storage/postgres.ts queryAndCommit): a
 * write that fails commits nothing, the connection stays usable, and the next batch appends. The
 * write is a statement prepared on the connection.
 */
describe('a batch write pipelined with its commit', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let storage: SqlLogStorage;
  let log: LogService;

  beforeAll(async () => {
    const t = await createTestDatabase();
    drop = t.drop;
    db = openPostgres(t.url, 1); // one connection: a broken pipeline would break what follows
    await migrate(db);
    const key = parseLogKeyPem(generateLogKeyPem(), 'test');
    storage = new SqlLogStorage(db);
    const { treeId } = await LogService.treeOrigin(storage, key);
    const signer = await checkpointSigner(key, 'example.test', `example.test - ${treeId}`);
    log = new LogService(storage, treeId, key, signer, new Metrics(), { maxBatchSize: 64, maxWaitMs: 0 });
    await log.init();
    await Promise.all(Array.from({ length: 5 }, () => log.append(fakeEntry())));
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  describe('when the write fails', () => {
    it('commits nothing (tree state, entries) and the next batch appends', async () => {
      const before = await storage.tree(log.active.treeId);
      const [a, b] = [fakeEntry(), fakeEntry()];
      const hex = (x: Uint8Array) => Buffer.from(x).toString('hex');
      await expect(
        storage.appendBatch(log.active.treeId, [hex(a.leafHash), hex(b.leafHash)], async (locked) => ({
          result: undefined,
          write: {
            treeSize: locked.treeSize + 2,
            rootHash: new Uint8Array(32),
            checkpoint: 'not a checkpoint',
            integratedTime: 1,
            // Two entries at one index: the insert fails (unique violation) after the tree state update.
            entries: [a, b].map((e) => ({
              index: locked.treeSize,
              leafHashHex: hex(e.leafHash),
              kind: e.kind,
              apiVersion: e.apiVersion,
              body: e.body,
              searchKeys: [],
              set: new Uint8Array(70),
            })),
            tiles: [],
            summaries: [],
          },
        })),
      ).rejects.toThrow(/duplicate key value violates unique constraint/);
      const after = await storage.tree(log.active.treeId);
      expect(after.treeSize).toBe(before.treeSize);
      expect(after.checkpoint).toBe(before.checkpoint);
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM entries');
      expect(rows[0]!.n).toBe(5);

      const r = await log.append(a);
      expect(r.kind).toBe('created');
      expect((await storage.tree(log.active.treeId)).treeSize).toBe(6);
    });
  });

  // storage/postgres.ts preparedQuery: the write is parsed and planned once per connection.
  it('prepares the batch write once on the connection, under the lock and planned ahead', async () => {
    for (let i = 0; i < 4; i++) expect((await log.append(fakeEntry())).kind).toBe('created');
    const writes = async () =>
      (
        await db.query<{ name: string; statement: string }>(
          "SELECT name, statement FROM pg_prepared_statements WHERE statement LIKE '%INSERT INTO entries%'",
        )
      ).rows;
    const prepared = await writes();
    // The write planned under the lock, and the one planned ahead (it also checks for duplicates).
    expect(prepared.map((r) => r.statement.includes('dup AS')).sort()).toEqual([false, true]);
    for (let i = 0; i < 4; i++) expect((await log.append(fakeEntry())).kind).toBe('created');
    expect((await writes()).map((r) => r.name).sort()).toEqual(prepared.map((r) => r.name).sort());
  });
});
