/**
 * The bulk path (log/bulk-append.ts) against the HTTP path: the same 360 real hashedrekord entries,
 * posted one by one to `POST /api/v1/log/entries` on one database and bulk-appended in batches of
 * 64 on another, leave the same tree (size, root), the same tiles (full and partial, every level),
 * the same entries and search answers; the bulk log's checkpoint verifies under its key. Duplicates
 * are refused by the bulk path as over HTTP. Also: a search matches the full stored key, not its
 * indexed prefix (a forged row sharing the prefix is not returned), and e-mail / subject searches
 * stay exact when an entry's e-mail that is also its subject is kept as one key. An entry's first
 * three keys are kept in its row, the others in search_keys (sql/0008), and all are found.
 */

import { searchIndexKeys } from '@scriba/sdk/entries';
import { rightEdgeTiles, tileKey } from '@scriba/sdk/tiles';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { startTestServer, tempDir } from '../../../test/helpers/server.js';
import { type ValidatedEntry, validateProposedEntry } from '../src/entries/index.js';
import { generateLogKeyPem, parseLogKeyPem } from '../src/keys/logKey.js';
import { bulkAppend } from '../src/log/bulk-append.js';
import { type CheckpointSigner, checkpointSigner } from '../src/log/checkpoint.js';
import { Metrics } from '../src/log/metrics.js';
import { LogService } from '../src/log/service.js';
import type { RunningServer } from '../src/main.js';
import { SqlLogStorage, searchKeyHash } from '../src/storage/log-storage.js';
import { migrate } from '../src/storage/migrate.js';
import { openPostgres } from '../src/storage/postgres.js';
import type { Db } from '../src/storage/types.js';
import { fakeEntry } from './fixtures.js';

const N = 360;

describe('bulk append', () => {
  const cleanups: (() => Promise<void>)[] = [];
  let server: RunningServer;
  let db: Db;
  let bulk: LogService;
  let signer: CheckpointSigner;
  const entries: ValidatedEntry[] = [];

  beforeAll(async () => {
    const a = await createTestDatabase('scriba_bulk_http');
    cleanups.push(a.drop);
    const dir = await tempDir();
    cleanups.push(dir.remove);
    server = await startTestServer({ DATABASE_URL: a.url, SCRIBA_DATA_DIR: dir.path });
    cleanups.push(() => server.close());
    const b = await createTestDatabase('scriba_bulk_bulk');
    cleanups.push(b.drop);
    db = openPostgres(b.url, 2);
    cleanups.push(() => db.close());
    await migrate(db);
    const key = parseLogKeyPem(generateLogKeyPem(), 'bulk');
    const storage = new SqlLogStorage(db);
    const { treeId } = await LogService.treeOrigin(storage, key);
    signer = await checkpointSigner(key, 'bulk.example', `bulk.example - ${treeId}`);
    bulk = new LogService(storage, treeId, key, signer, new Metrics(), { maxBatchSize: 1, maxWaitMs: 0 });
    await bulk.init();
    const signers = [newSigner(), newSigner(), newSigner()];
    for (let i = 0; i < N; i++) {
      const proposed = hashedRekord(signers[i % signers.length]!);
      expect((await postEntry(server.url, proposed)).status).toBe(201);
      entries.push(await validateProposedEntry(proposed));
    }
    const r = await bulkAppend(bulk.tree, signer, entries, { batchSize: 64 });
    expect(r).toEqual({ appended: N, duplicates: 0, treeSize: N, batches: 6 });
  }, 120_000);

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('leaves the tree, tiles, entries and search answers the HTTP path left', async () => {
    const viaHttp = await server.log.storage.tree(server.log.treeId);
    const viaBulk = await bulk.storage.tree(bulk.treeId);
    expect(viaBulk.treeSize).toBe(N);
    expect(viaHttp.treeSize).toBe(N);
    expect(Buffer.from(viaBulk.rootHash)).toEqual(Buffer.from(viaHttp.rootHash));
    // Every tile of the tree: the full level-0 tile and the partial right edge (levels 0 and 1).
    const keys = [{ level: 0, index: 0 }, ...rightEdgeTiles(N)];
    expect(keys.map((k) => tileKey(k.level, k.index))).toEqual(['0/0', '0/1', '1/0']);
    const tilesHttp = await server.log.storage.readTiles(server.log.treeId, keys);
    const tilesBulk = await bulk.storage.readTiles(bulk.treeId, keys);
    expect(tilesBulk.size).toBe(3);
    for (const k of keys) {
      const key = tileKey(k.level, k.index);
      expect(Buffer.from(tilesBulk.get(key)!), key).toEqual(Buffer.from(tilesHttp.get(key)!));
    }
    expect(tilesBulk.get('0/1')!.length).toBe((N - 256) * 32);
    const bodies = await bulk.storage.entryBodies(bulk.treeId, 0, N);
    expect(bodies.map((b) => Buffer.from(b))).toEqual(
      (await server.log.storage.entryBodies(server.log.treeId, 0, N)).map((b) => Buffer.from(b)),
    );
    for (const i of [0, 1, 150, N - 1]) {
      const sk = searchIndexKeys(entries[i]!.searchKeys);
      expect(sk.length).toBe(2);
      for (const k of sk) {
        expect(await bulk.storage.search(bulk.treeId, [k], 1000)).toEqual(
          await server.log.storage.search(server.log.treeId, [k], 1000),
        );
      }
      // The artifact digest is the entry's own; its key is shared by every third entry.
      expect(await bulk.storage.search(bulk.treeId, [sk[0]!], 1000)).toEqual([i]);
      expect((await bulk.storage.search(bulk.treeId, [sk[1]!], 1000)).length).toBe(N / 3);
    }
    // The bulk log's checkpoint is signed for its size and root.
    expect(viaBulk.checkpoint).toContain(`\n${N}\n${Buffer.from(viaBulk.rootHash).toString('base64')}\n`);
    expect(signer.matches(viaBulk.checkpoint!)).toBe(true);
  });

  it('refuses duplicates as the HTTP path does', async () => {
    const fresh = await validateProposedEntry(hashedRekord(newSigner()));
    const r = await bulkAppend(bulk.tree, signer, [entries[5]!, fresh, fresh, entries[N - 1]!], {
      batchSize: 8,
    });
    expect(r).toEqual({ appended: 1, duplicates: 3, treeSize: N + 1, batches: 1 });
    expect(await bulk.storage.search(bulk.treeId, [searchIndexKeys(fresh.searchKeys)[0]!], 10)).toEqual([N]);
  });

  it('matches the full 32-byte search key, not only its indexed prefix', async () => {
    const key = searchIndexKeys(entries[7]!.searchKeys)[0]!;
    const h = searchKeyHash(key);
    // A row with the same 8-byte prefix but other remaining bytes, pointing at another entry.
    await db.query(
      `INSERT INTO search_keys (tree_id, log_index, prefix, rest)
       VALUES ($1, 8, ('x' || $2)::bit(64)::bigint, decode($3, 'hex'))`,
      [bulk.treeId, h.slice(0, 16), 'ff'.repeat(24)],
    );
    expect(await bulk.storage.search(bulk.treeId, [key], 10)).toEqual([7]);
  });
  it('keeps an e-mail that is also a subject as one key, and answers e-mail and subject searches exactly', async () => {
    const mk = (emails: string[], subjects: string[]): ValidatedEntry => ({
      ...fakeEntry(),
      searchKeys: { sha256Digests: [], publicKeyFingerprints: [], emails, subjects },
    });
    const start = (await bulk.storage.tree(bulk.treeId)).treeSize;
    const r = await bulkAppend(bulk.tree, signer, [
      mk(['a@example.com'], ['a@example.com', 'host.example.com']),
      mk([], ['a@example.com']),
      mk(['a@example.com'], []),
    ]);
    expect(r.appended).toBe(3);
    const search = (k: string) => bulk.storage.search(bulk.treeId, [k], 10);
    expect(await search('email:a@example.com')).toEqual([start, start + 2]);
    expect(await search('subject:a@example.com')).toEqual([start, start + 1]);
    expect(await search('subject:host.example.com')).toEqual([start]);
    expect(await search('email:host.example.com')).toEqual([]);
    expect(await storedKeyCount(start)).toEqual({ inRow: 2, rows: 0 });
  });

  it("keeps an entry's first three keys in its row and the others in search_keys, all found", async () => {
    const keys = {
      sha256Digests: ['sha256:' + '1'.repeat(64)],
      publicKeyFingerprints: ['ab'.repeat(32)],
      emails: ['b@example.com'],
      subjects: ['https://ci.example/w', 'other.example'],
    };
    const start = (await bulk.storage.tree(bulk.treeId)).treeSize;
    const r = await bulkAppend(bulk.tree, signer, [
      { ...fakeEntry(), searchKeys: keys },
      { ...fakeEntry(), searchKeys: { ...keys, sha256Digests: [] } },
    ]);
    expect(r.appended).toBe(2);
    expect(await storedKeyCount(start)).toEqual({ inRow: 3, rows: 2 });
    expect(await storedKeyCount(start + 1)).toEqual({ inRow: 3, rows: 1 });
    const all = searchIndexKeys(keys);
    expect(all).toHaveLength(5);
    for (const k of all) {
      const expected = k.startsWith('sha256:') ? [start] : [start, start + 1];
      expect(await bulk.storage.search(bulk.treeId, [k], 10), k).toEqual(expected);
    }
    // The limit applies to the union of both places, in index order.
    expect(await bulk.storage.search(bulk.treeId, ['subject:other.example'], 1)).toEqual([start]);
  });

  /** How many of the entry's stored keys are in its entries row, and how many in search_keys. */
  async function storedKeyCount(index: number): Promise<{ inRow: number; rows: number }> {
    const { rows } = await db.query<{ in_row: number; n: number }>(
      `SELECT (e.key1 IS NOT NULL)::int + (e.key2 IS NOT NULL)::int + (e.key3 IS NOT NULL)::int AS in_row,
              (SELECT count(*)::int FROM search_keys s WHERE s.tree_id = e.tree_id AND s.log_index = e.log_index) AS n
         FROM entries e WHERE e.log_index = $1 AND e.tree_id = $2`,
      [index, bulk.treeId],
    );
    return { inRow: rows[0]!.in_row, rows: rows[0]!.n };
  }
});
