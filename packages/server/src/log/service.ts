/**
 * The log core as the routes see it: initialization of the tree (tree ID, log ID binding, first
 * checkpoint), appends through the sequencer, and reads (entries, proofs, checkpoints, search). No
 * Fastify, no SQL and no wire format here: storage through the port (storage.ts), typed results
 * (Created / Duplicate / EntryWithProof) that each route renders in its own format; errors the
 * client caused are LogError with an HTTP-like kind.
 */

import { randomBytes } from 'node:crypto';
import { entryUuid } from '@scriba/sdk/entries';
import { EMPTY_ROOT } from '@scriba/sdk/merkle';
import {
  buildConsistencyProof,
  buildInclusionProof,
  rightEdgeTiles,
  rootFromTiles,
  TileNodeCache,
  tileKey,
} from '@scriba/sdk/tiles';
import type { ValidatedEntry } from '../entries/index.js';
import type { LogKey } from '../keys/logKey.js';
import type { CheckpointSigner } from './checkpoint.js';
import type { Metrics } from './metrics.js';
import { type AppendOutcome, Sequencer, type SequencerOptions, type TreeHandle } from './sequencer.js';
import type { LogStorage, StoredEntry, TreeId, TreeRecord } from './storage.js';
import { readBundleEntries, readTileBytes } from './tile-reader.js';
import { readTiles, tileGetter } from './tileStore.js';
import { cosignatureLines } from './witness-push.js';

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

/** An inclusion proof of an entry against a signed checkpoint of its tree. */
export type InclusionView = {
  treeSize: number;
  rootHash: Uint8Array;
  /** RFC 6962 audit path, leaf to root. */
  hashes: Uint8Array[];
  /** The C2SP signed note (log signature) for (treeSize, rootHash). */
  checkpoint: string;
};

/** A new entry, committed: where it is, and its proof against the checkpoint of its batch. */
export type Created = {
  kind: 'created';
  treeId: TreeId;
  index: number;
  /** Rekor EntryUUID (tree id prefix + leaf hash). */
  uuid: string;
  integratedTime: number;
  entry: ValidatedEntry;
  proof: InclusionView;
};

/** The entry was already in the tree (or earlier in the same batch): its index and UUID. */
export type Duplicate = { kind: 'duplicate'; treeId: TreeId; index: number; uuid: string };

export type AppendResult = Created | Duplicate;

/** A stored entry with its EntryUUID and inclusion proof against the latest checkpoint. */
export type EntryWithProof = { treeId: TreeId; uuid: string; entry: StoredEntry; proof: InclusionView };

export class LogService {
  readonly sequencer: Sequencer;
  /** Interior nodes of this log's full tiles (immutable), shared by every proof. */
  readonly tileCache = new TileNodeCache();
  /** The active tree (appends go here). */
  readonly tree: TreeHandle;
  /** Set by init() when the stored checkpoint had another origin (re-signed under this one). */
  renamed: string | undefined;

  constructor(
    readonly storage: LogStorage,
    readonly treeId: TreeId,
    readonly key: LogKey,
    readonly signer: CheckpointSigner,
    readonly metrics: Metrics,
    batch: SequencerOptions,
  ) {
    this.tree = { storage, treeId };
    this.sequencer = new Sequencer(this.tree, signer, batch, metrics);
  }

  /**
   * The active tree, created on first start (random 63-bit tree ID); refuses a log key that is not
   * the one the tree was created with. Safe when several processes start at once.
   */
  static async treeOrigin(
    storage: LogStorage,
    key: LogKey,
    createTreeId?: string,
  ): Promise<{ treeId: string }> {
    const candidate = createTreeId ?? (randomBytes(8).readBigUInt64BE() & 0x7fffffffffffffffn).toString();
    const tree = await storage.ensureActiveTree({
      treeId: candidate,
      logId: key.logId,
      rootHash: EMPTY_ROOT,
    });
    const logIdHex = Buffer.from(tree.logId).toString('hex');
    if (logIdHex !== key.logIdHex) {
      throw new Error(
        `the log key (log ID ${key.logIdHex}) is not the key this database's log was created with (log ID ${logIdHex})`,
      );
    }
    return { treeId: tree.treeId };
  }

  /**
   * (Re-)signs the current checkpoint when none exists or the origin/key name changed; the tree lock
   * serializes processes starting at once, so only the first re-signs.
   */
  async init(): Promise<void> {
    await this.storage.resignCheckpoint(this.treeId, async (t) => {
      if (t.checkpoint !== null && this.signer.matches(t.checkpoint)) return undefined;
      if (t.checkpoint !== null) {
        // Every process of one log MUST share the public URL / key name / origin; otherwise they
        // take turns re-signing the same tree under different names.
        this.renamed = t.checkpoint.split('\n', 1)[0];
      }
      return this.signer.sign(t.treeSize, t.rootHash);
    });
    const st = await this.state();
    this.metrics.treeSize = st.treeSize;
  }

  async state(): Promise<TreeState> {
    return LogService.stateOf(await this.storage.tree(this.treeId));
  }

  /** Tile (level, index) at `width` as served by tlog-tiles, or undefined when the tree lacks it. */
  readTile(level: number, index: number, width: number): Promise<Uint8Array | undefined> {
    return readTileBytes(this.tree, level, index, width);
  }

  /** The `width` entry bodies of entry bundle `index`, or undefined when the tree lacks them. */
  readEntryBundle(index: number, width: number): Promise<Uint8Array[] | undefined> {
    return readBundleEntries(this.tree, index, width);
  }

  /** The witness cosignature lines kept for the checkpoint (size, root). */
  cosignatureLines(size: number, rootHash: Uint8Array): Promise<string[]> {
    return cosignatureLines(this.tree, size, rootHash);
  }

  /**
   * Appends a validated entry. Resolves after its batch committed: Created (index, proof against the
   * batch's checkpoint) or Duplicate (the index the tree already had for it). No wire format here.
   */
  async append(entry: ValidatedEntry): Promise<AppendResult> {
    const outcome: AppendOutcome = await this.sequencer.append(entry);
    const uuid = entryUuid(this.treeId, entry.leafHash);
    if (outcome.kind === 'duplicate')
      return { kind: 'duplicate', treeId: this.treeId, index: outcome.index, uuid };
    const c = outcome.committed;
    const hashes = await buildInclusionProof(
      outcome.index,
      c.treeSize,
      tileGetter(this.tree, c.tiles),
      this.tileCache,
    );
    return {
      kind: 'created',
      treeId: this.treeId,
      index: outcome.index,
      uuid,
      integratedTime: outcome.integratedTime,
      entry,
      proof: { treeSize: c.treeSize, rootHash: c.rootHash, hashes, checkpoint: c.checkpoint },
    };
  }

  /** The tree row as a TreeState (the latest committed one the storage read). */
  private static stateOf(t: TreeRecord): TreeState {
    if (t.checkpoint === null) throw new Error('the tree has no signed checkpoint yet');
    return {
      treeId: t.treeId,
      treeSize: t.treeSize,
      rootHash: t.rootHash,
      checkpoint: t.checkpoint,
      createdAt: t.createdAt,
    };
  }

  private async withProofs(st: TreeState, entries: StoredEntry[]): Promise<EntryWithProof[]> {
    const getTiles = tileGetter(this.tree);
    const out: EntryWithProof[] = [];
    for (const e of entries) {
      if (e.index >= st.treeSize) continue; // not yet visible under the latest checkpoint
      const hashes = await buildInclusionProof(e.index, st.treeSize, getTiles, this.tileCache);
      out.push({
        treeId: st.treeId,
        uuid: entryUuid(st.treeId, e.leafHash),
        entry: e,
        proof: { treeSize: st.treeSize, rootHash: st.rootHash, hashes, checkpoint: st.checkpoint },
      });
    }
    return out;
  }

  /**
   * Entries at the given indices (in that order; absent ones skipped), with inclusion proofs against
   * the latest checkpoint. The tree state travels with the entries (one storage round trip; tiles
   * the node cache lacks are a second).
   */
  async entriesByIndex(indices: number[]): Promise<EntryWithProof[]> {
    if (indices.length === 0) return [];
    const { tree, entries } = await this.storage.entriesWithTree(this.treeId, { indices });
    const byIndex = new Map(entries.map((r) => [r.index, r]));
    return this.withProofs(
      LogService.stateOf(tree),
      indices.map((i) => byIndex.get(i)).filter((r) => r !== undefined),
    );
  }

  /** Entries with the given leaf hashes (in that order; absent ones skipped), with inclusion proofs. */
  async entriesByLeafHash(hashes: Uint8Array[]): Promise<EntryWithProof[]> {
    if (hashes.length === 0) return [];
    const { tree, entries } = await this.storage.entriesWithTree(this.treeId, { leafHashes: hashes });
    const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
    const byHash = new Map(entries.map((r) => [hex(r.leafHash), r]));
    return this.withProofs(
      LogService.stateOf(tree),
      hashes.map((h) => byHash.get(hex(h))).filter((r) => r !== undefined),
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
      hashes: await buildConsistencyProof(firstSize, last, tileGetter(this.tree), this.tileCache),
    };
  }

  /** Root hash of an earlier tree size, from a stored checkpoint or computed from tiles. */
  async rootAt(size: number): Promise<Uint8Array> {
    const stored = await this.storage.checkpointRoot(this.treeId, size);
    if (stored) return stored;
    // Not a batch boundary: fold the right-edge tiles of that size (stored rows are supersets).
    const edge = rightEdgeTiles(size);
    const tiles = await readTiles(this.tree, edge);
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
    for (const keys of keySets) sets.push(new Set(await this.storage.search(this.treeId, keys, 10000)));
    let result = sets[0]!;
    for (const s of sets.slice(1)) {
      result = op === 'and' ? new Set([...result].filter((i) => s.has(i))) : new Set([...result, ...s]);
    }
    const indices = [...result].sort((a, b) => a - b);
    if (indices.length === 0) return [];
    const out: string[] = [];
    for (let i = 0; i < indices.length; i += 1000) {
      const rows = await this.storage.leafHashesByIndex(this.treeId, indices.slice(i, i + 1000));
      for (const r of rows) out.push(entryUuid(this.treeId, r.leafHash));
    }
    return out;
  }
}
