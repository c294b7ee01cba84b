/**
 * Coalesced reads (log/shard.ts): reads of one shard asked together are served by one storage
 * statement, and each still gets exactly its own answer: its entry (or none), with an inclusion
 * proof against a signed checkpoint of its shard that includes it.
 */

import { parsePublicKey } from '@scriba/sdk/crypto';
import { verifyInclusion } from '@scriba/sdk/merkle';
import { noteVerifierFromPublicKey, parseCheckpoint, verifyNote } from '@scriba/sdk/note';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { recordingStorage, type StorageCall } from '../../../test/helpers/recording-storage.js';
import { generateLogKeyPem, parseLogKeyPem } from '../src/keys/logKey.js';
import { checkpointSigner } from '../src/log/checkpoint.js';
import { Metrics } from '../src/log/metrics.js';
import { type EntryWithProof, LogService } from '../src/log/service.js';
import { SqlLogStorage } from '../src/storage/log-storage.js';
import { migrate } from '../src/storage/migrate.js';
import { openPostgres } from '../src/storage/postgres.js';
import type { Db } from '../src/storage/types.js';
import { fakeEntry } from './fixtures.js';

/**
 * Checks `got` is global index `g` of the log with leaf hash `leaf`, proven against a checkpoint of
 * its shard signed with the log key.
 */
async function expectAnswer(got: EntryWithProof | undefined, g: number, leaf: Uint8Array): Promise<void> {
  expect(got).toBeDefined();
  const e = got!;
  expect(e.offset + e.entry.index).toBe(g);
  expect(Buffer.from(e.entry.leafHash).equals(Buffer.from(leaf))).toBe(true);
  const verifier = await noteVerifierFromPublicKey('example.test', parsePublicKey(key.publicKeyPem));
  const { note } = await verifyNote(e.proof.checkpoint, [verifier]);
  const cp = parseCheckpoint(note.text);
  expect(cp.origin).toBe(`example.test - ${e.treeId}`);
  expect(cp.size).toBe(e.proof.treeSize);
  expect(Buffer.from(cp.rootHash).equals(Buffer.from(e.proof.rootHash))).toBe(true);
  expect(e.entry.index).toBeLessThan(e.proof.treeSize);
  verifyInclusion(e.entry.index, e.proof.treeSize, leaf, e.proof.hashes, e.proof.rootHash);
}

const key = parseLogKeyPem(generateLogKeyPem(), 'test');

describe('coalesced reads', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let log: LogService;
  let calls: StorageCall[];
  /** Leaf hash by global index. */
  const leaves: Uint8Array[] = [];
  let firstShard: string;
  let secondShard: string;

  beforeAll(async () => {
    const t = await createTestDatabase();
    drop = t.drop;
    db = openPostgres(t.url, 4);
    await migrate(db);
    const c = recordingStorage(new SqlLogStorage(db));
    calls = c.calls;
    const { treeId } = await LogService.treeOrigin(c.storage, key);
    log = new LogService(
      c.storage,
      treeId,
      key,
      await checkpointSigner(key, 'example.test', `example.test - ${treeId}`),
      new Metrics(),
      { maxBatchSize: 10_000, maxWaitMs: 0 },
    );
    await log.init();
    firstShard = treeId;
    // 300 entries in the first shard (a full level-0 tile and a partial one), 40 in the second.
    for (const n of [300, 40]) {
      if (leaves.length > 0) {
        await log.rotate();
        secondShard = log.active.treeId;
      }
      const entries = Array.from({ length: n }, () => fakeEntry());
      const results = await Promise.all(entries.map((e) => log.append(e)));
      for (const [i, r] of results.entries()) {
        if (r.kind !== 'created') throw new Error('append failed');
        leaves[r.offset + r.index] = entries[i]!.leafHash;
      }
    }
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  describe('when many reads of one shard arrive together', () => {
    it('one storage statement serves them all, each with its own entry and proof', async () => {
      const wanted = [0, 5, 5, 17, 255, 256, 299, 17, 100, 3];
      calls.length = 0;
      const got = await Promise.all(wanted.map((g) => log.entriesByIndex([g])));
      expect(calls.filter((c) => c.name === 'entriesForProofs')).toHaveLength(1);
      for (const [k, g] of wanted.entries()) {
        expect(got[k]).toHaveLength(1);
        await expectAnswer(got[k]![0], g, leaves[g]!);
      }
    });
  });

  describe('when the reads span a shard boundary', () => {
    it('each shard reads once, and every read gets the entry of its global index', async () => {
      const wanted = [298, 299, 300, 301, 339, 0, 320, 299];
      calls.length = 0;
      const got = await Promise.all(wanted.map((g) => log.entriesByIndex([g])));
      const reads = calls.filter((c) => c.name === 'entriesForProofs');
      expect(reads.filter((c) => c.tree === firstShard)).toHaveLength(1);
      expect(reads.filter((c) => c.tree === secondShard)).toHaveLength(1);
      for (const [k, g] of wanted.entries()) await expectAnswer(got[k]![0], g, leaves[g]!);
      expect(got[2]![0]!.treeId).toBe(secondShard);
      expect(got[1]![0]!.treeId).toBe(firstShard);
    });
  });

  describe('when some reads ask for an index past the head or one no tree holds', () => {
    it('those get no entry, and the others theirs', async () => {
      const wanted = [301, 340, 10_000, 2 ** 52, 7, 339];
      const got = await Promise.all(wanted.map((g) => log.entriesByIndex([g])));
      expect(got[1]).toEqual([]);
      expect(got[2]).toEqual([]);
      expect(got[3]).toEqual([]);
      await expectAnswer(got[0]![0], 301, leaves[301]!);
      await expectAnswer(got[4]![0], 7, leaves[7]!);
      await expectAnswer(got[5]![0], 339, leaves[339]!);
    });
  });

  describe('when an entry is appended while reads are gathered', () => {
    it('a read of it is answered against a checkpoint that includes it', async () => {
      const added = fakeEntry();
      const appended = log.append(added);
      const reads = Promise.all([340, 0, 339].map((g) => log.entriesByIndex([g])));
      const r = await appended;
      if (r.kind !== 'created') throw new Error('append failed');
      leaves[340] = added.leafHash;
      const [late, first, last] = await reads;
      // Read before the append committed: absent; after: proven against a head holding it.
      if (late!.length > 0) await expectAnswer(late![0], 340, added.leafHash);
      await expectAnswer(first![0], 0, leaves[0]!);
      await expectAnswer(last![0], 339, leaves[339]!);
      const [again] = await log.entriesByIndex([340]);
      await expectAnswer(again, 340, added.leafHash);
    });
  });

  describe('when consistency proofs and entry reads arrive together', () => {
    it('their tile reads share the statement, and each proof is right', async () => {
      const shard = (await log.shard(firstShard))!;
      const [a, b] = await Promise.all([shard.consistency(10, 300), log.entriesByIndex([42])]);
      expect(a.hashes.length).toBeGreaterThan(0);
      await expectAnswer(b[0], 42, leaves[42]!);
    });
  });
});
