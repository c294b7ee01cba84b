/**
 * Stored signed entry timestamps (log/entry-timestamp.ts, sql/0006): the SET of an entry is signed
 * once, in the batch that integrates it, with its shard's key over its global index, and stored;
 * reads (in any process) answer the stored one; a row stored without one gets a valid SET on read.
 */
import { createPublicKey, verify } from 'node:crypto';
import { canonicalJsonBytes } from '@scriba/sdk/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { generateLogKeyPem, type LogKey, parseLogKeyPem } from '../src/keys/logKey.js';
import { checkpointSigner } from '../src/log/checkpoint.js';
import { Metrics } from '../src/log/metrics.js';
import { type Created, type EntryWithProof, LogService } from '../src/log/service.js';
import { newSetCache, renderCreated, renderLogEntry } from '../src/routes/v1/entry-view.js';
import { SqlLogStorage } from '../src/storage/log-storage.js';
import { migrate } from '../src/storage/migrate.js';
import { openPostgres } from '../src/storage/postgres.js';
import type { Db } from '../src/storage/types.js';
import { fakeEntry } from './fixtures.js';

const key = parseLogKeyPem(generateLogKeyPem(), 'test');

/** True when `setB64` is `key`'s signature over the SET payload, built as the SDK's verifier does. */
function setVerifies(
  k: LogKey,
  setB64: string,
  c: { body: Uint8Array; integratedTime: number; logIndex: number },
) {
  const payload = canonicalJsonBytes({
    body: Buffer.from(c.body).toString('base64'),
    integratedTime: c.integratedTime,
    logID: k.logIdHex,
    logIndex: c.logIndex,
  });
  return verify('sha256', payload, createPublicKey(k.publicKeyPem), Buffer.from(setB64, 'base64'));
}

const setOf = (rendered: Record<string, { verification: { signedEntryTimestamp: string } }>) =>
  Object.values(rendered)[0]!.verification.signedEntryTimestamp;

describe('stored signed entry timestamps', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let log: LogService;
  let other: LogService;
  const created: Created[] = [];
  const make = async (treeId: string) =>
    new LogService(
      new SqlLogStorage(db),
      treeId,
      key,
      await checkpointSigner(key, 'example.test', `example.test - ${treeId}`),
      new Metrics(),
      { maxBatchSize: 10_000, maxWaitMs: 0 },
    );

  beforeAll(async () => {
    const t = await createTestDatabase();
    drop = t.drop;
    db = openPostgres(t.url, 4);
    await migrate(db);
    const { treeId } = await LogService.treeOrigin(new SqlLogStorage(db), key);
    log = await make(treeId);
    await log.init();
    // Two shards: SETs sign the global index (offset + tree-local index).
    for (const n of [20, 10]) {
      if (created.length > 0) await log.rotate();
      const rs = await Promise.all(Array.from({ length: n }, () => log.append(fakeEntry())));
      for (const r of rs) if (r.kind === 'created') created.push(r);
    }
    // A second process on the same database (its own caches, nothing signed by it yet).
    other = await make(log.treeId);
    await other.init();
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  describe('when an entry is appended', () => {
    it('its SET is stored with it and verifies with the shard key over its global index', async () => {
      const { rows } = await db.query<{ tree_id: string; log_index: string; set_signature: Buffer | null }>(
        'SELECT tree_id, log_index, set_signature FROM entries ORDER BY tree_id, log_index',
      );
      expect(rows).toHaveLength(created.length);
      for (const c of created) {
        const row = rows.find((r) => r.tree_id === c.treeId && Number(r.log_index) === c.index);
        expect(row?.set_signature).toBeInstanceOf(Buffer);
        const stored = row!.set_signature!.toString('base64');
        expect(stored).toBe(Buffer.from(c.set).toString('base64'));
        const logIndex = c.offset + c.index;
        expect(
          setVerifies(key, stored, { body: c.entry.body, integratedTime: c.integratedTime, logIndex }),
        ).toBe(true);
        // Not a SET over the tree-local index (the second shard's entries differ there).
        if (c.offset > 0) {
          expect(
            setVerifies(key, stored, {
              body: c.entry.body,
              integratedTime: c.integratedTime,
              logIndex: c.index,
            }),
          ).toBe(false);
        }
      }
      expect(created.some((c) => c.offset > 0)).toBe(true);
    });

    it('the append answer carries the stored SET (nothing signed on the way out)', async () => {
      const sets = newSetCache();
      const c = created[25]!;
      const v = await renderCreated(key, sets, c);
      expect(v.verification.signedEntryTimestamp).toBe(Buffer.from(c.set).toString('base64'));
      expect(sets.size).toBe(0);
    });
  });

  describe('when the indices signed ahead of the lock turn out wrong', () => {
    it.each([
      ['another process appended in between', async () => [await other.append(fakeEntry())]],
      ['the batch holds an entry already logged', async () => []],
    ])('(%s) the SETs are signed again for the indices the entries got', async (label, between) => {
      const sign = await log.append(fakeEntry()); // this process's edge: SETs are signed ahead
      expect(sign.kind).toBe('created');
      await between();
      const batch = [fakeEntry(), fakeEntry()];
      const again = label.includes('already') ? [(sign as Created).entry, ...batch] : batch;
      const rs = await Promise.all(again.map((e) => log.append(e)));
      const made = rs.filter((r): r is Created => r.kind === 'created');
      expect(made).toHaveLength(2);
      for (const c of made) {
        const logIndex = c.offset + c.index;
        const stored = Buffer.from(c.set).toString('base64');
        expect(
          setVerifies(key, stored, { body: c.entry.body, integratedTime: c.integratedTime, logIndex }),
        ).toBe(true);
      }
    });
  });

  describe('when an entry is read', () => {
    it.each([
      ['the appending process', () => log],
      ['another process', () => other],
    ])('through %s, the stored SET is answered', async (_, reader) => {
      const sets = newSetCache();
      for (const c of [created[0]!, created[19]!, created[20]!, created[29]!]) {
        const [e] = (await reader().entriesByIndex([c.offset + c.index])) as EntryWithProof[];
        const rendered = await renderLogEntry(key, sets, e!);
        // ECDSA signatures are randomized: equal bytes mean the stored one, not a new signature.
        expect(setOf(rendered)).toBe(Buffer.from(c.set).toString('base64'));
      }
      expect(sets.size).toBe(0);
    });
  });

  describe('when a row was stored without a SET (before sql/0006)', () => {
    it('its SET is signed on read, and verifies', async () => {
      const c = created[22]!;
      await db.query('UPDATE entries SET set_signature = NULL WHERE tree_id = $1 AND log_index = $2', [
        c.treeId,
        c.index,
      ]);
      const sets = newSetCache();
      const [e] = await other.entriesByIndex([c.offset + c.index]);
      expect(e!.entry.set).toBeUndefined();
      const set = setOf(await renderLogEntry(key, sets, e!));
      expect(set).not.toBe(Buffer.from(c.set).toString('base64'));
      const logIndex = c.offset + c.index;
      expect(setVerifies(key, set, { body: c.entry.body, integratedTime: c.integratedTime, logIndex })).toBe(
        true,
      );
      expect(sets.size).toBe(1);
    });
  });
});
