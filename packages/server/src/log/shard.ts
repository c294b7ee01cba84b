/**
 * One tree of the log: a shard (issue 11). Each shard is a log of its own for C2SP clients and
 * auditors (its own origin, checkpoints, tiles: C2SP tlog-checkpoint / tlog-tiles) and a segment of
 * the global Rekor v1 index, starting at its `offset`. This module holds a shard's reads: entries
 * with inclusion proofs against its latest checkpoint, consistency proofs, tiles, entry bundles and
 * collected cosignatures. A frozen shard never changes, so its state is served from memory.
 */

import { entryUuid } from '@scriba/sdk/entries';
import {
  buildConsistencyProof,
  buildInclusionProof,
  rightEdgeTiles,
  rootFromTiles,
  TileNodeCache,
  tileKey,
} from '@scriba/sdk/tiles';
import type { TreeHandle } from './sequencer.js';
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

/**
 * A stored entry with its EntryUUID and inclusion proof against the latest checkpoint of its shard.
 * `entry.index` is tree-local; the global (Rekor v1) index is `offset + entry.index`.
 */
export type EntryWithProof = {
  treeId: TreeId;
  offset: number;
  uuid: string;
  entry: StoredEntry;
  proof: InclusionView;
};

/** The tree row as a TreeState (the latest committed one the storage read). */
export function stateOf(t: TreeRecord): TreeState {
  if (t.checkpoint === null) throw new Error('the tree has no signed checkpoint yet');
  return {
    treeId: t.treeId,
    treeSize: t.treeSize,
    rootHash: t.rootHash,
    checkpoint: t.checkpoint,
    createdAt: t.createdAt,
  };
}

export class Shard {
  /** Interior nodes of this tree's full tiles (immutable), shared by every proof. */
  readonly tileCache = new TileNodeCache();
  readonly handle: TreeHandle;

  constructor(
    readonly storage: LogStorage,
    private current: TreeRecord,
  ) {
    this.handle = { storage, treeId: current.treeId };
  }

  get treeId(): TreeId {
    return this.current.treeId;
  }

  /** Global index of the shard's first entry. */
  get offset(): number {
    return this.current.shardOffset;
  }

  /** The tree row as last read (size and checkpoint may be behind for the active shard). */
  get record(): TreeRecord {
    return this.current;
  }

  /** False once the shard was seen frozen; a frozen shard never changes again. */
  get active(): boolean {
    return this.current.active;
  }

  /** Takes a newer read of the tree row (the shard list was re-read). */
  update(record: TreeRecord): void {
    if (record.treeId !== this.treeId) throw new Error('a shard keeps its tree id');
    // An older read never undoes a newer one: a frozen shard stays frozen, a tree never shrinks.
    if (!this.current.active && record.active) return;
    if (record.active === this.current.active && record.treeSize < this.current.treeSize) return;
    this.current = record;
  }

  /** The latest committed state: from memory when frozen, else read from storage. */
  async state(): Promise<TreeState> {
    if (!this.current.active && this.current.checkpoint !== null) return stateOf(this.current);
    const t = await this.storage.tree(this.treeId);
    this.current = t;
    return stateOf(t);
  }

  /** Tile (level, index) at `width` as served by tlog-tiles, or undefined when the tree lacks it. */
  readTile(level: number, index: number, width: number): Promise<Uint8Array | undefined> {
    return readTileBytes(this.handle, level, index, width);
  }

  /** The `width` entry bodies of entry bundle `index`, or undefined when the tree lacks them. */
  readEntryBundle(index: number, width: number): Promise<Uint8Array[] | undefined> {
    return readBundleEntries(this.handle, index, width);
  }

  /** The witness cosignature lines kept for the checkpoint (size, root). */
  cosignatureLines(size: number, rootHash: Uint8Array): Promise<string[]> {
    return cosignatureLines(this.handle, size, rootHash);
  }

  /** Inclusion proof of tree-local `index` at `treeSize` (tiles read through storage or `overlay`). */
  inclusionHashes(index: number, treeSize: number, overlay?: Map<string, Uint8Array>): Promise<Uint8Array[]> {
    return buildInclusionProof(index, treeSize, tileGetter(this.handle, overlay), this.tileCache);
  }

  private async withProofs(st: TreeState, entries: StoredEntry[]): Promise<EntryWithProof[]> {
    const getTiles = tileGetter(this.handle);
    const out: EntryWithProof[] = [];
    for (const e of entries) {
      if (e.index >= st.treeSize) continue; // not yet visible under the latest checkpoint
      const hashes = await buildInclusionProof(e.index, st.treeSize, getTiles, this.tileCache);
      out.push({
        treeId: st.treeId,
        offset: this.offset,
        uuid: entryUuid(st.treeId, e.leafHash),
        entry: e,
        proof: { treeSize: st.treeSize, rootHash: st.rootHash, hashes, checkpoint: st.checkpoint },
      });
    }
    return out;
  }

  /**
   * Entries at the given tree-local indices (in that order; absent ones skipped), with inclusion
   * proofs against the latest checkpoint. The tree state travels with the entries (one storage
   * round trip; tiles the node cache lacks are a second).
   */
  async entriesByIndex(indices: number[]): Promise<EntryWithProof[]> {
    if (indices.length === 0) return [];
    const { tree, entries } = await this.storage.entriesWithTree(this.treeId, { indices });
    const byIndex = new Map(entries.map((r) => [r.index, r]));
    return this.withProofs(
      stateOf(tree),
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
      stateOf(tree),
      hashes.map((h) => byHash.get(hex(h))).filter((r) => r !== undefined),
    );
  }

  /** Consistency proof between two sizes of this tree, with the root of `lastSize`. */
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
      hashes: await buildConsistencyProof(firstSize, last, tileGetter(this.handle), this.tileCache),
    };
  }

  /** Root hash of an earlier tree size, from a stored checkpoint or computed from tiles. */
  async rootAt(size: number): Promise<Uint8Array> {
    const stored = await this.storage.checkpointRoot(this.treeId, size);
    if (stored) return stored;
    // Not a batch boundary: fold the right-edge tiles of that size (stored rows are supersets).
    const edge = rightEdgeTiles(size);
    const tiles = await readTiles(this.handle, edge);
    return rootFromTiles(size, (level, index) => {
      const row = tiles.get(tileKey(level, index));
      if (!row) throw new Error(`tile ${tileKey(level, index)} is missing from storage`);
      return row;
    });
  }
}
