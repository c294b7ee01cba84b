import { rootFromLeafHashes, verifyConsistency, verifyInclusion } from '@scriba/sdk/merkle';
import { buildInclusionProof, TileNodeCache } from '@scriba/sdk/tiles';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { generateLogKeyPem, parseLogKeyPem } from '../src/keys/logKey.js';
import { checkpointSigner } from '../src/log/checkpoint.js';
import { Metrics } from '../src/log/metrics.js';
import { LogService } from '../src/log/service.js';
import { tileGetter } from '../src/log/tileStore.js';
import { SqlLogStorage } from '../src/storage/log-storage.js';
import { migrate } from '../src/storage/migrate.js';
import { openPostgres } from '../src/storage/postgres.js';
import type { Db } from '../src/storage/types.js';
import { fakeEntry } from './fixtures.js';

describe('proofs from stored tiles', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let log: LogService;
  const leaves: Uint8Array[] = [];
  const roots = new Map<number, Uint8Array>();
  let appendProofs = 0;
  // Batches chosen to cross tile boundaries (256) and leave partial tiles at two levels.
  const BATCHES = [1, 1, 2, 5, 100, 147, 1, 255, 256, 300, 7, 600, 1];

  beforeAll(async () => {
    const t = await createTestDatabase();
    drop = t.drop;
    db = openPostgres(t.url, 4);
    await migrate(db);
    const key = parseLogKeyPem(generateLogKeyPem(), 'test');
    const storage = new SqlLogStorage(db);
    const { treeId } = await LogService.treeOrigin(storage, key);
    const signer = await checkpointSigner(key, 'example.test', `example.test - ${treeId}`);
    log = new LogService(storage, treeId, key, signer, new Metrics(), { maxBatchSize: 10_000, maxWaitMs: 0 });
    await log.init();
    for (const n of BATCHES) {
      const entries = Array.from({ length: n }, () => fakeEntry());
      const results = await Promise.all(entries.map((e) => log.append(e)));
      for (const [i, r] of results.entries()) {
        if (r.kind !== 'created') throw new Error('expected a new entry');
        leaves.push(entries[i]!.leafHash);
        // The proof answered to the writer (the integrator's, from memory) verifies.
        const p = r.proof;
        verifyInclusion(r.index, p.treeSize, entries[i]!.leafHash, p.hashes, p.rootHash);
        appendProofs++;
      }
      const st = await log.state();
      roots.set(st.treeSize, st.rootHash);
    }
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  describe('buildInclusionProof', () => {
    it('answered every append with a verifying proof', () => {
      expect(appendProofs).toBe(leaves.length);
    });

    it('proves every index against the latest size', async () => {
      const st = await log.state();
      expect(st.treeSize).toBe(leaves.length);
      for (let i = 0; i < st.treeSize; i += 7) {
        const [entry] = await log.entriesByIndex([i]);
        const proof = entry!.proof;
        expect(proof.treeSize).toBe(st.treeSize);
        verifyInclusion(i, st.treeSize, leaves[i]!, proof.hashes, st.rootHash);
      }
    });

    it('proves indices against many earlier tree sizes (roots from checkpoints or tiles)', async () => {
      const st = await log.state();
      const sizes = [
        1,
        2,
        3,
        4,
        5,
        8,
        255,
        256,
        257,
        300,
        511,
        512,
        513,
        1000,
        1023,
        1024,
        1025,
        st.treeSize - 1,
      ];
      for (const size of sizes) {
        const root = rootFromLeafHashes(leaves.slice(0, size));
        expect(Buffer.from(await log.active.rootAt(size)).equals(Buffer.from(root))).toBe(true);
        for (const i of new Set(
          [0, 1, Math.floor(size / 2), size - 2, size - 1].filter((x) => x >= 0 && x < size),
        )) {
          const proof = await buildInclusionProof(i, size, tileGetter(log.tree));
          verifyInclusion(i, size, leaves[i]!, proof, root);
        }
      }
    });
  });

  describe('when many proofs share a tiny tile cache concurrently', () => {
    it('every proof still verifies (cached tiles are pinned per proof, evictions are harmless)', async () => {
      const st = await log.state();
      const cache = new TileNodeCache({ level0: 1, upper: 1, partial: 1 });
      const indices = Array.from({ length: 200 }, (_, i) => (i * 37) % st.treeSize);
      const proofs = await Promise.all(
        indices.map((i) => buildInclusionProof(i, st.treeSize, tileGetter(log.tree), cache)),
      );
      proofs.forEach((p, k) => {
        verifyInclusion(indices[k]!, st.treeSize, leaves[indices[k]!]!, p, st.rootHash);
      });
    });
  });

  describe('consistency', () => {
    it('proves consistency between every pair of checkpointed sizes and arbitrary sizes', async () => {
      const sizes = [...roots.keys(), 3, 17, 255, 256, 257, 511, 513, 1000, 1024];
      const st = await log.state();
      for (const s1 of sizes) {
        for (const s2 of sizes) {
          if (s1 > s2 || s2 > st.treeSize || s1 === 0) continue;
          const p = await log.active.consistency(s1, s2);
          const r1 = rootFromLeafHashes(leaves.slice(0, s1));
          const r2 = rootFromLeafHashes(leaves.slice(0, s2));
          if (roots.has(s2)) expect(Buffer.from(roots.get(s2)!).equals(Buffer.from(r2))).toBe(true);
          expect(Buffer.from(p.rootHash).equals(Buffer.from(r2))).toBe(true);
          verifyConsistency(s1, s2, p.hashes, r1, r2);
        }
      }
    });

    it.each([
      ['firstSize > lastSize', 5, 4, 'FIRST_AFTER_LAST'],
      ['lastSize past the tree', 1, 1_000_000, 'SIZE_PAST_TREE'],
    ])('rejects %s', async (_n, a, b, reason) => {
      await expect(log.active.consistency(a, b)).rejects.toMatchObject({ status: 400, reason });
    });
  });

  describe('duplicates', () => {
    it('answers the existing index for a re-appended entry', async () => {
      const e = fakeEntry('dup');
      const first = await log.append(e);
      const again = await log.append({ ...e });
      expect(first.kind).toBe('created');
      expect(again).toEqual({
        kind: 'duplicate',
        treeId: first.treeId,
        offset: 0,
        index: first.index,
        uuid: first.uuid,
      });
    });
  });
});
