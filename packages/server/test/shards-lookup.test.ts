/**
 * Lookups across shards by a frontend whose list of shards predates a rotation by another process
 * (LogService re-reads the list at most every second): an entry of the new shard, by global index or
 * by leaf hash, is found at once, not answered "absent" until the list expires. Real PostgreSQL; two
 * LogServices on one database stand for two frontends.
 */
import { EMPTY_ROOT } from '@scriba/sdk/merkle';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { buildApp } from '../src/app.js';
import { generateLogKeyPem, parseLogKeyPem } from '../src/keys/logKey.js';
import { checkpointSigner } from '../src/log/checkpoint.js';
import { Metrics } from '../src/log/metrics.js';
import { LogService } from '../src/log/service.js';
import { SqlLogStorage } from '../src/storage/log-storage.js';
import { migrate } from '../src/storage/migrate.js';
import { openPostgres } from '../src/storage/postgres.js';
import type { Db } from '../src/storage/types.js';
import { fakeEntry } from './fixtures.js';

describe('lookups by a frontend that has not yet seen a rotation', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let before: LogService;
  /** A second frontend of the first shard (each test below needs its own stale list). */
  let other: LogService;
  /** A third one, serving HTTP. */
  let app: FastifyInstance;
  let url: string;
  let after: LogService;
  /** The first shard's tree id (a LogService's `treeId` follows its active shard). */
  let firstTreeId: string;
  const fresh = fakeEntry();

  beforeAll(async () => {
    const t = await createTestDatabase();
    drop = t.drop;
    db = openPostgres(t.url, 4);
    await migrate(db);
    const key = parseLogKeyPem(generateLogKeyPem(), 'test');
    const storage = new SqlLogStorage(db);
    const batch = { maxBatchSize: 100, maxWaitMs: 0 };
    const { treeId } = await LogService.treeOrigin(storage, key);
    firstTreeId = treeId;
    before = new LogService(
      storage,
      treeId,
      key,
      await checkpointSigner(key, 'example.test', `example.test - ${treeId}`),
      new Metrics(),
      batch,
    );
    await before.init();
    for (let i = 0; i < 2; i++) await before.append(fakeEntry());
    other = new LogService(storage, treeId, key, before.signer, new Metrics(), batch);
    await other.init();
    const third = new LogService(storage, treeId, key, before.signer, new Metrics(), batch);
    await third.init();
    app = await buildApp({ log: third, publicUrl: 'http://example.test', bodyLimit: 1 << 20 });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    const next = LogService.newTreeId();
    const nextSigner = await checkpointSigner(key, 'example.test', `example.test - ${next}`);
    // The first frontends' lists of shards are read now, just before another process rotates.
    await before.shards(true);
    await other.shards(true);
    await third.shards(true);
    await storage.rotate(
      {
        treeId: next,
        logId: key.logId,
        publicKey: key.spki,
        rootHash: EMPTY_ROOT,
        origin: nextSigner.origin,
      },
      treeId,
    );
    after = new LogService(storage, next, key, nextSigner, new Metrics(), batch);
    await after.init();
    const r = await after.append(fresh);
    expect(r).toMatchObject({ kind: 'created', treeId: next, offset: 2, index: 0 });
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    await drop?.();
  });

  it("finds the new shard's entry by global index", async () => {
    const [e] = await before.entriesByIndex([2]);
    expect(e).toMatchObject({ treeId: after.treeId, offset: 2, entry: { index: 0 } });
    expect(Buffer.from(e!.entry.leafHash).equals(Buffer.from(fresh.leafHash))).toBe(true);
  });

  it("finds the new shard's entry by leaf hash", async () => {
    const [e] = await other.entriesByLeafHash([fresh.leafHash]);
    expect(e).toMatchObject({ treeId: after.treeId, offset: 2, entry: { index: 0 } });
  });

  it('lists the new shard as active and the rotated one as frozen in GET /api/v1/log', async () => {
    const r = await fetch(`${url}/api/v1/log`);
    expect(r.status).toBe(200);
    const info = (await r.json()) as { treeID: string; treeSize: number; inactiveShards: unknown[] };
    expect(info).toMatchObject({ treeID: after.treeId, treeSize: 1 });
    expect(info.inactiveShards).toEqual([expect.objectContaining({ treeID: firstTreeId, treeSize: 2 })]);
  });

  it('still answers absent past the end of the log', async () => {
    expect(await before.entriesByIndex([3])).toEqual([]);
    expect(await before.entriesByLeafHash([fakeEntry().leafHash])).toEqual([]);
  });
});
