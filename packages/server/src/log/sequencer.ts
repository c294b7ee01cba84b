/**
 * The sequencer/batcher: validated entries queue here and are appended in batches, one PostgreSQL
 * transaction per batch — lock the tree state row (SELECT … FOR UPDATE, which serializes every
 * server process on the database), drop duplicates (unique leaf hash), assign contiguous indices,
 * store entries, search keys and changed tiles, compute the root (integrate.ts), sign and store the
 * checkpoint, commit. Callers are answered only after the commit, so nothing acknowledged is lost.
 * Batching is group commit: a batch starts as soon as the previous one finishes (or after
 * `maxWaitMs`), taking up to `maxBatchSize` waiting entries.
 */

import { searchIndexKeys } from '@scriba/sdk/entries';
import { integrate, rightEdgeTiles, type StoredTile, tileKey } from '@scriba/sdk/tiles';
import type { Db, Queryable } from '../db/index.js';
import { toBytes, toNumber } from '../db/index.js';
import type { ValidatedEntry } from '../entries/index.js';
import type { CheckpointSigner } from './checkpoint.js';
import type { Metrics } from './metrics.js';

export type Committed = {
  treeSize: number;
  rootHash: Uint8Array;
  checkpoint: string;
  /** Tiles written by the batch (overlay for building the batch's proofs without re-reading them). */
  tiles: Map<string, Uint8Array>;
};

export type AppendOutcome =
  | { kind: 'created'; index: number; integratedTime: number; entry: ValidatedEntry; committed: Committed }
  | { kind: 'duplicate'; index: number; entry: ValidatedEntry };

type Pending = {
  entry: ValidatedEntry;
  acceptedAt: number;
  resolve: (o: AppendOutcome) => void;
  reject: (e: unknown) => void;
};

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

/** The tree lock: granted once every earlier batch (of any process) has committed or rolled back. */
const LOCK_SQL = 'SELECT tree_size FROM tree_state WHERE id = 1 FOR UPDATE';

/**
 * Duplicates among the batch's leaf hashes, as a parameterless statement so that it travels with
 * BEGIN and the lock in one round trip. The literals are lower-case hex of SHA-256 leaf hashes the
 * server computed itself (never client text), so nothing can escape them. Sent after LOCK_SQL in the
 * same simple-protocol message, it takes its own snapshot after the lock was granted (READ
 * COMMITTED), so it sees every batch committed before.
 */
function duplicatesSql(hexHashes: string[]): string {
  for (const h of hexHashes) if (!/^[0-9a-f]{64}$/.test(h)) throw new Error('leaf hash must be 64 hex');
  const list = hexHashes.map((h) => `'\\x${h}'::bytea`).join(',');
  if (list === '') return 'SELECT log_index AS a, leaf_hash AS h FROM entries WHERE false';
  return `SELECT log_index AS a, encode(leaf_hash, 'hex') AS h FROM entries WHERE leaf_hash IN (${list})`;
}

/** Right-edge tiles read after the lock (only when this process did not write the previous batch). */
const TILES_SQL = `
  SELECT t.level AS a, t.idx AS b, t.hashes AS h
    FROM tiles t JOIN unnest($1::int[], $2::bigint[]) AS k(level, idx) ON t.level = k.level AND t.idx = k.idx`;

/**
 * The right-edge tiles of the tree after this process's last committed batch. A tree of a given size
 * never changes once committed, so when the locked tree size equals `size` these are exactly the
 * stored right-edge tiles and need not be read again. Updated only after a successful COMMIT.
 */
export type EdgeCache = { size: number; tiles: StoredTile[] } | undefined;

/**
 * Every write of a batch in one statement (data-modifying CTEs all run, referenced or not): tree
 * state, checkpoint, entries, search keys, tiles. Arrays keep the parameter count fixed.
 */
const WRITE_SQL = `
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
  SELECT (SELECT count(*) FROM en) AS entries, (SELECT count(*) FROM st) AS state`;

/** Search index keys of an entry (the SDK's key format; routes/v1/search.ts is the lookup side). */
function searchKeysOf(entry: ValidatedEntry): string[] {
  // PostgreSQL text cannot hold NUL (SQLSTATE 22021): such a key (e.g. from a certificate SAN) is
  // not indexed rather than failing the whole batch; a search can never carry NUL either.
  return searchIndexKeys(entry.searchKeys).filter((key) => !key.includes('\u0000'));
}

/**
 * Appends one batch in one transaction, in three round trips when this process wrote the previous
 * batch (BEGIN + lock + duplicate check; write everything; COMMIT), four otherwise (+ read the
 * right-edge tiles). `edge` (optional, per process) carries the right-edge tiles from one batch to
 * the next. Exported for tests and tools.
 */
export async function appendBatch(
  db: Db,
  signer: CheckpointSigner,
  entries: ValidatedEntry[],
  now: () => number = () => Math.floor(Date.now() / 1000),
  onLocked?: () => void,
  edge?: { current: EdgeCache },
): Promise<AppendOutcome[]> {
  const hexes = entries.map((e) => hex(e.leafHash));
  let nextEdge: EdgeCache;
  const outcomes = await db.transaction(
    async (tx: Queryable, opening) => {
      const [lockRows, dupRows] = opening as [{ tree_size: unknown }[], { a: unknown; h: string }[]];
      if (lockRows?.length !== 1 || !dupRows) throw new Error('tree_state is not initialized');
      onLocked?.();
      const oldSize = toNumber(lockRows[0]!.tree_size);

      // Duplicates: already in the log, or repeated within this batch (the first one wins).
      const existing = new Map<string, number>();
      for (const r of dupRows) existing.set(r.h, toNumber(r.a));
      let stored: StoredTile[];
      const cached = edge?.current;
      if (cached && cached.size === oldSize) {
        stored = cached.tiles;
      } else {
        const want = rightEdgeTiles(oldSize);
        const { rows } = await tx.query<{ a: unknown; b: unknown; h: unknown }>(TILES_SQL, [
          want.map((t) => t.level),
          want.map((t) => t.index),
        ]);
        const storedMap = new Map<string, Uint8Array>();
        for (const r of rows) storedMap.set(tileKey(toNumber(r.a), toNumber(r.b)), toBytes(r.h));
        stored = want.map((t) => {
          const hashes = storedMap.get(tileKey(t.level, t.index));
          if (!hashes)
            throw new Error(`tile ${tileKey(t.level, t.index)} is missing for tree size ${oldSize}`);
          return { level: t.level, index: t.index, hashes };
        });
      }
      const integratedTime = now();
      const fresh: { entry: ValidatedEntry; index: number; key: string }[] = [];
      const outcomes: (AppendOutcome | { kind: 'later'; key: string; entry: ValidatedEntry })[] = [];
      const assigned = new Map<string, number>();
      for (const [i, entry] of entries.entries()) {
        const key = hexes[i]!;
        const prior = existing.get(key) ?? assigned.get(key);
        if (prior !== undefined) {
          outcomes.push({ kind: 'duplicate', index: prior, entry });
        } else {
          const index = oldSize + fresh.length;
          assigned.set(key, index);
          fresh.push({ entry, index, key });
          outcomes.push({ kind: 'later', key, entry });
        }
      }
      if (fresh.length === 0) {
        nextEdge = { size: oldSize, tiles: stored };
        return outcomes as AppendOutcome[];
      }

      const result = integrate(
        oldSize,
        stored,
        fresh.map((f) => f.entry.leafHash),
      );
      nextEdge = { size: result.newSize, tiles: result.edge };
      const checkpoint = await signer.sign(result.newSize, result.rootHash);

      const searchKeys: string[] = [];
      const searchIdx: number[] = [];
      for (const f of fresh) {
        for (const k of searchKeysOf(f.entry)) {
          searchKeys.push(k);
          searchIdx.push(f.index);
        }
      }
      const written = await tx.query<{ entries: unknown; state: unknown }>(WRITE_SQL, [
        result.newSize,
        hex(result.rootHash),
        checkpoint,
        integratedTime,
        fresh.map((f) => f.index),
        fresh.map((f) => f.key),
        fresh.map((f) => f.entry.kind),
        fresh.map((f) => f.entry.apiVersion),
        fresh.map((f) => b64(f.entry.body)),
        searchKeys,
        searchIdx,
        result.changed.map((t) => t.level),
        result.changed.map((t) => t.index),
        result.changed.map((t) => hex(t.hashes)),
      ]);
      const w = written.rows[0];
      if (!w || toNumber(w.entries) !== fresh.length || toNumber(w.state) !== 1) {
        throw new Error('append batch wrote an unexpected number of rows');
      }
      const committed: Committed = {
        treeSize: result.newSize,
        rootHash: result.rootHash,
        checkpoint,
        tiles: new Map(result.changed.map((t) => [tileKey(t.level, t.index), t.hashes])),
      };
      return outcomes.map((o) =>
        o.kind === 'later'
          ? { kind: 'created', index: assigned.get(o.key)!, integratedTime, entry: o.entry, committed }
          : o,
      );
    },
    `${LOCK_SQL}; ${duplicatesSql(hexes)}`,
  );
  // Committed: the next batch of this process may start from these tiles.
  if (edge && nextEdge) edge.current = nextEdge;
  return outcomes as AppendOutcome[];
}

/**
 * The append queue is full: the entry was not queued (nothing acknowledged); the client should retry
 * later (503 with Retry-After). Overload is answered, not absorbed into memory and latency.
 */
export class OverloadedError extends Error {
  readonly code = 'OVERLOADED';
  constructor(readonly limit: number) {
    super(`the log is over its append capacity (${limit} outstanding entries); retry later`);
    this.name = 'OverloadedError';
  }
}

export type SequencerOptions = {
  maxBatchSize: number;
  /**
   * Entries outstanding per process (queued or in a batch not yet committed) past which appends are
   * refused with OverloadedError (default 4096, as Tessera pushes back).
   */
  maxQueue?: number;
  /** Wait before an idle sequencer starts a batch (0: start at once). */
  maxWaitMs: number;
  /**
   * Batches in flight (default 1). With 2 or more, the next batch starts as soon as the current one
   * holds the tree lock, so its BEGIN and lock request overlap the current batch's writes and commit
   * (correct because every batch reads the tree state and tiles after its own lock is granted).
   * Measured here (bench/append, 64 clients, CPU-bound 2-core machine): no gain, smaller batches.
   */
  maxInFlight?: number;
};

export class Sequencer {
  private queue: Pending[] = [];
  private inFlight = 0;
  /** Entries in batches started and not yet finished. */
  private inBatches = 0;
  /** A started batch has not been granted the tree lock yet (no further batch starts meanwhile). */
  private awaitingLock = false;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  /** Right-edge tiles after this process's last committed batch (see EdgeCache). */
  private readonly edge: { current: EdgeCache } = { current: undefined };

  constructor(
    private readonly db: Db,
    private readonly signer: CheckpointSigner,
    private readonly opts: SequencerOptions,
    private readonly metrics: Metrics,
  ) {}

  /** Entries queued or in a batch that has not finished. */
  get outstanding(): number {
    return this.queue.length + this.inBatches;
  }

  /** Most entries outstanding before appends are refused. */
  get maxQueue(): number {
    return this.opts.maxQueue ?? 4096;
  }

  /** True when an append now would be refused (callers may refuse before costly validation). */
  get full(): boolean {
    return this.outstanding >= this.maxQueue;
  }

  /**
   * Queues a validated entry; resolves after the batch holding it has committed. Rejects with
   * OverloadedError (without queueing) when the queue is full.
   */
  append(entry: ValidatedEntry): Promise<AppendOutcome> {
    if (this.full) {
      this.metrics.appendsRefused++;
      return Promise.reject(new OverloadedError(this.maxQueue));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, acceptedAt: performance.now(), resolve, reject });
      this.pump();
    });
  }

  /** Resolves once every queued entry has been committed (or failed): graceful shutdown. */
  drain(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Starts the next batch when allowed. `now`: start it synchronously (a batch just committed, so
   * the queue already holds what arrived meanwhile) instead of after the sockets already read.
   */
  private pump(now = false): void {
    if (this.queue.length === 0 || this.awaitingLock || this.timer) return;
    if (this.inFlight >= (this.opts.maxInFlight ?? 1)) return;
    if (this.inFlight === 0 && this.opts.maxWaitMs > 0 && this.queue.length < this.opts.maxBatchSize) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.start();
      }, this.opts.maxWaitMs);
      return;
    }
    this.awaitingLock = true;
    if (now) this.start();
    // Let the requests already read from sockets join this batch.
    else setImmediate(() => this.start());
  }

  private start(): void {
    const batch = this.queue.splice(0, this.opts.maxBatchSize);
    if (batch.length === 0) {
      this.awaitingLock = false;
      return;
    }
    this.awaitingLock = true;
    this.inFlight++;
    this.inBatches += batch.length;
    void this.runBatch(batch);
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    let locked = false;
    const onLocked = () => {
      locked = true;
      this.awaitingLock = false;
      this.pump();
    };
    const started = performance.now();
    let released = false;
    try {
      const outcomes = await appendBatch(
        this.db,
        this.signer,
        batch.map((p) => p.entry),
        undefined,
        onLocked,
        this.edge,
      );
      const done = performance.now();
      // The next batch asks for the tree lock before this batch's answers are built, so its
      // round trips overlap that work instead of queueing behind it on the event loop.
      released = true;
      if (!locked) this.awaitingLock = false;
      this.inFlight--;
      this.pump(true);
      let created = 0;
      outcomes.forEach((o, i) => {
        if (o.kind === 'created') {
          created++;
          this.metrics.treeSize = Math.max(this.metrics.treeSize, o.committed.treeSize);
        } else {
          this.metrics.duplicatesRejected++;
        }
        this.metrics.appendLatency.observe((done - batch[i]!.acceptedAt) / 1000);
        batch[i]!.resolve(o);
      });
      this.metrics.entriesAppended += created;
      this.metrics.batchesCommitted++;
      this.metrics.batchSize.observe(batch.length);
      this.metrics.batchDuration.observe((done - started) / 1000);
    } catch (e) {
      this.metrics.batchFailures++;
      for (const p of batch) p.reject(e);
    } finally {
      this.inBatches -= batch.length;
      if (!released) {
        if (!locked) this.awaitingLock = false;
        this.inFlight--;
        this.pump();
      }
      if (this.inFlight === 0 && this.queue.length === 0) {
        const waiters = this.idleWaiters.splice(0);
        for (const w of waiters) w();
      }
    }
  }
}
