/**
 * Upgrading a database written by a previous schema, for each of:
 *  - sql/0001 + 0002 (one tree, `tree_state.id = 1`, no tree id on the per-tree tables);
 *  - sql/0001 … 0004 (tree ids, shards; entries with kind and version as text, a text search index, one
 *    tile row per tile rewritten whole by every batch), the schema before 0005_compact_storage.
 * The old rows are written here with that release's own statements (its batch write, verbatim but for
 * formatting), then the current server starts on that database (the later migrations run) and must
 * serve everything that was there — entries by index and UUID with proofs, search, consistency from
 * an old checkpoint, tiles (the partial one too, after appending to it), witness cosignatures — under
 * the same tree id, and take new appends after them.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { entryUuid, searchIndexKeys } from '@scriba/sdk/entries';
import { EMPTY_ROOT, hashLeaf, verifyConsistency, verifyInclusion } from '@scriba/sdk/merkle';
import { integrate, rightEdgeTiles, type StoredTile } from '@scriba/sdk/tiles';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { REPO_ROOT, startTestServer, tempDir } from '../../../test/helpers/server.js';
import { type ValidatedEntry, validateProposedEntry } from '../src/entries/index.js';
import { generateLogKeyPem, type LogKey, parseLogKeyPem } from '../src/keys/logKey.js';
import { checkpointSigner } from '../src/log/checkpoint.js';
import type { RunningServer } from '../src/main.js';
import type { LogEntryValue } from '../src/routes/v1/entry-view.js';
import { migrate } from '../src/storage/migrate.js';
import { openPostgres } from '../src/storage/postgres.js';
import type { Db } from '../src/storage/types.js';
import { fakeEntry } from './fixtures.js';

const TREE_ID = '4611686018427387917'; // > 2^53: must survive as text, not a JS number
const OLD_BATCHES = [3, 300, 1];
const COSIG = `— witness.example/w1 ${Buffer.alloc(72, 7).toString('base64')}\n`;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

/** The previous release's batch write (packages/server/src/log/sequencer.ts before the tree id). */
const OLD_WRITE_SQL = `
  WITH st AS (
    UPDATE tree_state SET tree_size = $1, root_hash = decode($2, 'hex'), checkpoint = $3, updated_at = now()
     WHERE id = 1 RETURNING 1),
  cp AS (
    INSERT INTO checkpoints (tree_size, root_hash, note) VALUES ($1, decode($2, 'hex'), $3)
    ON CONFLICT (tree_size) DO UPDATE SET note = EXCLUDED.note, root_hash = EXCLUDED.root_hash RETURNING 1),
  en AS (
    INSERT INTO entries (log_index, leaf_hash, kind, api_version, body, integrated_time)
    SELECT u.i, decode(u.h, 'hex'), u.k, u.v, decode(u.b, 'base64'), $4
      FROM unnest($5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[]) AS u(i, h, k, v, b)
    RETURNING 1),
  si AS (
    INSERT INTO search_index (key, log_index)
    SELECT u.k, u.i FROM unnest($10::text[], $11::bigint[]) AS u(k, i)
    ON CONFLICT DO NOTHING RETURNING 1),
  ti AS (
    INSERT INTO tiles (level, idx, hashes)
    SELECT u.l, u.i, decode(u.h, 'hex') FROM unnest($12::int[], $13::bigint[], $14::text[]) AS u(l, i, h)
    ON CONFLICT (level, idx) DO UPDATE SET hashes = EXCLUDED.hashes RETURNING 1)
  SELECT (SELECT count(*) FROM en) AS entries`;

/** The batch write of schemas 0003 and 0004 (packages/server/src/storage/log-storage.ts then). */
const V4_WRITE_SQL = `
  WITH st AS (
    UPDATE tree_state SET tree_size = $1, root_hash = decode($2, 'hex'), checkpoint = $3, updated_at = now()
     WHERE tree_id = $15 RETURNING 1),
  cp AS (
    INSERT INTO checkpoints (tree_id, tree_size, root_hash, note) VALUES ($15, $1, decode($2, 'hex'), $3)
    ON CONFLICT (tree_id, tree_size) DO UPDATE SET note = EXCLUDED.note, root_hash = EXCLUDED.root_hash RETURNING 1),
  en AS (
    INSERT INTO entries (tree_id, log_index, leaf_hash, kind, api_version, body, integrated_time)
    SELECT $15, u.i, decode(u.h, 'hex'), u.k, u.v, decode(u.b, 'base64'), $4
      FROM unnest($5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[]) AS u(i, h, k, v, b)
    RETURNING 1),
  si AS (
    INSERT INTO search_index (key, tree_id, log_index)
    SELECT u.k, $15, u.i FROM unnest($10::text[], $11::bigint[]) AS u(k, i)
    ON CONFLICT DO NOTHING RETURNING 1),
  ti AS (
    INSERT INTO tiles (tree_id, level, idx, hashes)
    SELECT $15, u.l, u.i, decode(u.h, 'hex') FROM unnest($12::int[], $13::bigint[], $14::text[]) AS u(l, i, h)
    ON CONFLICT (tree_id, level, idx) DO UPDATE SET hashes = EXCLUDED.hashes RETURNING 1)
  SELECT (SELECT count(*) FROM en) AS entries, (SELECT count(*) FROM st) AS state`;

type OldSchema = {
  files: string[];
  /** Creates the tree as that release's start did. */
  seed(db: Db, key: LogKey): Promise<void>;
  write: string;
  /** Extra parameters of `write` after the 14 both share. */
  extra: unknown[];
  /** Keeps a witness cosignature and status as that release's witness pusher did. */
  witness(db: Db, size: number, root: Uint8Array): Promise<void>;
};

const OLD_SCHEMAS: [string, OldSchema][] = [
  [
    '0001-0002 (one tree, no tree ids)',
    {
      files: ['0001_init.sql', '0002_witness_cosignatures.sql'],
      seed: async (db, key) => {
        await db.query(
          `INSERT INTO tree_state (id, tree_id, log_id, tree_size, root_hash) VALUES (1, $1, $2, 0, $3)
           ON CONFLICT (id) DO NOTHING`,
          [TREE_ID, key.logId, EMPTY_ROOT],
        );
      },
      write: OLD_WRITE_SQL,
      extra: [],
      witness: async (db, size, root) => {
        await db.query(
          `INSERT INTO checkpoint_cosignatures (tree_size, root_hash, witness, key_hash, line)
           VALUES ($1, $2, 'witness.example/w1', 7, $3)`,
          [size, root, COSIG],
        );
        await db.query("INSERT INTO witness_status (url, size) VALUES ('http://127.0.0.1:9/w', $1)", [size]);
      },
    },
  ],
  [
    '0001-0004 (text search keys, whole-row tiles)',
    {
      files: ['0001_init.sql', '0002_witness_cosignatures.sql', '0003_tree_id.sql', '0004_shards.sql'],
      seed: async (db, key) => {
        await db.query(
          `INSERT INTO tree_state (tree_id, log_id, tree_size, root_hash, active) VALUES ($1, $2, 0, $3, true)
           ON CONFLICT DO NOTHING`,
          [TREE_ID, key.logId, EMPTY_ROOT],
        );
      },
      write: V4_WRITE_SQL,
      extra: [TREE_ID],
      witness: async (db, size, root) => {
        await db.query(
          `INSERT INTO checkpoint_cosignatures (tree_id, tree_size, root_hash, witness, key_hash, line)
           VALUES ($4, $1, $2, 'witness.example/w1', 7, $3)`,
          [size, root, COSIG, TREE_ID],
        );
        await db.query(
          "INSERT INTO witness_status (tree_id, url, size) VALUES ($2, 'http://127.0.0.1:9/w', $1)",
          [size, TREE_ID],
        );
      },
    },
  ],
];

describe.each(OLD_SCHEMAS)('upgrading a database of schema %s', (_name, old) => {
  let server: RunningServer;
  const cleanups: (() => Promise<void>)[] = [];
  const leaves: Uint8Array[] = [];
  const bodies: Uint8Array[] = [];
  const written: ValidatedEntry[] = [];
  const oldRoots = new Map<number, Uint8Array>();
  let oldSize = 0;
  let logIdHex = '';

  beforeAll(async () => {
    const t = await createTestDatabase('scriba_upgrade');
    cleanups.push(t.drop);
    const dir = await tempDir();
    cleanups.push(dir.remove);
    // The previous schema only.
    const oldSql = join(dir.path, 'old-sql');
    await mkdir(oldSql);
    for (const f of old.files) await copyFile(join(REPO_ROOT, 'sql', f), join(oldSql, f));
    const db = openPostgres(t.url, 1);
    try {
      expect(await migrate(db, oldSql)).toEqual(old.files.map((f) => Number(f.slice(0, 4))));
      const pem = generateLogKeyPem();
      await writeFile(join(dir.path, 'log-key.pem'), pem, { mode: 0o600 });
      const key = parseLogKeyPem(pem, 'old');
      logIdHex = key.logIdHex;
      // As the previous LogService.treeOrigin + init did.
      await old.seed(db, key);
      const signer = await checkpointSigner(key, 'old.example', `old.example - ${TREE_ID}`);
      let edge: StoredTile[] = [];
      const realSigner = newSigner();
      for (const n of OLD_BATCHES) {
        // Real hashedrekord bodies among them (the first of each batch): stored as they are before
        // sql/0007, where the server now stores such a body in the compact form.
        const entries = [
          await validateProposedEntry(hashedRekord(realSigner)),
          ...Array.from({ length: n - 1 }, () => fakeEntry()),
        ];
        const r = integrate(
          oldSize,
          rightEdgeTiles(oldSize).map((w) => edge.find((e) => e.level === w.level && e.index === w.index)!),
          entries.map((e) => e.leafHash),
        );
        edge = r.edge;
        const note = await signer.sign(r.newSize, r.rootHash);
        const keys: string[] = [];
        const keyIdx: number[] = [];
        entries.forEach((e, i) => {
          for (const k of searchIndexKeys(e.searchKeys)) {
            keys.push(k);
            keyIdx.push(oldSize + i);
          }
        });
        const { rows } = await db.query<{ entries: unknown }>(old.write, [
          r.newSize,
          hex(r.rootHash),
          note,
          1_700_000_000 + oldSize,
          entries.map((_, i) => oldSize + i),
          entries.map((e) => hex(e.leafHash)),
          entries.map((e) => e.kind),
          entries.map((e) => e.apiVersion),
          entries.map((e) => Buffer.from(e.body).toString('base64')),
          keys,
          keyIdx,
          r.changed.map((c) => c.level),
          r.changed.map((c) => c.index),
          r.changed.map((c) => hex(c.hashes)),
          ...old.extra,
        ]);
        expect(Number(rows[0]!.entries)).toBe(n);
        for (const e of entries) {
          written.push(e);
          leaves.push(e.leafHash);
          bodies.push(e.body);
        }
        oldSize = r.newSize;
        oldRoots.set(oldSize, r.rootHash);
      }
      // A witness the old log pushed to, and the cosignature it returned for the latest checkpoint.
      await old.witness(db, oldSize, oldRoots.get(oldSize)!);
    } finally {
      await db.close();
    }
    server = await startTestServer({ DATABASE_URL: t.url, SCRIBA_DATA_DIR: dir.path });
    cleanups.push(() => server.close());
  });

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('keeps the tree: same tree id, size and root', async () => {
    const info = (await (await fetch(`${server.url}/api/v1/log`)).json()) as Record<string, unknown>;
    expect(info.treeID).toBe(TREE_ID);
    expect(info.treeSize).toBe(oldSize);
    expect(info.rootHash).toBe(hex(oldRoots.get(oldSize)!));
  });

  it('gives every existing row the tree id, and keeps one active tree', async () => {
    for (const table of [
      'entries',
      'tiles',
      'checkpoints',
      'search_keys',
      'checkpoint_cosignatures',
      'witness_status',
    ]) {
      const { rows } = await server.db.query<{ n: number; bad: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE tree_id::text <> $1)::int AS bad FROM ${table}`,
        [TREE_ID],
      );
      expect(rows[0]!.n, table).toBeGreaterThan(0);
      expect(rows[0]!.bad, table).toBe(0);
    }
    const { rows } = await server.db.query<{ tree_id: unknown; active: boolean }>(
      'SELECT tree_id, active FROM tree_state',
    );
    expect(rows.map((r) => [String(r.tree_id), r.active])).toEqual([[TREE_ID, true]]);
  });

  it('serves old entries by index and by UUID, with proofs that verify', async () => {
    for (const i of [0, 2, 3, 255, 256, oldSize - 1]) {
      const r = await fetch(`${server.url}/api/v1/log/entries?logIndex=${i}`);
      expect(r.status).toBe(200);
      const [uuid, v] = Object.entries((await r.json()) as Record<string, LogEntryValue>)[0]!;
      expect(uuid).toBe(entryUuid(TREE_ID, leaves[i]!));
      expect(Buffer.from(v.body, 'base64').equals(Buffer.from(bodies[i]!))).toBe(true);
      expect(v.logID).toBe(logIdHex);
      const p = v.verification.inclusionProof;
      verifyInclusion(i, p.treeSize, hashLeaf(bodies[i]!), p.hashes.map(unhex), unhex(p.rootHash));
      const byUuid = await fetch(`${server.url}/api/v1/log/entries/${uuid}`);
      expect(byUuid.status).toBe(200);
      expect(Object.keys((await byUuid.json()) as object)).toEqual([uuid]);
    }
  });

  it('finds old entries through the search index', async () => {
    const r = await fetch(`${server.url}/api/v1/index/retrieve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hash: `sha256:${'ab'.repeat(32)}` }),
    });
    expect(r.status).toBe(200);
    const uuids = (await r.json()) as string[];
    expect(uuids.length).toBe(oldSize - OLD_BATCHES.length);
    expect(uuids[0]).toBe(entryUuid(TREE_ID, leaves[1]!));
  });

  it('proves consistency from an old checkpoint, and serves old tiles and cosignatures', async () => {
    const r = await fetch(`${server.url}/api/v1/log/proof?firstSize=3&lastSize=${oldSize}`);
    expect(r.status).toBe(200);
    const proof = (await r.json()) as { rootHash: string; hashes: string[] };
    verifyConsistency(3, oldSize, proof.hashes.map(unhex), oldRoots.get(3)!, unhex(proof.rootHash));
    const tile = await fetch(`${server.url}/api/v2/tile/0/000`);
    expect(tile.status).toBe(200);
    expect(new Uint8Array(await tile.arrayBuffer()).subarray(0, 32)).toEqual(leaves[0]);
    const cp = await (await fetch(`${server.url}/api/v2/checkpoint`)).text();
    expect(cp.endsWith(COSIG)).toBe(true);
  });

  it('appends after the old entries, and refuses a duplicate of one', async () => {
    const signer = newSigner();
    const r = await postEntry(server.url, hashedRekord(signer));
    expect(r.status).toBe(201);
    const v = Object.values((await r.json()) as Record<string, LogEntryValue>)[0]!;
    expect(v.logIndex).toBe(oldSize);
    const p = v.verification.inclusionProof;
    expect(p.treeSize).toBe(oldSize + 1);
    const again = await fetch(`${server.url}/api/v1/log/proof?firstSize=${oldSize}&lastSize=${oldSize + 1}`);
    const c = (await again.json()) as { rootHash: string; hashes: string[] };
    verifyConsistency(oldSize, oldSize + 1, c.hashes.map(unhex), oldRoots.get(oldSize)!, unhex(c.rootHash));
    const { rows } = await server.db.query<{ tree_id: unknown; leaf_hash: unknown }>(
      'SELECT tree_id, leaf_hash FROM entries WHERE log_index = $1',
      [oldSize],
    );
    expect(String(rows[0]!.tree_id)).toBe(TREE_ID);
    // An entry written before the upgrade is a duplicate, found at its old index.
    const dup = await server.log.append(written[1]!);
    expect(dup).toEqual({
      kind: 'duplicate',
      treeId: TREE_ID,
      offset: 0,
      index: 1,
      uuid: entryUuid(TREE_ID, leaves[1]!),
    });
  });
  it('stores search keys as binary keys and kinds as codes, and grows a partial tile by appending rows', async () => {
    const count = async (sql: string) => (await server.db.query<{ n: number }>(sql)).rows[0]!.n;
    expect(await count("SELECT count(*)::int AS n FROM pg_class WHERE relname = 'search_index'")).toBe(0);
    // One key per fake entry, two (digest and key) per real hashedrekord one.
    expect(await count('SELECT count(*)::int AS n FROM search_keys WHERE log_index < 304')).toBe(
      oldSize + OLD_BATCHES.length,
    );
    const { rows: kinds } = await server.db.query<{ kind: string; api_version: string }>(
      'SELECT DISTINCT k.kind, k.api_version FROM entries e JOIN entry_kinds k ON k.code = e.kind_code',
    );
    expect(kinds).toEqual([{ kind: 'hashedrekord', api_version: '0.0.1' }]);
    // The old partial tile 0/001 (48 hashes, one row) took the entry appended above as a row of its own.
    const tileRows = async () =>
      (
        await server.db.query<{ start: number; w: number }>(
          'SELECT start, length(hashes) / 32 AS w FROM tiles WHERE level = 0 AND idx = 1 ORDER BY start',
        )
      ).rows;
    expect(oldSize).toBe(304);
    expect(await tileRows()).toEqual([
      { start: 0, w: 48 },
      { start: 48, w: 1 },
    ]);
    const { rows } = await server.db.query<{ leaf_hash: Uint8Array }>(
      'SELECT leaf_hash FROM entries WHERE log_index = $1',
      [oldSize],
    );
    const leaf305 = new Uint8Array(rows[0]!.leaf_hash);
    const partial = await fetch(`${server.url}/api/v2/tile/0/001.p/49`);
    expect(partial.status).toBe(200);
    expect(Buffer.from(await partial.arrayBuffer())).toEqual(
      Buffer.concat([...leaves.slice(256, 304), leaf305]),
    );
    // Filling the tile leaves it one row again, served whole.
    const more = Array.from({ length: 512 - oldSize - 1 }, () => fakeEntry());
    await Promise.all(more.map((e) => server.log.append(e)));
    expect(await tileRows()).toEqual([{ start: 0, w: 256 }]);
    const full = await fetch(`${server.url}/api/v2/tile/0/001`);
    expect(Buffer.from(await full.arrayBuffer())).toEqual(
      Buffer.concat([...leaves.slice(256, 304), leaf305, ...more.map((e) => e.leafHash)]),
    );
    // The search finds old and new entries by the same key.
    const r = await fetch(`${server.url}/api/v1/index/retrieve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hash: `sha256:${'ab'.repeat(32)}` }),
    });
    expect(((await r.json()) as string[]).length).toBe(oldSize - OLD_BATCHES.length + more.length);
  });

  it('keeps old bodies as they were stored, stores new hashedrekord bodies compact, and serves both', async () => {
    const stored = async (i: number) =>
      new Uint8Array(
        (await server.db.query<{ body: Uint8Array }>('SELECT body FROM entries WHERE log_index = $1', [i]))
          .rows[0]!.body,
      );
    const realOld = [0, OLD_BATCHES[0]!, OLD_BATCHES[0]! + OLD_BATCHES[1]!];
    for (const i of realOld) {
      expect(JSON.parse(Buffer.from(bodies[i]!).toString()).kind).toBe('hashedrekord');
      expect(Buffer.from(await stored(i)).equals(Buffer.from(bodies[i]!))).toBe(true);
      const r = await fetch(`${server.url}/api/v1/log/entries?logIndex=${i}`);
      const v = Object.values((await r.json()) as Record<string, LogEntryValue>)[0]!;
      expect(Buffer.from(v.body, 'base64').equals(Buffer.from(bodies[i]!))).toBe(true);
    }
    // A new one, appended after the upgrade: compact in the table, the canonical body on the wire.
    const entry = await validateProposedEntry(hashedRekord(newSigner()));
    const added = await server.log.append(entry);
    if (added.kind !== 'created') throw new Error(`not appended: ${added.kind}`);
    const at = added.index;
    expect((await stored(at))[0]).toBe(0x01);
    expect((await stored(at)).length).toBeLessThan(entry.body.length / 2);
    const r = await fetch(`${server.url}/api/v1/log/entries?logIndex=${at}`);
    const v = Object.values((await r.json()) as Record<string, LogEntryValue>)[0]!;
    expect(Buffer.from(v.body, 'base64').equals(Buffer.from(entry.body))).toBe(true);
  });
});
