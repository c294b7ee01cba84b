/**
 * The sequencer/batcher: validated entries queue here and are appended in batches, one PostgreSQL
 * transaction per batch — lock the tree state row (SELECT … FOR UPDATE, which serializes every
 * server process on the database), drop duplicates (unique leaf hash), assign contiguous indices,
 * store entries, search keys and changed tiles, compute the root (integrate.ts), sign and store the
 * checkpoint, commit. Callers are answered only after the commit, so nothing acknowledged is lost.
 * Batching is group commit: a batch starts as soon as the previous one finishes (or after
 * `maxWaitMs`), taking up to `maxBatchSize` waiting entries.
 */
import type { Db, Queryable } from '../db/index.js';
import { toBytes, toNumber } from '../db/index.js';
import type { ValidatedEntry } from '../entries/index.js';
import type { CheckpointSigner } from './checkpoint.js';
import { integrate, rightEdgeTiles, type StoredTile, tileKey } from './integrate.js';
import type { Metrics } from './metrics.js';
import { readTiles, writeTiles } from './tileStore.js';

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

function insertRows(
  table: string,
  cols: string[],
  rows: unknown[][],
  suffix = '',
): { sql: string; params: unknown[] }[] {
  const out: { sql: string; params: unknown[] }[] = [];
  const perChunk = Math.max(1, Math.floor(8000 / cols.length));
  for (let i = 0; i < rows.length; i += perChunk) {
    const params: unknown[] = [];
    const values = rows.slice(i, i + perChunk).map((r) => {
      const ph = r.map((v) => {
        params.push(v);
        return `$${params.length}`;
      });
      return `(${ph.join(', ')})`;
    });
    out.push({
      sql: `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${values.join(', ')} ${suffix}`,
      params,
    });
  }
  return out;
}

/** Appends one batch in one transaction. Exported for tests and the bulk loader. */
export async function appendBatch(
  db: Db,
  signer: CheckpointSigner,
  entries: ValidatedEntry[],
  now: () => number = () => Math.floor(Date.now() / 1000),
): Promise<AppendOutcome[]> {
  return db.transaction(async (tx: Queryable) => {
    const st = await tx.query<{ tree_size: unknown }>(
      'SELECT tree_size FROM tree_state WHERE id = 1 FOR UPDATE',
    );
    if (st.rows.length !== 1) throw new Error('tree_state is not initialized');
    const oldSize = toNumber(st.rows[0]!.tree_size);

    // Duplicates: already in the log, or repeated within this batch (the first one wins).
    const existing = new Map<string, number>();
    const hashes = entries.map((e) => e.leafHash);
    for (let i = 0; i < hashes.length; i += 1000) {
      const chunk = hashes.slice(i, i + 1000);
      const { rows } = await tx.query<{ log_index: unknown; leaf_hash: unknown }>(
        `SELECT log_index, leaf_hash FROM entries WHERE leaf_hash IN (${chunk.map((_, j) => `$${j + 1}`).join(', ')})`,
        chunk,
      );
      for (const r of rows) existing.set(hex(toBytes(r.leaf_hash)), toNumber(r.log_index));
    }
    const integratedTime = now();
    const fresh: { entry: ValidatedEntry; index: number }[] = [];
    const outcomes: (AppendOutcome | { kind: 'later'; key: string; entry: ValidatedEntry })[] = [];
    const assigned = new Map<string, number>();
    for (const entry of entries) {
      const key = hex(entry.leafHash);
      const prior = existing.get(key);
      if (prior !== undefined) {
        outcomes.push({ kind: 'duplicate', index: prior, entry });
      } else if (assigned.has(key)) {
        outcomes.push({ kind: 'duplicate', index: assigned.get(key)!, entry });
      } else {
        const index = oldSize + fresh.length;
        assigned.set(key, index);
        fresh.push({ entry, index });
        outcomes.push({ kind: 'later', key, entry });
      }
    }
    if (fresh.length === 0) return outcomes as AppendOutcome[];

    const edge = rightEdgeTiles(oldSize);
    const storedMap = await readTiles(tx, edge);
    const stored: StoredTile[] = edge.map((t) => {
      const hashes = storedMap.get(tileKey(t.level, t.index));
      if (!hashes) throw new Error(`tile ${tileKey(t.level, t.index)} is missing for tree size ${oldSize}`);
      return { level: t.level, index: t.index, hashes };
    });
    const result = integrate(
      oldSize,
      stored,
      fresh.map((f) => f.entry.leafHash),
    );

    const entryRows = fresh.map((f) => [
      f.index,
      f.entry.leafHash,
      f.entry.kind,
      f.entry.apiVersion,
      f.entry.body,
      integratedTime,
    ]);
    for (const s of insertRows(
      'entries',
      ['log_index', 'leaf_hash', 'kind', 'api_version', 'body', 'integrated_time'],
      entryRows,
    )) {
      await tx.query(s.sql, s.params);
    }
    const searchRows: unknown[][] = [];
    for (const f of fresh) {
      const k = f.entry.searchKeys;
      const keys = new Set<string>();
      for (const d of k.sha256Digests) keys.add(d.toLowerCase());
      for (const p of k.publicKeyFingerprints) keys.add(`key:${p.toLowerCase()}`);
      for (const e of k.emails) keys.add(`email:${e.toLowerCase()}`);
      for (const s of k.subjects) keys.add(`subject:${s.toLowerCase()}`);
      for (const key of keys) searchRows.push([key, f.index]);
    }
    for (const s of insertRows('search_index', ['key', 'log_index'], searchRows, 'ON CONFLICT DO NOTHING')) {
      await tx.query(s.sql, s.params);
    }
    await writeTiles(tx, result.changed);

    const checkpoint = await signer.sign(result.newSize, result.rootHash);
    await tx.query(
      `INSERT INTO checkpoints (tree_size, root_hash, note) VALUES ($1, $2, $3)
       ON CONFLICT (tree_size) DO UPDATE SET note = EXCLUDED.note, root_hash = EXCLUDED.root_hash`,
      [result.newSize, result.rootHash, checkpoint],
    );
    await tx.query(
      'UPDATE tree_state SET tree_size = $1, root_hash = $2, checkpoint = $3, updated_at = now() WHERE id = 1',
      [result.newSize, result.rootHash, checkpoint],
    );
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
  });
}

export class Sequencer {
  private queue: Pending[] = [];
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly db: Db,
    private readonly signer: CheckpointSigner,
    private readonly opts: { maxBatchSize: number; maxWaitMs: number },
    private readonly metrics: Metrics,
  ) {}

  /** Queues a validated entry; resolves after the batch holding it has committed. */
  append(entry: ValidatedEntry): Promise<AppendOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, acceptedAt: performance.now(), resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once every queued entry has been committed (or failed): graceful shutdown. */
  drain(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.running || this.timer) return;
    if (this.opts.maxWaitMs > 0 && this.queue.length < this.opts.maxBatchSize) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.run();
      }, this.opts.maxWaitMs);
    } else {
      setImmediate(() => void this.run());
      this.running = true;
    }
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxBatchSize);
      const started = performance.now();
      try {
        const outcomes = await appendBatch(
          this.db,
          this.signer,
          batch.map((p) => p.entry),
        );
        const done = performance.now();
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
      }
    }
    this.running = false;
    const waiters = this.idleWaiters.splice(0);
    for (const w of waiters) w();
  }
}
