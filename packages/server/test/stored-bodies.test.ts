/**
 * Entry bodies as stored (sql/0007; @scriba/sdk/entries stored-body.ts): a hashedrekord 0.0.1 body
 * appended over HTTP is kept compact and served as its canonical bytes by every reader; a damaged
 * compact row is refused with ENTRY_STORED_FORM_INVALID (a 500, never another body); the search
 * index matches full keys only, even when another entry's key shares the indexed 8-byte prefix.
 * Real PostgreSQL, real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { startTestLog, type TestLog, tempDir } from '../../../test/helpers/server.js';
import { validateProposedEntry } from '../src/entries/index.js';
import { generateLogKeyPem, parseLogKeyPem } from '../src/keys/logKey.js';
import { checkpointSigner } from '../src/log/checkpoint.js';
import { Metrics } from '../src/log/metrics.js';
import { LogService } from '../src/log/service.js';
import type { RunningServer } from '../src/main.js';
import type { LogEntryValue } from '../src/routes/v1/entry-view.js';
import { SqlLogStorage, searchKeyHash } from '../src/storage/log-storage.js';
import { migrate } from '../src/storage/migrate.js';
import { openPglite } from '../src/storage/pglite.js';

type Appended = { index: number; uuid: string; body: Buffer; digest: string };

describe('stored entry bodies', () => {
  let server: RunningServer;
  let storage: SqlLogStorage;
  let treeId: string;
  let log: TestLog | undefined;
  const appended: Appended[] = [];

  const stored = async (i: number): Promise<Buffer> =>
    Buffer.from(
      (await server.db.query<{ body: Uint8Array }>('SELECT body FROM entries WHERE log_index = $1', [i]))
        .rows[0]!.body,
    );
  const setStored = (i: number, body: Uint8Array) =>
    server.db.query('UPDATE entries SET body = $2 WHERE log_index = $1', [i, body]);
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => 'resolved',
      (e: { code?: string }) => e.code ?? String(e),
    );
  const retrieve = async (hash: string): Promise<string[]> => {
    const r = await fetch(`${server.url}/api/v1/index/retrieve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hash }),
    });
    expect(r.status).toBe(200);
    return (await r.json()) as string[];
  };

  beforeAll(async () => {
    log = await startTestLog({ database: 'scriba_stored_bodies' });
    server = log.server;
    storage = new SqlLogStorage(server.db);
    const signer = newSigner();
    for (let i = 0; i < 6; i++) {
      const proposed = hashedRekord(signer);
      const r = await postEntry(server.url, proposed);
      expect(r.status).toBe(201);
      const [uuid, v] = Object.entries((await r.json()) as Record<string, LogEntryValue>)[0]!;
      const digest = (proposed.spec as { data: { hash: { value: string } } }).data.hash.value;
      appended.push({ index: v.logIndex, uuid, body: Buffer.from(v.body, 'base64'), digest });
    }
    treeId = (await storage.shards())[0]!.treeId;
  });

  afterAll(async () => {
    await log?.stop();
  });

  it('keeps a hashedrekord body compact and serves its canonical bytes by index, UUID and entry bundle', async () => {
    const a = appended[0]!;
    const s = await stored(a.index);
    expect(s[0]).toBe(0x01);
    expect(s.length).toBeLessThan(a.body.length / 2);
    const byIndex = await fetch(`${server.url}/api/v1/log/entries?logIndex=${a.index}`);
    const v = Object.values((await byIndex.json()) as Record<string, LogEntryValue>)[0]!;
    expect(Buffer.from(v.body, 'base64').equals(a.body)).toBe(true);
    const byUuid = await fetch(`${server.url}/api/v1/log/entries/${a.uuid}`);
    expect(Object.keys((await byUuid.json()) as object)).toEqual([a.uuid]);
    const bodies = await storage.entryBodies(treeId, 0, appended.length);
    expect(bodies.map((b) => Buffer.from(b).toString('base64'))).toEqual(
      appended.map((x) => x.body.toString('base64')),
    );
  });

  describe('when a compact row is damaged', () => {
    it.each([
      [
        'a changed byte of the key (still well-formed)',
        (s: Buffer) => Buffer.concat([s.subarray(0, -1), Buffer.from([s.at(-1)! ^ 1])]),
      ],
      ['a byte cut off', (s: Buffer) => s.subarray(0, -1)],
      [
        'an unknown digest algorithm',
        (s: Buffer) => Buffer.concat([s.subarray(0, 1), Buffer.from([9]), s.subarray(2)]),
      ],
    ])('refuses it with ENTRY_STORED_FORM_INVALID: %s', async (_, damage) => {
      const a = appended[1]!;
      const good = await stored(a.index);
      await setStored(a.index, damage(good));
      try {
        expect(await codeOf(storage.entriesByIndex(treeId, [a.index]))).toBe('ENTRY_STORED_FORM_INVALID');
        expect(await codeOf(storage.entryBodies(treeId, 0, appended.length))).toBe(
          'ENTRY_STORED_FORM_INVALID',
        );
        const fresh = new SqlLogStorage(server.db);
        expect(
          await codeOf(
            fresh.entriesForProofs(treeId, {
              by: { indices: [a.index] },
              tiles: [],
              entryTiles: false,
              withTree: false,
            }),
          ),
        ).toBe('ENTRY_STORED_FORM_INVALID');
        const r = await fetch(`${server.url}/api/v1/log/entries?logIndex=${a.index}`);
        expect(r.status).toBe(500);
        expect(await r.text()).not.toContain(a.body.toString('base64').slice(0, 40));
      } finally {
        await setStored(a.index, good);
      }
      const r = await fetch(`${server.url}/api/v1/log/entries?logIndex=${a.index}`);
      expect(r.status).toBe(200);
    });
  });

  describe('search', () => {
    it('does not return an entry whose key only shares the indexed prefix', async () => {
      const [a, b, c] = [appended[2]!, appended[3]!, appended[4]!];
      // Entries b (a third key in its row) and c (a search_keys row) also get a key with the 8-byte
      // prefix of a's digest key and other remaining bytes.
      const h = searchKeyHash(`sha256:${a.digest}`);
      const forged = `${h.slice(0, 16)}${'0'.repeat(47)}${h.at(-1) === '0' ? '1' : '0'}`;
      expect(forged.slice(0, 16)).toBe(h.slice(0, 16));
      expect(forged).not.toBe(h);
      const forgedInRow = await server.db.query(
        `UPDATE entries SET key3 = ('x' || $3)::bit(64)::bigint, key_rest = key_rest || decode($4, 'hex')
          WHERE tree_id = $1 AND log_index = $2 AND key2 IS NOT NULL AND key3 IS NULL
          RETURNING log_index`,
        [treeId, b.index, forged.slice(0, 16), forged.slice(16)],
      );
      expect(forgedInRow.rows).toHaveLength(1);
      await server.db.query(
        `INSERT INTO search_keys (tree_id, log_index, prefix, rest)
         VALUES ($1, $2, ('x' || $3)::bit(64)::bigint, decode($4, 'hex'))`,
        [treeId, c.index, forged.slice(0, 16), forged.slice(16)],
      );
      const { rows } = await server.db.query<{ n: number }>(
        `SELECT count(DISTINCT log_index)::int AS n FROM (
           SELECT log_index FROM search_keys WHERE prefix = ('x' || $1)::bit(64)::bigint
           UNION SELECT log_index FROM entries WHERE ('x' || $1)::bit(64)::bigint IN (key1, key2, key3)) m`,
        [h.slice(0, 16)],
      );
      expect(rows[0]!.n).toBe(3);
      expect(await retrieve(`sha256:${a.digest}`)).toEqual([a.uuid]);
      expect(await retrieve(`sha256:${b.digest}`)).toEqual([b.uuid]);
      expect(await retrieve(`sha256:${c.digest}`)).toEqual([c.uuid]);
    });
  });

  it('works the same on PGlite (the embedded default): compact body served whole, a duplicate refused', async () => {
    const dir = await tempDir();
    const db = await openPglite(dir.path);
    try {
      await migrate(db);
      const key = parseLogKeyPem(generateLogKeyPem(), 'test');
      const pgl = new SqlLogStorage(db);
      const { treeId: tree } = await LogService.treeOrigin(pgl, key);
      const signer = await checkpointSigner(key, 'example.test', `example.test - ${tree}`);
      const log = new LogService(pgl, tree, key, signer, new Metrics(), { maxBatchSize: 16, maxWaitMs: 0 });
      await log.init();
      const entry = await validateProposedEntry(hashedRekord(newSigner()));
      const first = await log.append(entry);
      expect(first.kind).toBe('created');
      expect((await log.append(entry)).kind).toBe('duplicate');
      const { rows } = await db.query<{ body: Uint8Array }>('SELECT body FROM entries');
      expect(rows).toHaveLength(1);
      expect(new Uint8Array(rows[0]!.body)[0]).toBe(0x01);
      const [read] = await pgl.entriesByIndex(tree, [0]);
      expect(Buffer.from(read!.body).equals(Buffer.from(entry.body))).toBe(true);
    } finally {
      await db.close();
      await dir.remove();
    }
  });
});
