/**
 * The log as the routes see it: initialization of the tree (tree ID, log ID binding, first
 * checkpoint), appends through the sequencer, and reads (entries, proofs, checkpoints, search). No
 * Fastify here; errors the client caused are LogError with an HTTP-like kind.
 */

import { randomBytes } from 'node:crypto';
import { hexEncode } from '@scriba/sdk/encoding';
import { EMPTY_ROOT } from '@scriba/sdk/merkle';
import { type Db, toBytes, toNumber } from '../db/index.js';
import type { ValidatedEntry } from '../entries/index.js';
import type { LogKey } from '../keys/logKey.js';
import type { CheckpointSigner } from './checkpoint.js';
import { entryUuid, type LogEntryValue, logEntryValue, type StoredEntry } from './entryView.js';
import { TileNodeCache } from './hash.js';
import { rightEdgeTiles, rootFromTiles, tileKey } from './integrate.js';
import type { Metrics } from './metrics.js';
import { buildConsistencyProof, buildInclusionProof } from './proofs.js';
import { type AppendOutcome, Sequencer, type SequencerOptions } from './sequencer.js';
import { readTiles, tileGetter } from './tileStore.js';

export class LogError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 503,
    readonly reason: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'LogError';
  }
}

export type TreeState = {
  treeId: string;
  treeSize: number;
  rootHash: Uint8Array;
  checkpoint: string;
  createdAt: Date;
};

type EntryRow = { log_index: unknown; leaf_hash: unknown; body: unknown; integrated_time: unknown };
const toStored = (r: EntryRow): StoredEntry => ({
  index: toNumber(r.log_index),
  leafHash: toBytes(r.leaf_hash),
  body: toBytes(r.body),
  integratedTime: toNumber(r.integrated_time),
});

export class LogService {
  readonly sequencer: Sequencer;
  /** Interior nodes of this log's full tiles (immutable), shared by every proof. */
  readonly tileCache = new TileNodeCache();
  private treeIdCache: string | undefined;
  /** Set by init() when the stored checkpoint had another origin (re-signed under this one). */
  renamed: string | undefined;

  constructor(
    readonly db: Db,
    readonly key: LogKey,
    readonly signer: CheckpointSigner,
    readonly metrics: Metrics,
    batch: SequencerOptions,
  ) {
    this.sequencer = new Sequencer(db, signer, batch, metrics);
  }

  /**
   * Creates the tree on first start (random 63-bit tree ID) and refuses a log key that is not the
   * one the tree was created with. Safe when several processes start at once (insert-if-absent).
   */
  static async treeOrigin(db: Db, key: LogKey, createTreeId?: string): Promise<{ treeId: string }> {
    const candidate = createTreeId ?? (randomBytes(8).readBigUInt64BE() & 0x7fffffffffffffffn).toString();
    await db.query(
      `INSERT INTO tree_state (id, tree_id, log_id, tree_size, root_hash) VALUES (1, $1, $2, 0, $3)
       ON CONFLICT (id) DO NOTHING`,
      [candidate, key.logId, EMPTY_ROOT],
    );
    const { rows } = await db.query<{ tree_id: unknown; log_id: unknown }>(
      'SELECT tree_id, log_id FROM tree_state WHERE id = 1',
    );
    const row = rows[0]!;
    if (hexEncode(toBytes(row.log_id)) !== key.logIdHex) {
      throw new Error(
        `the log key (log ID ${key.logIdHex}) is not the key this database's log was created with (log ID ${hexEncode(toBytes(row.log_id))})`,
      );
    }
    return { treeId: String(row.tree_id) };
  }

  /**
   * (Re-)signs the current checkpoint when none exists or the origin/key name changed; the row lock
   * serializes processes starting at once, so only the first re-signs.
   */
  async init(): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ tree_size: unknown; root_hash: unknown; checkpoint: string | null }>(
        'SELECT tree_size, root_hash, checkpoint FROM tree_state WHERE id = 1 FOR UPDATE',
      );
      const row = rows[0]!;
      if (row.checkpoint !== null && this.signer.matches(row.checkpoint)) return;
      if (row.checkpoint !== null) {
        // Every process of one log MUST share the public URL / key name / origin; otherwise they
        // take turns re-signing the same tree under different names.
        this.renamed = row.checkpoint.split('\n', 1)[0];
      }
      const size = toNumber(row.tree_size);
      const root = toBytes(row.root_hash);
      const note = await this.signer.sign(size, root);
      await tx.query('UPDATE tree_state SET checkpoint = $1, updated_at = now() WHERE id = 1', [note]);
      await tx.query(
        `INSERT INTO checkpoints (tree_size, root_hash, note) VALUES ($1, $2, $3)
         ON CONFLICT (tree_size) DO UPDATE SET note = EXCLUDED.note`,
        [size, root, note],
      );
    });
    const st = await this.state();
    this.metrics.treeSize = st.treeSize;
  }

  async state(): Promise<TreeState> {
    const { rows } = await this.db.query<{
      tree_id: unknown;
      tree_size: unknown;
      root_hash: unknown;
      checkpoint: string;
      created_at: Date | string;
    }>('SELECT tree_id, tree_size, root_hash, checkpoint, created_at FROM tree_state WHERE id = 1');
    const r = rows[0];
    if (!r) throw new Error('tree_state is not initialized');
    this.treeIdCache = String(r.tree_id);
    return {
      treeId: String(r.tree_id),
      treeSize: toNumber(r.tree_size),
      rootHash: toBytes(r.root_hash),
      checkpoint: r.checkpoint,
      createdAt: new Date(r.created_at),
    };
  }

  async treeId(): Promise<string> {
    return this.treeIdCache ?? (await this.state()).treeId;
  }

  /** Appends a validated entry. Resolves with the LogEntry (created) or the existing UUID (duplicate). */
  async append(
    entry: ValidatedEntry,
  ): Promise<{ created: true; uuid: string; value: LogEntryValue } | { created: false; uuid: string }> {
    const outcome: AppendOutcome = await this.sequencer.append(entry);
    const treeId = await this.treeId();
    const uuid = entryUuid(treeId, entry.leafHash);
    if (outcome.kind === 'duplicate') return { created: false, uuid };
    const c = outcome.committed;
    const hashes = await buildInclusionProof(
      outcome.index,
      c.treeSize,
      tileGetter(this.db, c.tiles),
      this.tileCache,
    );
    const stored: StoredEntry = {
      index: outcome.index,
      leafHash: entry.leafHash,
      body: entry.body,
      integratedTime: outcome.integratedTime,
    };
    return {
      created: true,
      uuid,
      value: await logEntryValue(this.key, stored, {
        treeSize: c.treeSize,
        rootHash: c.rootHash,
        hashes,
        checkpoint: c.checkpoint,
      }),
    };
  }

  private async view(rows: EntryRow[]): Promise<Record<string, LogEntryValue>[]> {
    if (rows.length === 0) return [];
    const st = await this.state();
    const getTiles = tileGetter(this.db);
    const out: Record<string, LogEntryValue>[] = [];
    for (const r of rows) {
      const e = toStored(r);
      if (e.index >= st.treeSize) continue; // not yet visible under the latest checkpoint
      const hashes = await buildInclusionProof(e.index, st.treeSize, getTiles, this.tileCache);
      out.push({
        [entryUuid(st.treeId, e.leafHash)]: await logEntryValue(this.key, e, {
          treeSize: st.treeSize,
          rootHash: st.rootHash,
          hashes,
          checkpoint: st.checkpoint,
        }),
      });
    }
    return out;
  }

  async entriesByIndex(indices: number[]): Promise<Record<string, LogEntryValue>[]> {
    if (indices.length === 0) return [];
    const { rows } = await this.db.query<EntryRow>(
      `SELECT log_index, leaf_hash, body, integrated_time FROM entries WHERE log_index IN (${indices.map((_, i) => `$${i + 1}`).join(', ')})`,
      indices,
    );
    const byIndex = new Map(rows.map((r) => [toNumber(r.log_index), r]));
    return this.view(indices.map((i) => byIndex.get(i)).filter((r): r is EntryRow => r !== undefined));
  }

  async entriesByLeafHash(hashes: Uint8Array[]): Promise<Record<string, LogEntryValue>[]> {
    if (hashes.length === 0) return [];
    const { rows } = await this.db.query<EntryRow>(
      `SELECT log_index, leaf_hash, body, integrated_time FROM entries WHERE leaf_hash IN (${hashes.map((_, i) => `$${i + 1}`).join(', ')})`,
      hashes,
    );
    const byHash = new Map(rows.map((r) => [hexEncode(toBytes(r.leaf_hash)), r]));
    return this.view(
      hashes.map((h) => byHash.get(hexEncode(h))).filter((r): r is EntryRow => r !== undefined),
    );
  }

  /** Consistency proof between two sizes of the current tree, with the root of `lastSize`. */
  async consistency(
    firstSize: number,
    lastSize: number | undefined,
  ): Promise<{ rootHash: Uint8Array; hashes: Uint8Array[] }> {
    const st = await this.state();
    const last = lastSize ?? st.treeSize;
    if (last > st.treeSize) {
      throw new LogError(
        400,
        'SIZE_PAST_TREE',
        `lastSize ${last} is past the tree size ${st.treeSize}`,
        'lastSize',
      );
    }
    if (firstSize > last) {
      throw new LogError(
        400,
        'FIRST_AFTER_LAST',
        `firstSize ${firstSize} is greater than lastSize ${last}`,
        'firstSize',
      );
    }
    const rootHash = last === st.treeSize ? st.rootHash : await this.rootAt(last);
    if (firstSize === 0 || firstSize === last) return { rootHash, hashes: [] };
    return {
      rootHash,
      hashes: await buildConsistencyProof(firstSize, last, tileGetter(this.db), this.tileCache),
    };
  }

  /** Root hash of an earlier tree size, from a stored checkpoint or computed from tiles. */
  async rootAt(size: number): Promise<Uint8Array> {
    const { rows } = await this.db.query<{ root_hash: unknown }>(
      'SELECT root_hash FROM checkpoints WHERE tree_size = $1',
      [size],
    );
    if (rows[0]) return toBytes(rows[0].root_hash);
    // Not a batch boundary: fold the right-edge tiles of that size (stored rows are supersets).
    const edge = rightEdgeTiles(size);
    const tiles = await readTiles(this.db, edge);
    return rootFromTiles(size, (level, index) => {
      const row = tiles.get(tileKey(level, index));
      if (!row) throw new Error(`tile ${tileKey(level, index)} is missing from storage`);
      return row;
    });
  }

  /** Search index lookup; `op` combines the given key sets. Returns EntryUUIDs. */
  async search(keySets: string[][], op: 'and' | 'or'): Promise<string[]> {
    if (keySets.length === 0) return [];
    const sets: Set<number>[] = [];
    for (const keys of keySets) {
      const { rows } = await this.db.query<{ log_index: unknown }>(
        `SELECT log_index FROM search_index WHERE key IN (${keys.map((_, i) => `$${i + 1}`).join(', ')}) ORDER BY log_index LIMIT 10000`,
        keys,
      );
      sets.push(new Set(rows.map((r) => toNumber(r.log_index))));
    }
    let result = sets[0]!;
    for (const s of sets.slice(1)) {
      result = op === 'and' ? new Set([...result].filter((i) => s.has(i))) : new Set([...result, ...s]);
    }
    const indices = [...result].sort((a, b) => a - b);
    if (indices.length === 0) return [];
    const treeId = await this.treeId();
    const out: string[] = [];
    for (let i = 0; i < indices.length; i += 1000) {
      const chunk = indices.slice(i, i + 1000);
      const { rows } = await this.db.query<{ leaf_hash: unknown }>(
        `SELECT leaf_hash FROM entries WHERE log_index IN (${chunk.map((_, j) => `$${j + 1}`).join(', ')}) ORDER BY log_index`,
        chunk,
      );
      for (const r of rows) out.push(entryUuid(treeId, toBytes(r.leaf_hash)));
    }
    return out;
  }
}
