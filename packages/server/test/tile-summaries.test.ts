/**
 * Stored summaries of full level-0 tiles (sql/0006 tile_summaries, log/leaf-groups.ts): written by
 * the batch that fills a tile; a reader with nothing cached proves inclusion through a full tile from
 * its entry's leaf group and the summary, in its one round trip, without the whole tile; a summary
 * row that is wrong never yields a wrong proof; a tile stored without one is read whole.
 */
import { verifyConsistency, verifyInclusion } from '@scriba/sdk/merkle';
import { TileNodeCache } from '@scriba/sdk/tiles';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { callNames, recordingStorage } from '../../../test/helpers/recording-storage.js';
import { tempDir } from '../../../test/helpers/server.js';
import { generateLogKeyPem, parseLogKeyPem } from '../src/keys/logKey.js';
import { checkpointSigner } from '../src/log/checkpoint.js';
import { SUMMARY_BYTES, summarizeTile } from '../src/log/leaf-groups.js';
import { Metrics } from '../src/log/metrics.js';
import { LogService } from '../src/log/service.js';
import { SqlLogStorage } from '../src/storage/log-storage.js';
import { migrate } from '../src/storage/migrate.js';
import { openPglite } from '../src/storage/pglite.js';
import { openPostgres } from '../src/storage/postgres.js';
import type { Db } from '../src/storage/types.js';
import { fakeEntry } from './fixtures.js';

const key = parseLogKeyPem(generateLogKeyPem(), 'test');

describe('stored tile summaries', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let log: LogService;
  let treeId: string;
  const leaves: Uint8Array[] = [];
  let size = 0;
  let rec: ReturnType<typeof recordingStorage>;

  /** A process that just started, keeping no level-0 tile whole (a tree larger than its cache). */
  const cold = async () => {
    const l = new LogService(
      rec.storage,
      treeId,
      key,
      await checkpointSigner(key, 'example.test', `example.test - ${treeId}`),
      new Metrics(),
      { maxBatchSize: 10_000, maxWaitMs: 0 },
    );
    await l.init();
    Object.assign(l.active, { tileCache: new TileNodeCache({ level0: 0 }) });
    return l;
  };
  const summaryRow = async (idx: number) =>
    (
      await db.query<{ nodes: Buffer }>('SELECT nodes FROM tile_summaries WHERE tree_id = $1 AND idx = $2', [
        treeId,
        idx,
      ])
    ).rows[0]?.nodes;
  const setSummary = (idx: number, nodes: Uint8Array) =>
    db.query('UPDATE tile_summaries SET nodes = $3 WHERE tree_id = $1 AND idx = $2', [
      treeId,
      idx,
      Buffer.from(nodes),
    ]);

  beforeAll(async () => {
    const t = await createTestDatabase();
    drop = t.drop;
    db = openPostgres(t.url, 4);
    await migrate(db);
    rec = recordingStorage(new SqlLogStorage(db));
    ({ treeId } = await LogService.treeOrigin(rec.storage, key));
    log = new LogService(
      new SqlLogStorage(db),
      treeId,
      key,
      await checkpointSigner(key, 'example.test', `example.test - ${treeId}`),
      new Metrics(),
      { maxBatchSize: 10_000, maxWaitMs: 0 },
    );
    await log.init();
    // Batches that fill tiles 0 and 1 across their boundaries, and leave tile 2 partial.
    for (const n of [200, 100, 300, 20]) {
      const entries = Array.from({ length: n }, () => fakeEntry());
      await Promise.all(entries.map((e) => log.append(e)));
      leaves.push(...entries.map((e) => e.leafHash));
    }
    size = leaves.length;
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  describe('when a batch fills a level-0 tile', () => {
    it('stores its summary (levels 3..8 of the tile), and none for a partial tile', async () => {
      const tiles = await new SqlLogStorage(db).readTiles(treeId, [
        { level: 0, index: 0 },
        { level: 0, index: 1 },
      ]);
      for (const idx of [0, 1]) {
        const row = await summaryRow(idx);
        expect(row).toHaveLength(SUMMARY_BYTES);
        expect(Buffer.from(row!).equals(Buffer.from(summarizeTile(tiles.get(`0/${idx}`)!)))).toBe(true);
      }
      expect(await summaryRow(2)).toBeUndefined();
    });
  });

  describe('when a reader with nothing cached reads an entry of a full tile', () => {
    it('reads its leaf group and the summary in one round trip, not the whole tile', async () => {
      const reader = await cold();
      for (const i of [5, 300, 511]) {
        rec.calls.length = 0;
        rec.reads.length = 0;
        const [e] = await reader.entriesByIndex([i]);
        expect(callNames(rec.calls)).toEqual(['entriesForProofs']);
        const t = Math.floor(i / 256);
        expect(rec.reads[0]!.tiles.has(`0/${t}`)).toBe(false);
        // The summary once per tile; then it is kept in memory and only the leaf group is read.
        expect(rec.reads[0]!.summaries.has(t)).toBe(i !== 511);
        expect(rec.reads[0]!.leafGroups.size).toBe(1);
        verifyInclusion(i, e!.proof.treeSize, leaves[i]!, e!.proof.hashes, e!.proof.rootHash);
        // Rendered with the upper path's kept hex: the same hashes.
        expect(JSON.parse(`[${e!.proof.hashesJson}]`)).toEqual(
          e!.proof.hashes.map((h) => Buffer.from(h).toString('hex')),
        );
      }
    });
  });

  describe('when a reader proves consistency to the head', () => {
    it('proofs through a full tile (its levels and upper path) verify, from every kind of first size', async () => {
      const firsts = [
        1,
        2,
        3,
        4,
        7,
        8,
        9,
        16,
        100,
        128,
        200,
        255,
        256,
        257,
        300,
        384,
        500,
        511,
        512,
        513,
        size - 1,
      ];
      const roots = new Map<number, Uint8Array>();
      for (const f of firsts) roots.set(f, (await log.active.consistency(1, f)).rootHash);
      // A cold reader (levels from leaf groups and summaries), twice (then from kept upper paths), and
      // a reader keeping level-0 tiles whole.
      const readers = [await cold(), await cold()];
      for (const reader of [readers[0]!, readers[0]!, readers[1]!]) {
        for (const f of firsts) {
          const p = await reader.active.consistency(f, size);
          verifyConsistency(f, size, p.hashes, roots.get(f)!, p.rootHash);
        }
      }
    });
  });

  describe('when a summary row is wrong', () => {
    /** A summary of tile `t` altered at level-3 node `node` and rehashed up: it holds together. */
    const rehashed = async (t: number, node: number) => {
      const tiles = await new SqlLogStorage(db).readTiles(treeId, [{ level: 0, index: t }]);
      const fake = Uint8Array.from(tiles.get(`0/${t}`)!);
      const at = node * 8 * 32; // a leaf of that group: its level-3 node and everything above change
      fake[at] = fake[at]! ^ 1;
      return summarizeTile(fake);
    };

    it.each([
      [
        'a byte flipped',
        async () => {
          const row = Uint8Array.from((await summaryRow(0))!);
          row[40]! ^= 1;
          return row;
        },
      ],
      ['rehashed (holds together, another root)', () => rehashed(0, 3)],
      [
        'another tile’s summary',
        async () =>
          summarizeTile(
            (await new SqlLogStorage(db).readTiles(treeId, [{ level: 0, index: 1 }])).get('0/1')!,
          ),
      ],
    ])('(%s) inclusion and consistency proofs are still right', async (_, make) => {
      const original = (await summaryRow(0))!;
      await setSummary(0, await make());
      try {
        const reader = await cold();
        for (const i of [0, 7, 30, 100, 255]) {
          const [e] = await reader.entriesByIndex([i]);
          verifyInclusion(i, e!.proof.treeSize, leaves[i]!, e!.proof.hashes, e!.proof.rootHash);
        }
        const fresh = await cold();
        for (const first of [3, 25, 90, 200]) {
          const p = await fresh.active.consistency(first, size);
          const root1 = (await log.active.consistency(1, first)).rootHash;
          verifyConsistency(first, size, p.hashes, root1, p.rootHash);
        }
      } finally {
        await setSummary(0, original);
      }
    });
  });

  describe('when a leaf group row disagrees with the summary (a neighbour’s leaf hash altered)', () => {
    it('the proof is built from the whole tile and is still right', async () => {
      const reader = await cold();
      await reader.entriesByIndex([2]); // the summary is kept and checked, the upper path too
      await db.query('UPDATE entries SET leaf_hash = $3 WHERE tree_id = $1 AND log_index = $2', [
        treeId,
        6,
        Buffer.alloc(32, 7),
      ]);
      try {
        rec.calls.length = 0;
        rec.reads.length = 0;
        const [e] = await reader.entriesByIndex([7]);
        verifyInclusion(7, e!.proof.treeSize, leaves[7]!, e!.proof.hashes, e!.proof.rootHash);
        // The group was read and refused: the whole tile was read (a second round trip).
        expect(rec.reads[0]!.leafGroups.has('0/0')).toBe(true);
        expect(callNames(rec.calls)).toContain('readTiles');
      } finally {
        await db.query('UPDATE entries SET leaf_hash = $3 WHERE tree_id = $1 AND log_index = $2', [
          treeId,
          6,
          Buffer.from(leaves[6]!),
        ]);
      }
    });
  });

  describe('when a stored tile above level 0 is wrong', () => {
    it('a read through it answers an error, never a proof that does not lead to the root', async () => {
      // Hash 1 of level-1 tile 0 is tile 1's root: on the path of every entry of tile 0.
      const flip = () =>
        db.query(
          `UPDATE tiles SET hashes = set_byte(hashes, 40, get_byte(hashes, 40) # 1)
            WHERE tree_id = $1 AND level = 1 AND idx = 0 AND start = 0
            RETURNING idx`,
          [treeId],
        );
      const flipped = await flip();
      expect(flipped.rows).toHaveLength(1);
      try {
        const reader = await cold();
        await expect(reader.entriesByIndex([7])).rejects.toThrow(
          'inclusion proof does not lead to the given root',
        );
      } finally {
        await flip();
      }
      const [e] = await (await cold()).entriesByIndex([7]);
      verifyInclusion(7, e!.proof.treeSize, leaves[7]!, e!.proof.hashes, e!.proof.rootHash);
    });
  });

  describe('when a full tile has no stored summary (filled before sql/0006)', () => {
    it('is read whole in the same round trip, and proves inclusion', async () => {
      const original = (await summaryRow(1))!;
      await db.query('DELETE FROM tile_summaries WHERE tree_id = $1 AND idx = 1', [treeId]);
      try {
        const reader = await cold();
        rec.calls.length = 0;
        rec.reads.length = 0;
        const [e] = await reader.entriesByIndex([400]);
        expect(callNames(rec.calls)).toEqual(['entriesForProofs']);
        expect(rec.reads[0]!.tiles.has('0/1')).toBe(true);
        verifyInclusion(400, e!.proof.treeSize, leaves[400]!, e!.proof.hashes, e!.proof.rootHash);
      } finally {
        await db.query('INSERT INTO tile_summaries (tree_id, idx, nodes) VALUES ($1, 1, $2)', [
          treeId,
          original,
        ]);
      }
    });
  });

  describe('when the tree grows after a reader kept upper paths', () => {
    it('proofs against the new checkpoint do not reuse the old size’s paths', async () => {
      const reader = await cold();
      for (const i of [7, 300]) {
        const [e] = await reader.entriesByIndex([i]);
        expect(e!.proof.treeSize).toBe(size);
      }
      const more = Array.from({ length: 40 }, () => fakeEntry());
      await Promise.all(more.map((e) => log.append(e)));
      leaves.push(...more.map((e) => e.leafHash));
      size = leaves.length;
      await reader.entriesByIndex([size - 1]); // past the reader's head: read afresh with it
      for (const i of [7, 300]) {
        const [e] = await reader.entriesByIndex([i]);
        expect(e!.proof.treeSize).toBe(size);
        verifyInclusion(i, e!.proof.treeSize, leaves[i]!, e!.proof.hashes, e!.proof.rootHash);
        expect(JSON.parse(`[${e!.proof.hashesJson}]`)).toEqual(
          e!.proof.hashes.map((h) => Buffer.from(h).toString('hex')),
        );
      }
    });
  });
});

describe('on the embedded PGlite backend', () => {
  it('stores SETs and summaries and reads through them (the same statements)', async () => {
    const dir = await tempDir();
    const db = await openPglite(dir.path);
    try {
      await migrate(db);
      const storage = new SqlLogStorage(db);
      const { treeId } = await LogService.treeOrigin(storage, key);
      const make = async () => {
        const l = new LogService(
          storage,
          treeId,
          key,
          await checkpointSigner(key, 'example.test', `example.test - ${treeId}`),
          new Metrics(),
          { maxBatchSize: 10_000, maxWaitMs: 0 },
        );
        await l.init();
        return l;
      };
      const log = await make();
      const entries = Array.from({ length: 300 }, () => fakeEntry());
      const results = await Promise.all(entries.map((e) => log.append(e)));
      expect(results.every((r) => r.kind === 'created' && r.set.length > 0)).toBe(true);
      const { rows } = await db.query<{ n: unknown }>('SELECT count(*) AS n FROM tile_summaries');
      expect(Number(rows[0]!.n)).toBe(1);
      const reader = await make();
      Object.assign(reader.active, { tileCache: new TileNodeCache({ level0: 0 }) });
      const got = await Promise.all([3, 200, 299].map((i) => reader.entriesByIndex([i])));
      for (const [k, i] of [3, 200, 299].entries()) {
        const e = got[k]![0]!;
        expect(e.entry.set).toBeDefined();
        verifyInclusion(i, e.proof.treeSize, entries[i]!.leafHash, e.proof.hashes, e.proof.rootHash);
      }
      const p = await reader.active.consistency(10, 300);
      verifyConsistency(10, 300, p.hashes, (await log.active.consistency(1, 10)).rootHash, p.rootHash);
    } finally {
      await db.close();
      await dir.remove();
    }
  });
});
