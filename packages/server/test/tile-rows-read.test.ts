/**
 * Proof reads over partial tiles stored as several rows (sql/0005: a batch appends its hashes to a
 * tile's last row, or adds a row once that row is full enough): the one-statement read
 * (entriesForProofs) joins a tile's rows in order, so every entry of such a tile proves inclusion.
 * Real PostgreSQL; a second LogService stands for a process whose caches are cold.
 */
import { verifyInclusion } from '@scriba/sdk/merkle';
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

describe('a partial tile stored as several rows', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let cold: LogService;
  const leaves: Uint8Array[] = [];

  beforeAll(async () => {
    const t = await createTestDatabase();
    drop = t.drop;
    db = openPostgres(t.url, 4);
    await migrate(db);
    const key = parseLogKeyPem(generateLogKeyPem(), 'test');
    const { treeId } = await LogService.treeOrigin(new SqlLogStorage(db), key);
    const signer = await checkpointSigner(key, 'example.test', `example.test - ${treeId}`);
    const batch = { maxBatchSize: 10_000, maxWaitMs: 0 };
    const writer = new LogService(new SqlLogStorage(db), treeId, key, signer, new Metrics(), batch);
    await writer.init();
    // 44 hashes fill one row (1,408 bytes), the next 5 do not fit it: a second row from hash 44 on.
    for (const n of [44, 5, 3]) {
      const entries = Array.from({ length: n }, () => fakeEntry());
      await Promise.all(entries.map((e) => writer.append(e)));
      leaves.push(...entries.map((e) => e.leafHash));
    }
    cold = new LogService(new SqlLogStorage(db), treeId, key, signer, new Metrics(), batch);
    await cold.init();
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  it('is stored in more than one row', async () => {
    const { rows } = await db.query<{ n: unknown }>(
      'SELECT count(*) AS n FROM tiles WHERE level = 0 AND idx = 0',
    );
    expect(Number(rows[0]!.n)).toBeGreaterThan(1);
  });

  it.each([0, 20, 43, 44, 48, 51])('proves entry %i from a cold process', async (i) => {
    const [e] = await cold.entriesByIndex([i]);
    expect(e!.entry.index).toBe(i);
    expect(e!.proof.treeSize).toBe(leaves.length);
    verifyInclusion(i, e!.proof.treeSize, leaves[i]!, e!.proof.hashes, e!.proof.rootHash);
  });
});
