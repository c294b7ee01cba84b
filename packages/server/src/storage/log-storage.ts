/**
 * The PostgreSQL / PGlite implementation of the log's storage port (log/storage.ts): all of the log's
 * SQL. Schema: sql/ (tree_state, entries, entry_kinds, tiles, checkpoints, search_keys,
 * checkpoint_cosignatures, witness_status), every per-tree table keyed by tree_id.
 *
 * The tree lock is the tree's tree_state row (SELECT … FOR UPDATE), which serializes the batches of
 * every server process on the database. The lock and the duplicate check travel with BEGIN in one
 * round trip (simple protocol, no parameters: the literals are the tree id and leaf hashes the server
 * computed, checked here to be decimal / 64 hex), the whole write in one statement sent with COMMIT
 * behind it (pipelined: the statement itself refuses what must not commit); a batch is two round
 * trips (three when the right-edge tiles must be read). A batch planned ahead of the lock
 * (appendPredicted) is one: BEGIN with the lock, the write checking the prediction, and COMMIT.
 *
 * Reads of entries with proofs are one statement each (entriesForProofs: the entries, the tiles or
 * leaf groups their proofs need, the tree head when asked), holding only the parts the read asks for:
 * a few shapes, each prepared per connection.
 */
import { createHash } from 'node:crypto';
import { base64Encode, hexEncode } from '@scriba/sdk/encoding';
import { decodeStoredBody, encodeStoredBody, isCompactStoredBody } from '@scriba/sdk/entries';
import { ScribaError } from '@scriba/sdk/errors';
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
  type TileRow,
  type TreeHead,
  type TreeId,
  TreeNotActiveError,
  type TreeRecord,
} from '../log/storage.js';
import { sqlState } from './errors.js';
import { type Db, type Queryable, type TxQueryable, toBytes, toNumber } from './types.js';

/** A tree id as an SQL literal: only decimal int64 text passes. */
function treeLiteral(treeId: TreeId): string {
  if (!/^(0|[1-9][0-9]{0,18})$/.test(treeId) || BigInt(treeId) > 0x7fffffffffffffffn)
    throw new Error(`tree id must be a decimal int64, got ${JSON.stringify(treeId)}`);
  return treeId;
}

/**
 * BEGIN's companions: the tree lock (and whether the tree is still active), then the duplicates among
 * the batch in every tree of the log (read after the lock: rotations take the same lock). This check
 * is what keeps a leaf hash unique in the log (sql/0007: the leaf-hash index is a hash index, which
 * cannot be UNIQUE): batches of every process take the active tree's lock first, so no two check at
 * once, and each statement here reads what every earlier batch committed.
 */
function openingSql(treeId: TreeId, hexHashes: string[]): string {
  const t = treeLiteral(treeId);
  for (const h of hexHashes) if (!/^[0-9a-f]{64}$/.test(h)) throw new Error('leaf hash must be 64 hex');
  const lock = `SELECT tree_size, active, shard_offset FROM tree_state WHERE tree_id = ${t} FOR UPDATE`;
  const list = hexHashes.map((h) => `'\\x${h}'::bytea`).join(',');
  const dups =
    list === ''
      ? 'SELECT log_index AS a, tree_id AS t, leaf_hash AS h FROM entries WHERE false'
      : `SELECT log_index AS a, tree_id AS t, encode(leaf_hash, 'hex') AS h FROM entries WHERE leaf_hash IN (${list})`;
  return `${lock}; ${dups}`;
}

/** What a predicted write raises when its prediction does not hold (see writeSql). */
const PREDICTION_FAILED = 'scriba: batch prediction failed';

/** A tile row grows by appending while it holds at most this many bytes (48 hashes: no TOAST). */
const TILE_ROW_APPEND_MAX = 1536;

/**
 * Every write of a batch in one statement (data-modifying CTEs all run, referenced or not): tree
 * state, checkpoint, entries with their first search keys (a kind new to the log gets its code in
 * `entry_kinds` first), further search keys, tiles. Arrays keep the parameter count fixed.
 *
 * Tiles (see tileWrites): each changed tile comes with the hashes to write from row `start` on. A
 * start of 0 writes the tile whole (a new tile, or one the batch completed: its other rows go); a
 * later start appends to the tile's last row while that row stays small (under TOAST's threshold,
 * so the rewrite is cheap), else adds a row. Older hashes are never rewritten.
 */
function writeSql(predicted: boolean): string {
  return `
  WITH st AS (
    UPDATE tree_state SET tree_size = $1, root_hash = decode($2, 'hex'), checkpoint = $3, updated_at = now()
     WHERE tree_id = $15${predicted ? " AND tree_size = $24 AND root_hash = decode($25, 'hex') AND active" : ''} RETURNING 1),${
       predicted
         ? `
  dup AS (
    -- One leaf-hash index probe per entry (OFFSET 0 keeps the planner from a join over the table).
    SELECT 1 FROM unnest($6::text[]) AS q(h)
     CROSS JOIN LATERAL (SELECT 1 FROM entries x WHERE x.leaf_hash = decode(q.h, 'hex') OFFSET 0) y),`
         : ''
     }
  cp AS (
    INSERT INTO checkpoints (tree_id, tree_size, root_hash, note) VALUES ($15, $1, decode($2, 'hex'), $3)
    ON CONFLICT (tree_id, tree_size) DO UPDATE SET note = EXCLUDED.note, root_hash = EXCLUDED.root_hash RETURNING 1),
  nk AS (
    INSERT INTO entry_kinds (kind, api_version)
    SELECT DISTINCT u.k, u.v FROM unnest($7::text[], $8::text[]) AS u(k, v)
     WHERE NOT EXISTS (SELECT 1 FROM entry_kinds x WHERE x.kind = u.k AND x.api_version = u.v)
    RETURNING code, kind, api_version),
  ek AS (SELECT code, kind, api_version FROM entry_kinds UNION ALL SELECT code, kind, api_version FROM nk),
  en AS (
    INSERT INTO entries (tree_id, log_index, integrated_time, kind_code, leaf_hash, body, set_signature,
                         key1, key2, key3, key_rest)
    SELECT $15, u.i, $4, ek.code, decode(u.h, 'hex'), decode(u.b, 'base64'), decode(u.s, 'base64'),
           ${keyPrefixSql('u.k1')}, ${keyPrefixSql('u.k2')}, ${keyPrefixSql('u.k3')},
           decode(substr(u.k1, 17) || coalesce(substr(u.k2, 17), '') || coalesce(substr(u.k3, 17), ''), 'hex')
      FROM unnest($5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $18::text[],
                  $21::text[], $22::text[], $23::text[]) AS u(i, h, k, v, b, s, k1, k2, k3)
      JOIN ek ON ek.kind = u.k AND ek.api_version = u.v${
        // A tree not at the expected size may hold these indices already: insert nothing then.
        predicted ? ' WHERE EXISTS (SELECT 1 FROM st)' : ''
      }
    RETURNING 1),
  si AS (
    INSERT INTO search_keys (tree_id, log_index, prefix, rest)
    SELECT $15, u.i, ${keyPrefixSql('u.k')}, decode(substr(u.k, 17), 'hex')
      FROM unnest($10::text[], $11::bigint[]) AS u(k, i)
    RETURNING 1),
  tp AS (
    SELECT u.l, u.i, u.s, decode(u.h, 'hex') AS h
      FROM unnest($12::int[], $13::bigint[], $16::int[], $14::text[]) AS u(l, i, s, h)),
  tx AS (
    UPDATE tiles t SET hashes = t.hashes || tp.h FROM tp
     WHERE t.tree_id = $15 AND t.level = tp.l AND t.idx = tp.i AND tp.s > 0
       AND t.start + length(t.hashes) / 32 = tp.s AND length(t.hashes) + length(tp.h) <= ${TILE_ROW_APPEND_MAX}
    RETURNING t.level, t.idx),
  ti AS (
    INSERT INTO tiles (tree_id, level, idx, start, hashes)
    SELECT $15, tp.l, tp.i, tp.s, tp.h FROM tp
     WHERE NOT EXISTS (SELECT 1 FROM tx WHERE tx.level = tp.l AND tx.idx = tp.i)
    ON CONFLICT (tree_id, level, idx, start) DO UPDATE SET hashes = EXCLUDED.hashes RETURNING 1),
  td AS (
    DELETE FROM tiles t USING tp
     WHERE t.tree_id = $15 AND t.level = tp.l AND t.idx = tp.i AND tp.s = 0 AND t.start > 0 RETURNING 1),
  ts AS (
    INSERT INTO tile_summaries (tree_id, idx, nodes)
    SELECT $15, u.i, u.n FROM unnest($19::bigint[], $20::bytea[]) AS u(i, n)
    ON CONFLICT (tree_id, idx) DO UPDATE SET nodes = EXCLUDED.nodes RETURNING 1)
  SELECT w.entries, w.state FROM (SELECT (SELECT count(*) FROM en) AS entries, (SELECT count(*) FROM st) AS state${
    predicted ? ', (SELECT count(*) FROM dup) AS dups' : ', 0 AS dups'
  }) w
   -- The COMMIT is pipelined behind this statement: a write of other than the expected rows MUST
   -- fail here (division by zero, SQLSTATE 22012), never reach the commit. A predicted write whose
   -- prediction does not hold (the tree not at the expected size and root or not active, or a leaf hash
   -- already in the log) fails as ${PREDICTION_FAILED} (SQLSTATE 22P02): nothing commits either.
   WHERE CASE WHEN w.entries = $17 AND w.state = 1 AND w.dups = 0 THEN true
${
  predicted
    ? `              WHEN w.state = 0 OR w.dups > 0 THEN ('${PREDICTION_FAILED}' || w.state)::int = 0
`
    : ''
}              ELSE 1 / (w.state - w.state) = 0 END`;
}
const WRITE_SQL = writeSql(false);
const PREDICTED_WRITE_SQL = writeSql(true);

const TILE_WIDTH = 256;
const HASH_SIZE = 32;

/**
 * What a batch writes of each changed tile: from which hash on (`start`) and those hashes. The tile
 * held min(256, max(0, ⌊oldSize / 256^level⌋ − 256·index)) hashes before the batch (C2SP
 * tlog-tiles); only the new ones are written, unless the tile is new or now full (then whole, from 0).
 */
function tileWrites(
  oldSize: number,
  tiles: TileRow[],
): { level: number; index: number; start: number; hashes: Uint8Array }[] {
  return tiles.map((t) => {
    const width = t.hashes.length / HASH_SIZE;
    const before = Math.min(
      TILE_WIDTH,
      Math.max(0, Math.floor(oldSize / TILE_WIDTH ** t.level) - TILE_WIDTH * t.index),
    );
    if (!Number.isInteger(width) || width <= before || width > TILE_WIDTH)
      throw new Error(
        `tile ${tileKey(t.level, t.index)} of width ${width} does not grow a tile of width ${before}`,
      );
    if (before === 0 || width === TILE_WIDTH)
      return { level: t.level, index: t.index, start: 0, hashes: t.hashes };
    return { level: t.level, index: t.index, start: before, hashes: t.hashes.subarray(before * HASH_SIZE) };
  });
}

const EMAIL = 'email:';
const SUBJECT = 'subject:';
/** Stored for an entry indexed under both `email:<v>` and `subject:<v>` (an e-mail SAN is both). */
const EMAIL_AND_SUBJECT = 'email+subject:';

/**
 * The keys stored for an entry's search keys (the SDK's `searchIndexKeys`): each as it is, except
 * that a value the entry has both as an e-mail and as a subject is stored once, under
 * `email+subject:<v>`; `lookupKeys` looks for it too. A certificate's e-mail addresses are among its
 * subjects, so an entry signed with an e-mail identity stores one row for it instead of two.
 */
function storedSearchKeys(keys: string[]): string[] {
  const all = new Set(keys);
  const out: string[] = [];
  for (const k of keys) {
    if (k.startsWith(EMAIL) && all.has(SUBJECT + k.slice(EMAIL.length)))
      out.push(EMAIL_AND_SUBJECT + k.slice(EMAIL.length));
    else if (!(k.startsWith(SUBJECT) && all.has(EMAIL + k.slice(SUBJECT.length)))) out.push(k);
  }
  return out;
}

/** The stored keys a search for `key` matches: itself, and for an e-mail or subject the shared key. */
function lookupKeys(key: string): string[] {
  if (key.startsWith(EMAIL)) return [key, EMAIL_AND_SUBJECT + key.slice(EMAIL.length)];
  if (key.startsWith(SUBJECT)) return [key, EMAIL_AND_SUBJECT + key.slice(SUBJECT.length)];
  return [key];
}

/**
 * A search key as stored: lower-case hex of SHA-256 of the SDK's key text (UTF-8); its first 16 hex
 * digits are the indexed prefix, the rest is compared too (sql/0005_compact_storage.sql).
 */
export function searchKeyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** How many of an entry's stored keys its entries row holds: the schema's key1..key3 (sql/0008); the rest go to search_keys. */
const KEYS_IN_ROW = 3;
/** Bytes of a key hash after its indexed 8-byte prefix (search_keys.rest; each part of entries.key_rest). */
const KEY_REST_SIZE = 24;

/** SQL: the indexed prefix (a signed int8) of the key hash in hex that `hex` evaluates to (NULL for NULL). */
function keyPrefixSql(hex: string): string {
  return `('x' || substr(${hex}, 1, 16))::bit(64)::bigint`;
}

/**
 * The entries of tree $1 with any of the key hashes $3 (hex), by index, at most $2: the indexed 8-byte
 * prefix finds the candidates (in an entry's key1..key3 or in search_keys), the other 24 bytes must
 * match too.
 */
const SEARCH_SQL = `
  WITH q AS (SELECT ${keyPrefixSql('h')} AS prefix, decode(substr(h, 17), 'hex') AS rest FROM unnest($3::text[]) AS u(h))
  ${Array.from(
    { length: KEYS_IN_ROW },
    (_, i) => `SELECT e.log_index FROM q JOIN entries e ON e.key${i + 1} = q.prefix
      AND substr(e.key_rest, ${i * KEY_REST_SIZE + 1}, ${KEY_REST_SIZE}) = q.rest WHERE e.tree_id = $1
  UNION`,
  ).join('\n  ')}
  SELECT s.log_index FROM q JOIN search_keys s ON s.prefix = q.prefix AND s.rest = q.rest WHERE s.tree_id = $1
  ORDER BY log_index LIMIT $2`;

/**
 * An entry's body from its stored column (the one place storage turns a body column into bytes):
 * the SDK's stored form (sql/0007: compact for hashedrekord 0.0.1, else the body as it is) expanded,
 * and an expanded body checked against the row's RFC 6962 leaf hash, so a damaged compact row fails
 * with ENTRY_STORED_FORM_INVALID instead of serving another body.
 */
export function storedBody(column: unknown, leafHash: Uint8Array): Uint8Array {
  const stored = toBytes(column);
  if (!isCompactStoredBody(stored)) return stored;
  const body = decodeStoredBody(stored);
  const h = createHash('sha256').update(LEAF_PREFIX).update(body).digest();
  if (!h.equals(leafHash))
    throw new ScribaError('ENTRY_STORED_FORM_INVALID', 'stored entry body: does not match its leaf hash');
  return body;
}
const LEAF_PREFIX = new Uint8Array([0]);

const TILES_SQL = `
  SELECT t.level AS a, t.idx AS b, t.start AS s, t.hashes AS h
    FROM tiles t JOIN unnest($2::int[], $3::bigint[]) AS k(level, idx) ON t.level = k.level AND t.idx = k.idx
   WHERE t.tree_id = $1 ORDER BY t.level, t.idx, t.start`;

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
const toEntry = (r: EntryRow): StoredEntry => {
  const leafHash = toBytes(r.leaf_hash);
  return {
    index: toNumber(r.log_index),
    leafHash,
    body: storedBody(r.body, leafHash),
    integratedTime: toNumber(r.integrated_time),
  };
};

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
  type Row = { a: unknown; b: unknown; s: unknown; h: unknown };
  let rows: Row[];
  if (unnest) {
    const levels: number[] = [];
    const indices: number[] = [];
    for (const k of unique.values()) {
      levels.push(k.level);
      indices.push(k.index);
    }
    ({ rows } = await q.query<Row>(TILES_SQL, [treeId, levels, indices]));
  } else {
    const params: unknown[] = [treeId];
    const conds: string[] = [];
    for (const k of unique.values()) {
      params.push(k.level, k.index);
      conds.push(`(level = $${params.length - 1} AND idx = $${params.length})`);
    }
    ({ rows } = await q.query<Row>(
      `SELECT level AS a, idx AS b, start AS s, hashes AS h FROM tiles WHERE tree_id = $1 AND (${conds.join(' OR ')})
        ORDER BY level, idx, start`,
      params,
    ));
  }
  return assembleTiles(
    rows.map((r) => ({
      key: tileKey(toNumber(r.a), toNumber(r.b)),
      start: toNumber(r.s),
      hashes: toBytes(r.h),
    })),
  );
}

/**
 * Tiles from their stored rows (sql/0005: a partial tile may be several rows, each from hash `start`
 * on): a tile is its rows concatenated in start order, each row starting where the previous ended
 * (else the storage is damaged: throws). The same row read twice counts once.
 */
function assembleTiles(rows: { key: string; start: number; hashes: Uint8Array }[]): Map<string, Uint8Array> {
  const byKey = new Map<string, Map<number, Uint8Array>>();
  for (const r of rows) {
    const parts = byKey.get(r.key) ?? new Map<number, Uint8Array>();
    byKey.set(r.key, parts);
    parts.set(r.start, r.hashes);
  }
  const out = new Map<string, Uint8Array>();
  for (const [key, parts] of byKey) {
    const ordered = [...parts.entries()].sort((a, b) => a[0] - b[0]);
    let width = 0;
    for (const [start, h] of ordered) {
      if (start !== width) throw new Error(`tile ${key}: a row starts at ${start}, expected ${width}`);
      width += h.length / 32;
    }
    const hs = ordered.map(([, h]) => h);
    out.set(key, hs.length === 1 ? hs[0]! : new Uint8Array(Buffer.concat(hs)));
  }
  return out;
}

type ProofRow = {
  k: unknown;
  a: unknown;
  b: unknown;
  h: unknown;
  d: unknown;
  c: string | null;
  s: unknown;
  e: unknown;
};

/** A proof read's arguments, deduplicated (see entriesForProofs). */
type ProofReadArgs = {
  byIndex: boolean;
  /** Tree-local indices, or leaf hashes as Buffers. */
  matches: unknown[];
  tiles: { level: number; index: number }[];
  groups: { tile: number; group: number }[];
  summaryTiles: number[];
  withTree: boolean;
  entryTiles: boolean;
};

/** The columns of a proof read's rows, each with its type; a part fills those it has. */
const PROOF_COLUMNS = {
  a: 'bigint',
  b: 'bigint',
  h: 'bytea',
  d: 'bytea',
  c: 'text',
  s: 'bigint',
  e: 'bytea',
};

/** One part's select list: kind `k`, every column named and typed (NULL where the part has none). */
function proofRow(k: number, cols: Partial<Record<keyof typeof PROOF_COLUMNS, string>>): string {
  const list = Object.entries(PROOF_COLUMNS).map(
    ([name, type]) => `(${cols[name as keyof typeof PROOF_COLUMNS] ?? 'NULL'})::${type} AS ${name}`,
  );
  return `SELECT ${k} AS k, ${list.join(', ')}`;
}

/** A level-0 or upper tile row's columns, from table alias `t`. */
const tileRow = (t: string) =>
  proofRow(1, { a: `${t}.level`, b: `${t}.idx`, d: `${t}.hashes`, s: `${t}.start` });

/** Entries matched by parameter `p`: by index or by leaf hash. */
const entryMatch = (byIndex: boolean, p: string) =>
  byIndex ? `log_index = ANY(${p}::bigint[])` : `leaf_hash = ANY(${p}::bytea[])`;

/**
 * One part of the statement: whether a read asks for it, its parameters' values, and its branches of
 * the UNION given their placeholders ($1 is the tree id, shared). Text and values come from the same
 * part, so their order cannot disagree.
 */
type ProofReadPart = {
  wanted: (r: ProofReadArgs) => boolean;
  values: (r: ProofReadArgs) => unknown[];
  sql: (p: string[], byIndex: boolean) => string[];
};

/**
 * A read of entries with proofs (see entriesForProofs) in one row shape (k: 0 entry with its stored
 * SET, 1 tile row, 2 tree head, 3 leaf group, 4 tile summary), each part a handful of primary-key
 * probes: the entries (by index or leaf hash), the tiles (level, index), the leaf groups (level-0
 * tile, group: the 8 leaf hashes of its entries, which the tile holds too; one range of the entries'
 * primary key, cheaper than a slice of the TOASTed tile row), the tree head with the right-edge tile
 * of every level at it, the level-0 tile of each entry found (by leaf hash the index is unknown
 * beforehand), the stored summaries of full level-0 tiles (the whole tile where none is stored).
 *
 * A statement holds only the parts a read asks for, so there are a few shapes (one per set of
 * parts, each prepared per connection and planned generic, storage/postgres.ts): PostgreSQL's cost
 * of a statement has a fixed part per branch of the UNION, and the common read (entries and their
 * leaf groups) skips the other six. Measured on a 10^4 tree, generic plans, PostgreSQL's CPU per
 * statement for 1 / 4 / 32 entries: all parts 223-237 / 317 / 503-750 µs, entries and leaf groups
 * only 97 / 163-200 / 427-640 µs (docs/benchmarks.md, session 15).
 */
const PROOF_READ_PARTS: ProofReadPart[] = [
  {
    wanted: (r) => r.matches.length > 0,
    values: (r) => [r.matches],
    sql: ([m], byIndex) => [
      `${proofRow(0, { a: 'log_index', b: 'integrated_time', h: 'leaf_hash', d: 'body', e: 'set_signature' })}
    FROM entries WHERE tree_id = $1 AND ${entryMatch(byIndex, m!)}`,
    ],
  },
  {
    wanted: (r) => r.tiles.length > 0,
    values: (r) => [r.tiles.map((t) => t.level), r.tiles.map((t) => t.index)],
    sql: ([levels, indices]) => [
      `${tileRow('t')}
    FROM unnest(${levels}::int[], ${indices}::bigint[]) AS q(level, idx)
    JOIN tiles t ON t.tree_id = $1 AND t.level = q.level AND t.idx = q.idx`,
    ],
  },
  {
    wanted: (r) => r.groups.length > 0,
    values: (r) => [r.groups.map((g) => g.tile), r.groups.map((g) => g.group)],
    sql: ([tiles, groups]) => [
      `${proofRow(3, {
        a: 'q.idx',
        b: 'q.g',
        d: `SELECT string_agg(e.leaf_hash, ''::bytea ORDER BY e.log_index) FROM entries e
            WHERE e.tree_id = $1 AND e.log_index >= q.idx * 256 + q.g * 8 AND e.log_index < q.idx * 256 + q.g * 8 + 8`,
      })}
    FROM unnest(${tiles}::bigint[], ${groups}::bigint[]) AS q(idx, g)`,
    ],
  },
  {
    wanted: (r) => r.withTree,
    values: () => [],
    sql: () => [
      `${proofRow(2, { a: 'tree_size', h: 'root_hash', c: 'checkpoint' })} FROM tree_state WHERE tree_id = $1`,
      // The right-edge (partial) tile of every level at the head read: tile floor(size / 256^(L+1)).
      `${tileRow('x')}
    FROM tree_state t CROSS JOIN generate_series(0, 6) AS l(level)
    JOIN tiles x ON x.tree_id = t.tree_id AND x.level = l.level AND x.idx = t.tree_size >> (8 * (l.level + 1))
   WHERE t.tree_id = $1 AND t.tree_size >> (8 * l.level) > 0`,
    ],
  },
  {
    wanted: (r) => r.summaryTiles.length > 0,
    values: (r) => [r.summaryTiles],
    sql: ([tiles]) => [
      `${proofRow(4, { a: 's.idx', d: 's.nodes' })}
    FROM unnest(${tiles}::bigint[]) AS q(idx) JOIN tile_summaries s ON s.tree_id = $1 AND s.idx = q.idx`,
      `${tileRow('t')}
    FROM unnest(${tiles}::bigint[]) AS q(idx) JOIN tiles t ON t.tree_id = $1 AND t.level = 0 AND t.idx = q.idx
   WHERE NOT EXISTS (SELECT 1 FROM tile_summaries s WHERE s.tree_id = $1 AND s.idx = q.idx)`,
    ],
  },
  {
    // By leaf hash the index is unknown beforehand: the level-0 tile of each entry found.
    wanted: (r) => r.matches.length > 0 && !r.byIndex && r.entryTiles,
    values: (r) => [r.matches],
    sql: ([m], byIndex) => [
      `${tileRow('x')}
    FROM entries e JOIN tiles x ON x.tree_id = e.tree_id AND x.level = 0 AND x.idx = e.log_index / 256
   WHERE e.tree_id = $1 AND e.${entryMatch(byIndex, m!)}`,
    ],
  },
];

/** Statement texts by shape (entries by index or not, and which parts), built once each. */
const proofReadStatements = new Map<string, string>();

/** The statement and its values for `r`, or undefined when it asks for nothing. */
function proofReadQuery(r: ProofReadArgs): { sql: string; values: unknown[] } | undefined {
  const parts = PROOF_READ_PARTS.filter((part) => part.wanted(r));
  if (parts.length === 0) return undefined;
  const values: unknown[] = [];
  const placeholders = parts.map((part) =>
    part.values(r).map((v) => {
      values.push(v);
      return `$${values.length + 1}`;
    }),
  );
  const key = `${r.byIndex}:${parts.map((part) => PROOF_READ_PARTS.indexOf(part)).join(',')}`;
  let sql = proofReadStatements.get(key);
  if (sql === undefined) {
    sql = parts.flatMap((part, i) => part.sql(placeholders[i]!, r.byIndex)).join('\n  UNION ALL\n  ');
    proofReadStatements.set(key, sql);
  }
  return { sql, values };
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
      // One instant, read with the lock held (clock_timestamp, not now(): the transaction may have
      // started before a rotation it waited for), ends the old shard's window and starts the new
      // one's; never before the old shard's start. Rotations hold the lock in turn, so shards' starts
      // follow their order even when an empty shard is rotated at once (same offset).
      const { rows: frozen } = await tx.query<TreeRow>(
        `UPDATE tree_state SET active = false,
                frozen_at = GREATEST(clock_timestamp(), created_at + interval '1 microsecond'),
                updated_at = now()
          WHERE tree_id = $1
         RETURNING ${TREE_COLUMNS}`,
        [old.treeId],
      );
      const { rows: created } = await tx.query<TreeRow>(
        `INSERT INTO tree_state (tree_id, log_id, tree_size, root_hash, active, public_key, origin, shard_offset, checkpoint, created_at)
         SELECT $1, $2, 0, $3, true, $4, $5, $6, $7, frozen_at FROM tree_state WHERE tree_id = $8
         RETURNING ${TREE_COLUMNS}`,
        [
          treeLiteral(next.treeId),
          next.logId,
          next.rootHash,
          next.publicKey,
          next.origin,
          old.shardOffset + old.treeSize,
          next.checkpoint ?? null,
          old.treeId,
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
          { tree_size: unknown; active: boolean; shard_offset: unknown }[],
          { a: unknown; t: unknown; h: string }[],
        ];
        if (lockRows?.length !== 1 || !dupRows) throw new Error(`tree ${treeId} is not initialized`);
        onLocked?.();
        if (lockRows[0]!.active !== true) throw new TreeNotActiveError(treeId);
        const existing = new Map<string, ExistingEntry>();
        for (const r of dupRows) existing.set(r.h, { treeId: String(r.t), index: toNumber(r.a) });
        const { write, result } = await plan({
          treeSize: toNumber(lockRows[0]!.tree_size),
          shardOffset: toNumber(lockRows[0]!.shard_offset),
          existing,
          readTiles: (keys) => readTilesWith(tx, treeId, keys, true),
        });
        if (write) await this.write(tx, treeId, write);
        return result;
      },
      openingSql(treeId, leafHashesHex),
    );
  }

  async appendPredicted(
    treeId: TreeId,
    expected: { size: number; rootHash: Uint8Array },
    w: BatchWrite,
  ): Promise<boolean> {
    const lock = `SELECT 1 FROM tree_state WHERE tree_id = ${treeLiteral(treeId)} FOR UPDATE`;
    try {
      await this.write(undefined, treeId, w, expected, lock);
      return true;
    } catch (e) {
      if (sqlState(e) === '22P02' && e instanceof Error && e.message.includes(PREDICTION_FAILED))
        return false;
      throw e;
    }
  }

  /**
   * The batch's one write statement, committed right behind it: on `tx` (the lock was taken by its
   * opening), or with `expected`, in a transaction of its own whose opening is `lock` (the
   * statement then also checks the prediction: see writeSql).
   */
  private async write(
    tx: TxQueryable | undefined,
    treeId: TreeId,
    w: BatchWrite,
    expected?: { size: number; rootHash: Uint8Array },
    lock?: string,
  ): Promise<void> {
    // Each entry's first KEYS_IN_ROW key hashes go in its row (null where it has fewer), the others
    // in search_keys rows.
    const rowKeys: (string | null)[][] = Array.from({ length: KEYS_IN_ROW }, () => []);
    const searchKeys: string[] = [];
    const searchIdx: number[] = [];
    for (const e of w.entries) {
      const hashes = storedSearchKeys(e.searchKeys).map(searchKeyHash);
      for (let i = 0; i < KEYS_IN_ROW; i++) rowKeys[i]!.push(hashes[i] ?? null);
      for (let i = KEYS_IN_ROW; i < hashes.length; i++) {
        searchKeys.push(hashes[i]!);
        searchIdx.push(e.index);
      }
    }
    const tiles = tileWrites(w.treeSize - w.entries.length, w.tiles);
    const params = [
      w.treeSize,
      hexEncode(w.rootHash),
      w.checkpoint,
      w.integratedTime,
      w.entries.map((e) => e.index),
      w.entries.map((e) => e.leafHashHex),
      w.entries.map((e) => e.kind),
      w.entries.map((e) => e.apiVersion),
      w.entries.map((e) => base64Encode(e.storedBody ?? encodeStoredBody(e.body))),
      searchKeys,
      searchIdx,
      tiles.map((t) => t.level),
      tiles.map((t) => t.index),
      tiles.map((t) => hexEncode(t.hashes)),
      treeId,
      tiles.map((t) => t.start),
      w.entries.length,
      w.entries.map((e) => base64Encode(e.set)),
      w.summaries.map((t) => t.index),
      w.summaries.map((t) => Buffer.from(t.nodes.buffer, t.nodes.byteOffset, t.nodes.byteLength)),
      ...rowKeys,
    ];
    type Written = { entries: unknown; state: unknown };
    const written = await (tx
      ? tx.queryAndCommit<Written>(WRITE_SQL, params)
      : this.db.commitInOne<Written>(lock!, PREDICTED_WRITE_SQL, [
          ...params,
          expected!.size,
          hexEncode(expected!.rootHash),
        ])
    ).catch((e: unknown) => {
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

  async entriesForProofs(
    treeId: TreeId,
    read: ProofRead,
  ): Promise<{
    head?: TreeHead;
    entries: StoredEntry[];
    tiles: Map<string, Uint8Array>;
    leafGroups: Map<string, Uint8Array>;
    summaries: Map<number, Uint8Array>;
  }> {
    // One statement per set of parts read (arrays, never lists spliced into the text), so it stays
    // prepared per connection whatever the number of entries, tiles and leaf groups read together
    // (coalesced reads, log/shard.ts).
    const byIndex = 'indices' in read.by;
    const query = proofReadQuery({
      byIndex,
      matches: byIndex
        ? (read.by as { indices: number[] }).indices
        : (read.by as { leafHashes: Uint8Array[] }).leafHashes.map((h) =>
            Buffer.from(h.buffer, h.byteOffset, h.byteLength),
          ),
      tiles: [...new Map(read.tiles.map((t) => [tileKey(t.level, t.index), t])).values()],
      groups: [...new Map((read.leafGroups ?? []).map((g) => [`${g.tile}/${g.group}`, g])).values()],
      summaryTiles: [...new Set(read.summaries ?? [])],
      withTree: read.withTree,
      entryTiles: read.entryTiles,
    });
    const { rows } = query
      ? await this.db.query<ProofRow>(query.sql, [treeId, ...query.values], { prepared: true })
      : { rows: [] as ProofRow[] };
    let head: TreeHead | undefined;
    const entries: StoredEntry[] = [];
    const tileRows: { key: string; start: number; hashes: Uint8Array }[] = [];
    const leafGroups = new Map<string, Uint8Array>();
    const summaries = new Map<number, Uint8Array>();
    for (const r of rows) {
      const k = toNumber(r.k);
      if (k === 0) {
        const leafHash = toBytes(r.h);
        entries.push({
          index: toNumber(r.a),
          leafHash,
          body: storedBody(r.d, leafHash),
          integratedTime: toNumber(r.b),
          set: r.e === null || r.e === undefined ? undefined : toBytes(r.e),
        });
      } else if (k === 1) {
        tileRows.push({
          key: tileKey(toNumber(r.a), toNumber(r.b)),
          start: toNumber(r.s),
          hashes: toBytes(r.d),
        });
      } else if (k === 3) {
        if (r.d !== null) leafGroups.set(`${toNumber(r.a)}/${toNumber(r.b)}`, toBytes(r.d));
      } else if (k === 4) {
        summaries.set(toNumber(r.a), toBytes(r.d));
      } else {
        head = { treeSize: toNumber(r.a), rootHash: toBytes(r.h), checkpoint: r.c };
      }
    }
    if (read.withTree && !head) throw new Error(`tree ${treeId} is not initialized`);
    return { head, entries, tiles: assembleTiles(tileRows), leafGroups, summaries };
  }

  async entryBodies(treeId: TreeId, start: number, end: number): Promise<Uint8Array[]> {
    const { rows } = await this.db.query<{ body: unknown; leaf_hash: unknown }>(
      'SELECT body, leaf_hash FROM entries WHERE tree_id = $1 AND log_index >= $2 AND log_index < $3 ORDER BY log_index',
      [treeId, start, end],
    );
    return rows.map((r, i) => {
      try {
        return storedBody(r.body, toBytes(r.leaf_hash));
      } catch (e) {
        if (!(e instanceof ScribaError)) throw e;
        throw new ScribaError(e.code, `entry ${start + i}: ${e.message}`, { cause: e });
      }
    });
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
    const { rows } = await this.db.query<{ log_index: unknown }>(SEARCH_SQL, [
      treeId,
      limit,
      keys.flatMap(lookupKeys).map(searchKeyHash),
    ]);
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
