/**
 * The PostgreSQL / PGlite implementation of the log's storage port (log/storage.ts): all of the log's
 * SQL. Schema: sql/ (tree_state, entries, tiles, checkpoints, search_index, checkpoint_cosignatures,
 * witness_status), every per-tree table keyed by tree_id.
 *
 * The tree lock is the tree's tree_state row (SELECT … FOR UPDATE), which serializes the batches of
 * every server process on the database. The lock and the duplicate check travel with BEGIN in one
 * round trip (simple protocol, no parameters: the literals are the tree id and leaf hashes the server
 * computed, checked here to be decimal / 64 hex), the whole write in one statement sent with COMMIT
 * behind it (pipelined: the statement itself refuses what must not commit); a batch is two round
 * trips (three when the right-edge tiles must be read).
 *
 * Reads of entries with proofs are one statement each (entriesForProofs: the entries, the tiles or
 * leaf groups their proofs need, the tree head when asked), prepared per connection for one entry.
 */
import { tileKey } from '@scriba/sdk/tiles';
import {
  type BatchWrite,
  type CosignatureRow,
  type ExistingEntry,
  type LockedTree,
  type LogStorage,
  type NewTree,
  type ProofRead,
  type StoredEntry,
  type TreeHead,
  type TreeId,
  TreeNotActiveError,
  type TreeRecord,
} from '../log/storage.js';
import { sqlState } from './errors.js';
import { type Db, type Queryable, type TxQueryable, toBytes, toNumber } from './types.js';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

/** A tree id as an SQL literal: only decimal int64 text passes. */
function treeLiteral(treeId: TreeId): string {
  if (!/^(0|[1-9][0-9]{0,18})$/.test(treeId) || BigInt(treeId) > 0x7fffffffffffffffn)
    throw new Error(`tree id must be a decimal int64, got ${JSON.stringify(treeId)}`);
  return treeId;
}

/**
 * BEGIN's companions: the tree lock (and whether the tree is still active), then the duplicates among
 * the batch in every tree of the log (read after the lock: rotations take the same lock).
 */
function openingSql(treeId: TreeId, hexHashes: string[]): string {
  const t = treeLiteral(treeId);
  for (const h of hexHashes) if (!/^[0-9a-f]{64}$/.test(h)) throw new Error('leaf hash must be 64 hex');
  const lock = `SELECT tree_size, active FROM tree_state WHERE tree_id = ${t} FOR UPDATE`;
  const list = hexHashes.map((h) => `'\\x${h}'::bytea`).join(',');
  const dups =
    list === ''
      ? 'SELECT log_index AS a, tree_id AS t, leaf_hash AS h FROM entries WHERE false'
      : `SELECT log_index AS a, tree_id AS t, encode(leaf_hash, 'hex') AS h FROM entries WHERE leaf_hash IN (${list})`;
  return `${lock}; ${dups}`;
}

/**
 * Every write of a batch in one statement (data-modifying CTEs all run, referenced or not): tree
 * state, checkpoint, entries, search keys, tiles. Arrays keep the parameter count fixed.
 */
const WRITE_SQL = `
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
  SELECT w.entries, w.state FROM (SELECT (SELECT count(*) FROM en) AS entries, (SELECT count(*) FROM st) AS state) w
   -- The COMMIT is pipelined behind this statement: a write of other than the expected rows MUST
   -- fail here (division by zero, SQLSTATE 22012), never reach the commit.
   WHERE CASE WHEN w.entries = $16 AND w.state = 1 THEN true ELSE 1 / (w.state - w.state) = 0 END`;

const TILES_SQL = `
  SELECT t.level AS a, t.idx AS b, t.hashes AS h
    FROM tiles t JOIN unnest($2::int[], $3::bigint[]) AS k(level, idx) ON t.level = k.level AND t.idx = k.idx
   WHERE t.tree_id = $1`;

type TreeRow = {
  tree_id: unknown;
  log_id: unknown;
  tree_size: unknown;
  root_hash: unknown;
  checkpoint: string | null;
  created_at: Date | string;
  active: boolean;
  shard_offset: unknown;
  public_key: unknown;
  origin: string | null;
  frozen_at: Date | string | null;
};
const TREE_COLUMNS =
  'tree_id, log_id, tree_size, root_hash, checkpoint, created_at, active, shard_offset, public_key, origin, frozen_at';
const TREE_COLUMNS_OF_T = TREE_COLUMNS.split(', ')
  .map((c) => `t.${c}`)
  .join(', ');
const toTree = (r: TreeRow): TreeRecord => ({
  treeId: String(r.tree_id),
  logId: toBytes(r.log_id),
  treeSize: toNumber(r.tree_size),
  rootHash: toBytes(r.root_hash),
  checkpoint: r.checkpoint,
  createdAt: new Date(r.created_at),
  active: r.active === true,
  shardOffset: toNumber(r.shard_offset),
  publicKey: r.public_key === null || r.public_key === undefined ? null : toBytes(r.public_key),
  origin: r.origin ?? null,
  frozenAt: r.frozen_at === null || r.frozen_at === undefined ? null : new Date(r.frozen_at),
});

type EntryRow = { log_index: unknown; leaf_hash: unknown; body: unknown; integrated_time: unknown };
const ENTRY_COLUMNS = 'log_index, leaf_hash, body, integrated_time';
const toEntry = (r: EntryRow): StoredEntry => ({
  index: toNumber(r.log_index),
  leafHash: toBytes(r.leaf_hash),
  body: toBytes(r.body),
  integratedTime: toNumber(r.integrated_time),
});

/** `$from, $from+1, …` for `n` parameters. */
const placeholders = (n: number, from = 1): string =>
  Array.from({ length: n }, (_, i) => `$${i + from}`).join(', ');

/**
 * Tile rows by (level, index). `unnest`: one array-joined statement (the batch's right edge, read
 * under the lock); else an OR of (level, idx) pairs, which the planner turns into a handful of
 * primary-key probes (what proofs read: a few rows).
 */
async function readTilesWith(
  q: Queryable,
  treeId: TreeId,
  keys: { level: number; index: number }[],
  unnest = false,
): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const unique = new Map(keys.map((k) => [tileKey(k.level, k.index), k]));
  if (unique.size === 0) return out;
  let rows: { a: unknown; b: unknown; h: unknown }[];
  if (unnest) {
    const levels: number[] = [];
    const indices: number[] = [];
    for (const k of unique.values()) {
      levels.push(k.level);
      indices.push(k.index);
    }
    ({ rows } = await q.query<{ a: unknown; b: unknown; h: unknown }>(TILES_SQL, [treeId, levels, indices]));
  } else {
    const params: unknown[] = [treeId];
    const conds: string[] = [];
    for (const k of unique.values()) {
      params.push(k.level, k.index);
      conds.push(`(level = $${params.length - 1} AND idx = $${params.length})`);
    }
    ({ rows } = await q.query<{ a: unknown; b: unknown; h: unknown }>(
      `SELECT level AS a, idx AS b, hashes AS h FROM tiles WHERE tree_id = $1 AND (${conds.join(' OR ')})`,
      params,
    ));
  }
  for (const r of rows) out.set(tileKey(toNumber(r.a), toNumber(r.b)), toBytes(r.h));
  return out;
}

export class SqlLogStorage implements LogStorage {
  constructor(readonly db: Db) {}

  get kind(): string {
    return this.db.kind;
  }

  async ensureActiveTree(c: {
    treeId: TreeId;
    logId: Uint8Array;
    publicKey: Uint8Array;
    rootHash: Uint8Array;
    origin?: string;
  }): Promise<TreeRecord> {
    // Insert-if-absent when the log has no tree at all: the primary key and the one-active-tree index
    // make a concurrent start's candidate lose without error.
    await this.db.query(
      `INSERT INTO tree_state (tree_id, log_id, tree_size, root_hash, active, public_key, origin)
       SELECT $1, $2, 0, $3, true, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM tree_state)
       ON CONFLICT DO NOTHING`,
      [treeLiteral(c.treeId), c.logId, c.rootHash, c.publicKey, c.origin ?? null],
    );
    // Trees from before shards were stored lack their public key: the key that matches fills it.
    await this.db.query('UPDATE tree_state SET public_key = $2 WHERE public_key IS NULL AND log_id = $1', [
      c.logId,
      c.publicKey,
    ]);
    const { rows } = await this.db.query<TreeRow>(`SELECT ${TREE_COLUMNS} FROM tree_state WHERE active`);
    if (!rows[0]) throw new Error('the storage has no active tree');
    return toTree(rows[0]);
  }

  async shards(): Promise<TreeRecord[]> {
    const { rows } = await this.db.query<TreeRow>(
      `SELECT ${TREE_COLUMNS} FROM tree_state ORDER BY shard_offset, active, created_at`,
    );
    return rows.map(toTree);
  }

  rotate(next: NewTree, fromTreeId?: TreeId): Promise<{ frozen: TreeRecord; active: TreeRecord }> {
    return this.db.transaction(async (tx) => {
      // FOR UPDATE re-checks `active` on the latest row version: when a rotation committed while
      // this one waited, the old row no longer qualifies and a second statement (a new snapshot)
      // finds the tree that rotation created.
      const lockActive = () =>
        tx.query<TreeRow>(`SELECT ${TREE_COLUMNS} FROM tree_state WHERE active FOR UPDATE`);
      let { rows } = await lockActive();
      if (!rows[0]) ({ rows } = await lockActive());
      if (!rows[0]) throw new Error('the storage has no active tree');
      const old = toTree(rows[0]);
      if (fromTreeId !== undefined && fromTreeId !== old.treeId) throw new TreeNotActiveError(fromTreeId);
      const { rows: frozen } = await tx.query<TreeRow>(
        `UPDATE tree_state SET active = false, frozen_at = now(), updated_at = now() WHERE tree_id = $1
         RETURNING ${TREE_COLUMNS}`,
        [old.treeId],
      );
      const { rows: created } = await tx.query<TreeRow>(
        `INSERT INTO tree_state (tree_id, log_id, tree_size, root_hash, active, public_key, origin, shard_offset, checkpoint)
         VALUES ($1, $2, 0, $3, true, $4, $5, $6, $7) RETURNING ${TREE_COLUMNS}`,
        [
          treeLiteral(next.treeId),
          next.logId,
          next.rootHash,
          next.publicKey,
          next.origin,
          old.shardOffset + old.treeSize,
          next.checkpoint ?? null,
        ],
      );
      if (next.checkpoint !== undefined) {
        await tx.query(
          'INSERT INTO checkpoints (tree_id, tree_size, root_hash, note) VALUES ($1, 0, $2, $3)',
          [treeLiteral(next.treeId), next.rootHash, next.checkpoint],
        );
      }
      return { frozen: toTree(frozen[0]!), active: toTree(created[0]!) };
    });
  }

  async tree(treeId: TreeId): Promise<TreeRecord> {
    const { rows } = await this.db.query<TreeRow>(
      `SELECT ${TREE_COLUMNS} FROM tree_state WHERE tree_id = $1`,
      [treeId],
    );
    if (!rows[0]) throw new Error(`tree ${treeId} is not initialized`);
    return toTree(rows[0]);
  }

  async resignCheckpoint(
    treeId: TreeId,
    resign: (t: TreeRecord) => Promise<string | undefined>,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<TreeRow>(
        `SELECT ${TREE_COLUMNS} FROM tree_state WHERE tree_id = $1 FOR UPDATE`,
        [treeId],
      );
      if (!rows[0]) throw new Error(`tree ${treeId} is not initialized`);
      const t = toTree(rows[0]);
      const note = await resign(t);
      if (note === undefined) return;
      await tx.query('UPDATE tree_state SET checkpoint = $1, updated_at = now() WHERE tree_id = $2', [
        note,
        treeId,
      ]);
      await tx.query(
        `INSERT INTO checkpoints (tree_id, tree_size, root_hash, note) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tree_id, tree_size) DO UPDATE SET note = EXCLUDED.note`,
        [treeId, t.treeSize, t.rootHash, note],
      );
    });
  }

  appendBatch<T>(
    treeId: TreeId,
    leafHashesHex: string[],
    plan: (locked: LockedTree) => Promise<{ write: BatchWrite | undefined; result: T }>,
    onLocked?: () => void,
  ): Promise<T> {
    return this.db.transaction(
      async (tx: TxQueryable, opening) => {
        const [lockRows, dupRows] = opening as [
          { tree_size: unknown; active: boolean }[],
          { a: unknown; t: unknown; h: string }[],
        ];
        if (lockRows?.length !== 1 || !dupRows) throw new Error(`tree ${treeId} is not initialized`);
        onLocked?.();
        if (lockRows[0]!.active !== true) throw new TreeNotActiveError(treeId);
        const existing = new Map<string, ExistingEntry>();
        for (const r of dupRows) existing.set(r.h, { treeId: String(r.t), index: toNumber(r.a) });
        const { write, result } = await plan({
          treeSize: toNumber(lockRows[0]!.tree_size),
          existing,
          readTiles: (keys) => readTilesWith(tx, treeId, keys, true),
        });
        if (write) await this.write(tx, treeId, write);
        return result;
      },
      openingSql(treeId, leafHashesHex),
    );
  }

  private async write(tx: TxQueryable, treeId: TreeId, w: BatchWrite): Promise<void> {
    const searchKeys: string[] = [];
    const searchIdx: number[] = [];
    for (const e of w.entries) {
      for (const k of e.searchKeys) {
        // PostgreSQL text cannot hold NUL (SQLSTATE 22021): such a key (e.g. from a certificate SAN)
        // is not indexed rather than failing the whole batch; a search can never carry NUL either.
        if (k.includes('\u0000')) continue;
        searchKeys.push(k);
        searchIdx.push(e.index);
      }
    }
    const written = await tx
      .queryAndCommit<{ entries: unknown; state: unknown }>(WRITE_SQL, [
        w.treeSize,
        hex(w.rootHash),
        w.checkpoint,
        w.integratedTime,
        w.entries.map((e) => e.index),
        w.entries.map((e) => e.leafHashHex),
        w.entries.map((e) => e.kind),
        w.entries.map((e) => e.apiVersion),
        w.entries.map((e) => b64(e.body)),
        searchKeys,
        searchIdx,
        w.tiles.map((t) => t.level),
        w.tiles.map((t) => t.index),
        w.tiles.map((t) => hex(t.hashes)),
        treeId,
        w.entries.length,
      ])
      .catch((e: unknown) => {
        if (sqlState(e) === '22012')
          throw new Error('append batch wrote an unexpected number of rows (not committed)');
        throw e;
      });
    const r = written.rows[0];
    if (!r || toNumber(r.entries) !== w.entries.length || toNumber(r.state) !== 1) {
      throw new Error('append batch wrote an unexpected number of rows');
    }
  }

  readTiles(treeId: TreeId, keys: { level: number; index: number }[]): Promise<Map<string, Uint8Array>> {
    return readTilesWith(this.db, treeId, keys);
  }

  async entriesByIndex(treeId: TreeId, indices: number[]): Promise<StoredEntry[]> {
    if (indices.length === 0) return [];
    const { rows } = await this.db.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM entries WHERE tree_id = $1 AND log_index IN (${placeholders(indices.length, 2)})`,
      [treeId, ...indices],
    );
    return rows.map(toEntry);
  }

  async entriesByLeafHash(treeId: TreeId, leafHashes: Uint8Array[]): Promise<StoredEntry[]> {
    if (leafHashes.length === 0) return [];
    const { rows } = await this.db.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM entries WHERE leaf_hash IN (${placeholders(leafHashes.length, 2)}) AND tree_id = $1`,
      [treeId, ...leafHashes],
    );
    return rows.map(toEntry);
  }

  async entriesWithTree(
    treeId: TreeId,
    by: { indices: number[] } | { leafHashes: Uint8Array[] },
  ): Promise<{ tree: TreeRecord; entries: StoredEntry[] }> {
    // One statement: the tree row, LEFT JOINed with the wanted entries (primary-key or leaf-hash
    // index probes), so the tree state costs no round trip of its own and both come from one snapshot.
    const keys: unknown[] = 'indices' in by ? by.indices : by.leafHashes;
    const column = 'indices' in by ? 'log_index' : 'leaf_hash';
    const match = keys.length === 0 ? 'false' : `e.${column} IN (${placeholders(keys.length, 2)})`;
    const { rows } = await this.db.query<TreeRow & { [K in keyof EntryRow]: EntryRow[K] | null }>(
      `SELECT ${TREE_COLUMNS_OF_T}, e.log_index, e.leaf_hash, e.body, e.integrated_time
         FROM tree_state t LEFT JOIN entries e ON e.tree_id = t.tree_id AND ${match}
        WHERE t.tree_id = $1`,
      [treeId, ...keys],
    );
    if (!rows[0]) throw new Error(`tree ${treeId} is not initialized`);
    const entries: StoredEntry[] = [];
    for (const r of rows) if (r.log_index !== null) entries.push(toEntry(r as EntryRow));
    return { tree: toTree(rows[0]), entries };
  }

  async entriesForProofs(
    treeId: TreeId,
    read: ProofRead,
  ): Promise<{
    head?: TreeHead;
    entries: StoredEntry[];
    tiles: Map<string, Uint8Array>;
    leafGroups: Map<string, Uint8Array>;
  }> {
    // One statement, one row shape (k: 0 entry, 1 tile, 2 tree head, 3 leaf group), each part a handful of
    // primary-key (or leaf-hash index) probes: UNION ALL keeps it one round trip and one snapshot.
    const params: unknown[] = [treeId];
    const param = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    const keys: unknown[] = 'indices' in read.by ? read.by.indices : read.by.leafHashes;
    const column = 'indices' in read.by ? 'log_index' : 'leaf_hash';
    const list = keys.map(param).join(', ');
    const match = (alias: string) => (keys.length === 0 ? 'false' : `${alias}${column} IN (${list})`);
    const parts = [
      `SELECT 0 AS k, log_index AS a, integrated_time AS b, leaf_hash AS h, body AS d, NULL::text AS c
         FROM entries WHERE tree_id = $1 AND ${match('')}`,
    ];
    const tiles = new Map(read.tiles.map((t) => [tileKey(t.level, t.index), t]));
    if (tiles.size > 0) {
      const conds = [...tiles.values()].map((t) => `(level = ${param(t.level)} AND idx = ${param(t.index)})`);
      parts.push(
        `SELECT 1, level, idx, NULL, hashes, NULL FROM tiles WHERE tree_id = $1 AND (${conds.join(' OR ')})`,
      );
    }
    for (const g of read.leafGroups ?? []) {
      parts.push(`SELECT 3, idx, ${param(g.group)}::bigint, NULL, substring(hashes FROM ${param(1 + g.group * 256)}::int FOR 256), NULL
         FROM tiles WHERE tree_id = $1 AND level = 0 AND idx = ${param(g.tile)}`);
    }
    if (read.entryTiles && keys.length > 0) {
      parts.push(`SELECT 1, x.level, x.idx, NULL, x.hashes, NULL
         FROM entries e JOIN tiles x ON x.tree_id = e.tree_id AND x.level = 0 AND x.idx = e.log_index / 256
        WHERE e.tree_id = $1 AND ${match('e.')}`);
    }
    if (read.withTree) {
      parts.push('SELECT 2, tree_size, NULL, root_hash, NULL, checkpoint FROM tree_state WHERE tree_id = $1');
      // The right-edge (partial) tile of every level at the head read: tile floor(size / 256^(L+1)).
      parts.push(`SELECT 1, x.level, x.idx, NULL, x.hashes, NULL
         FROM tree_state t CROSS JOIN generate_series(0, 6) AS l(level)
         JOIN tiles x ON x.tree_id = t.tree_id AND x.level = l.level AND x.idx = t.tree_size >> (8 * (l.level + 1))
        WHERE t.tree_id = $1 AND t.tree_size >> (8 * l.level) > 0`);
    }
    const { rows } = await this.db.query<{
      k: unknown;
      a: unknown;
      b: unknown;
      h: unknown;
      d: unknown;
      c: string | null;
    }>(
      parts.join(' UNION ALL '),
      params,
      // One entry or none (the hot reads): a handful of statement shapes, planned once per connection.
      { prepared: keys.length <= 1 },
    );
    let head: TreeHead | undefined;
    const entries: StoredEntry[] = [];
    const got = new Map<string, Uint8Array>();
    const leafGroups = new Map<string, Uint8Array>();
    for (const r of rows) {
      const k = toNumber(r.k);
      if (k === 0) {
        entries.push({
          index: toNumber(r.a),
          leafHash: toBytes(r.h),
          body: toBytes(r.d),
          integratedTime: toNumber(r.b),
        });
      } else if (k === 1) {
        got.set(tileKey(toNumber(r.a), toNumber(r.b)), toBytes(r.d));
      } else if (k === 3) {
        leafGroups.set(`${toNumber(r.a)}/${toNumber(r.b)}`, toBytes(r.d));
      } else {
        head = { treeSize: toNumber(r.a), rootHash: toBytes(r.h), checkpoint: r.c };
      }
    }
    if (read.withTree && !head) throw new Error(`tree ${treeId} is not initialized`);
    return { head, entries, tiles: got, leafGroups };
  }

  async entryBodies(treeId: TreeId, start: number, end: number): Promise<Uint8Array[]> {
    const { rows } = await this.db.query<{ body: unknown }>(
      'SELECT body FROM entries WHERE tree_id = $1 AND log_index >= $2 AND log_index < $3 ORDER BY log_index',
      [treeId, start, end],
    );
    return rows.map((r) => toBytes(r.body));
  }

  async leafHashesByIndex(
    treeId: TreeId,
    indices: number[],
  ): Promise<{ index: number; leafHash: Uint8Array }[]> {
    if (indices.length === 0) return [];
    const { rows } = await this.db.query<{ log_index: unknown; leaf_hash: unknown }>(
      `SELECT log_index, leaf_hash FROM entries WHERE tree_id = $1 AND log_index IN (${placeholders(indices.length, 2)}) ORDER BY log_index`,
      [treeId, ...indices],
    );
    return rows.map((r) => ({ index: toNumber(r.log_index), leafHash: toBytes(r.leaf_hash) }));
  }

  async checkpointRoot(treeId: TreeId, size: number): Promise<Uint8Array | undefined> {
    const { rows } = await this.db.query<{ root_hash: unknown }>(
      'SELECT root_hash FROM checkpoints WHERE tree_id = $1 AND tree_size = $2',
      [treeId, size],
    );
    return rows[0] ? toBytes(rows[0].root_hash) : undefined;
  }

  async search(treeId: TreeId, keys: string[], limit: number): Promise<number[]> {
    if (keys.length === 0) return [];
    const { rows } = await this.db.query<{ log_index: unknown }>(
      `SELECT log_index FROM search_index WHERE key IN (${placeholders(keys.length, 3)}) AND tree_id = $1
        ORDER BY log_index LIMIT $2`,
      [treeId, limit, ...keys],
    );
    return rows.map((r) => toNumber(r.log_index));
  }

  async witnessSize(treeId: TreeId, url: string): Promise<number> {
    const { rows } = await this.db.query<{ size: unknown }>(
      'SELECT size FROM witness_status WHERE tree_id = $1 AND url = $2',
      [treeId, url],
    );
    return rows[0] ? toNumber(rows[0].size) : 0;
  }

  async setWitnessStatus(treeId: TreeId, url: string, size: number, error: string | null): Promise<void> {
    await this.db.query(
      `INSERT INTO witness_status (tree_id, url, size, last_error) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tree_id, url) DO UPDATE SET size = EXCLUDED.size, last_error = EXCLUDED.last_error,
         updated_at = now()`,
      [treeId, url, size, error],
    );
  }

  async setWitnessError(treeId: TreeId, url: string, error: string): Promise<void> {
    await this.db.query(
      `INSERT INTO witness_status (tree_id, url, size, last_error) VALUES ($1, $2, 0, $3)
       ON CONFLICT (tree_id, url) DO UPDATE SET last_error = EXCLUDED.last_error, updated_at = now()`,
      [treeId, url, error],
    );
  }

  async addCosignatures(
    treeId: TreeId,
    url: string,
    checkpoint: { size: number; rootHash: Uint8Array },
    witness: { name: string; keyHash: number },
    lines: string[],
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const line of lines) {
        await tx.query(
          `INSERT INTO checkpoint_cosignatures (tree_id, tree_size, root_hash, witness, key_hash, line)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (tree_id, tree_size, witness, key_hash) DO UPDATE SET root_hash = EXCLUDED.root_hash,
             line = EXCLUDED.line, received_at = now()`,
          [treeId, checkpoint.size, checkpoint.rootHash, witness.name, witness.keyHash, line],
        );
      }
      await tx.query(
        `INSERT INTO witness_status (tree_id, url, size, last_error) VALUES ($1, $2, $3, NULL)
         ON CONFLICT (tree_id, url) DO UPDATE SET size = GREATEST(witness_status.size, EXCLUDED.size),
           last_error = NULL, updated_at = now()`,
        [treeId, url, checkpoint.size],
      );
    });
  }

  async cosignatures(treeId: TreeId, size: number): Promise<CosignatureRow[]> {
    const { rows } = await this.db.query<{
      root_hash: unknown;
      witness: string;
      key_hash: unknown;
      line: string;
    }>(
      `SELECT root_hash, witness, key_hash, line FROM checkpoint_cosignatures
        WHERE tree_id = $1 AND tree_size = $2 ORDER BY witness, key_hash`,
      [treeId, size],
    );
    return rows.map((r) => ({
      rootHash: toBytes(r.root_hash),
      witness: String(r.witness),
      keyHash: toNumber(r.key_hash),
      line: String(r.line),
    }));
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
