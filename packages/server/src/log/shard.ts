/**
 * One tree of the log: a shard (issue 11). Each shard is a log of its own for C2SP clients and
 * auditors (its own origin, checkpoints, tiles: C2SP tlog-checkpoint / tlog-tiles) and a segment of
 * the global Rekor v1 index, starting at its `offset`. This module holds a shard's reads: entries
 * with inclusion proofs against its latest checkpoint, consistency proofs, tiles, entry bundles and
 * collected cosignatures. A frozen shard never changes, so its state is served from memory.
 *
 * Reads of entries and consistency proofs answer against the shard's cached head (latest size,
 * root and signed checkpoint), shared by every request: it is taken from this process's own commits,
 * the shard list (re-read every second) and fresh reads, and trusted for HEAD_TTL_MS. Freshness
 * rule: an entry is only ever answered with a proof against a checkpoint that includes it, so an
 * index at or past the cached size reads the head afresh (in the same statement as the entry).
 * Several processes share one database, so another process's appends reach a cached head within
 * HEAD_TTL_MS (a TTL rather than LISTEN/NOTIFY: NOTIFY would serialize every append's commit on
 * PostgreSQL's notify queue lock and need a dedicated connection per process whose loss silently
 * drops notifications, so a TTL would still be needed; a proof against a checkpoint up to a second
 * old is as valid and as verifiable as one against the newest).
 * One read of an entry is at most one storage round trip, shared: reads of a shard that arrive while
 * a batch is gathered (until the loop's check phase) or while MAX_READS_IN_FLIGHT batches are in
 * flight are coalesced, and one statement (LogStorage.entriesForProofs, prepared, of the parts
 * asked) reads their entries (each with the SET stored at integration), the tiles their proofs need
 * that the tile node cache lacks, and (when stale) the head. Through a full level-0 tile a proof
 * reads only its entry's leaf group and the tile's summary (levels 3..8, stored by the batch that
 * filled the tile: leaf-groups.ts), so the cost of a read does not grow with the tree and needs no
 * warm-up.
 * Every proof served leads to the signed checkpoint's root, without a check per read: the path of a
 * full level-0 tile's root to the root (levels 8 and up, the same for every entry of the tile and
 * for consistency proofs from inside it) is checked against the root once per tile and tree size
 * and kept with its hex rendering; a stored summary is checked whole against that tile root once
 * (its first read folds the nodes it takes to it first), a leaf group must fold to the summary (7
 * hashes), and the entry's leaf hash must be the tile's leaf at its place. A proof built otherwise
 * (from whole tiles) is checked against the root; a stored tile that disagrees with the checkpoint
 * answers an error.
 */

import { bytesEqual, concatBytes, hexEncode } from '@scriba/sdk/encoding';
import { entryUuid } from '@scriba/sdk/entries';
import { hashChildren, verifyInclusion } from '@scriba/sdk/merkle';
import {
  buildConsistencyProof,
  buildInclusionProof,
  consistencyProofTiles,
  inclusionProofTiles,
  rightEdgeTiles,
  rootFromTiles,
  type TileGetter,
  type TileLevels,
  TileNodeCache,
  tileKey,
} from '@scriba/sdk/tiles';
import { ConsistencyCache } from './consistency-cache.js';
import { GROUP, LeafGroupSummaries, OneTileCache } from './leaf-groups.js';
import type { TreeHandle } from './sequencer.js';
import type { LogStorage, StoredEntry, TreeHead, TreeId, TreeRecord } from './storage.js';
import { readBundleEntries, readTileBytes } from './tile-reader.js';
import { readTiles, tileGetter } from './tileStore.js';
import { appendUpperPath, packUpperPath, type UpperPath, UpperPaths, upperPathJson } from './upper-paths.js';
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
  /**
   * `hashes` as the items of a JSON array of lower-case hex strings (`"ab..","cd.."`), when the
   * proof was built from parts whose rendering is kept (an upper path's, once per tile and size).
   */
  hashesJson?: string;
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

/**
 * Whether leaf `leaf`'s node at level 3 of a tile's `levels` folds with its siblings at levels 3..7
 * to the tile root (level 8): the summary nodes a proof through that leaf takes (5 hashes).
 */
function pathFoldsTo(levels: TileLevels, leaf: number): boolean {
  const at = (h: number, k: number) => {
    const o = (levels.offsets[h]! + k) * 32;
    return levels.buf.subarray(o, o + 32);
  };
  let node = at(3, leaf >> 3);
  for (let h = 3; h < 8; h++) {
    const self = leaf >> h;
    const sibling = at(h, self ^ 1);
    node = self % 2 === 0 ? hashChildren(node, sibling) : hashChildren(sibling, node);
  }
  return bytesEqual(node, at(8, 0));
}

/** How long a shard's cached head answers reads before it is read again (other processes' appends). */
export const HEAD_TTL_MS = 1000;

/** Batches of coalesced reads in flight per shard (the next gathers while they are). */
const MAX_READS_IN_FLIGHT = 2;
/** Most entries (or tile reads) one coalesced batch reads. */
const MAX_READ_BATCH = 128;

/**
 * One read asked of a shard: entries by tree-local index (their proofs are planned when the batch is
 * read), and tiles and leaf groups a consistency proof needs.
 */
type ReadRequest = {
  indices: number[];
  tiles: { level: number; index: number }[];
  leafGroups: { tile: number; group: number }[];
  /** Full level-0 tiles whose stored summary (or, without one, whole tile) is wanted. */
  summaries: number[];
  /** The head must hold at least this many entries (else it is read with the batch). */
  minSize: number;
};

/** What one batch read: entries by index, tiles, leaf groups, and the head they are proven against. */
type BatchResult = {
  head: TreeState;
  byIndex: Map<number, StoredEntry>;
  tiles: Map<string, Uint8Array>;
  leafGroups: Map<string, Uint8Array>;
  summaries: Map<number, Uint8Array>;
};

type Waiting = { request: ReadRequest; resolve: (r: BatchResult) => void; reject: (e: unknown) => void };

export class Shard {
  /** Interior nodes of this tree's full tiles (immutable), shared by every proof. */
  readonly tileCache = new TileNodeCache();
  /** Levels 3..8 of full level-0 tiles read before (log/leaf-groups.ts). */
  readonly summaries = new LeafGroupSummaries();
  readonly handle: TreeHandle;
  /** The latest head seen and when (see HEAD_TTL_MS). */
  private head: { state: TreeState; at: number } | undefined;
  private refreshing: Promise<TreeState> | undefined;
  /** Consistency proofs to the cached head's size, by first size (cleared when it moves). */
  private readonly consistencyCache = new ConsistencyCache();
  /** Checked upper paths of inclusion proofs through full level-0 tiles (log/upper-paths.ts). */
  private readonly upperPaths = new UpperPaths();
  /** Reads waiting for the next batch (see gather), batches in flight, a flush scheduled. */
  private readonly waiting: Waiting[] = [];
  private readsInFlight = 0;
  private flushScheduled = false;

  constructor(
    readonly storage: LogStorage,
    private current: TreeRecord,
  ) {
    this.handle = { storage, treeId: current.treeId };
    if (current.checkpoint !== null) this.observe(current);
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
    if (record.checkpoint !== null) this.observe(record);
  }

  /** The latest committed state: from memory when frozen, else read from storage. */
  async state(): Promise<TreeState> {
    if (!this.current.active && this.current.checkpoint !== null) return stateOf(this.current);
    const t = await this.storage.tree(this.treeId);
    this.current = t;
    return this.observe(t);
  }

  /**
   * Takes a committed head (this process's batch, a listing, a read) as the cached one unless the
   * cached one is larger (heads only grow); returns it as a TreeState.
   */
  observe(h: TreeHead): TreeState {
    if (h.checkpoint === null) throw new Error('the tree has no signed checkpoint yet');
    const st: TreeState = {
      treeId: this.treeId,
      treeSize: h.treeSize,
      rootHash: h.rootHash,
      checkpoint: h.checkpoint,
      createdAt: this.current.createdAt,
    };
    if (!this.head || h.treeSize >= this.head.state.treeSize) {
      this.consistencyCache.moveTo(h.treeSize);
      this.head = { state: st, at: performance.now() };
    }
    return st;
  }

  /** The cached head while it is fresh (always for a frozen shard), else undefined. */
  cachedState(): TreeState | undefined {
    if (!this.current.active && this.current.checkpoint !== null) return stateOf(this.current);
    if (this.head && performance.now() - this.head.at < HEAD_TTL_MS) return this.head.state;
    return undefined;
  }

  /** The cached head, or a fresh one (one read shared by every request waiting for it). */
  recentState(): Promise<TreeState> {
    const cached = this.cachedState();
    if (cached) return Promise.resolve(cached);
    this.refreshing ??= this.state().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
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

  /**
   * Reads through the coalescer: every read of this shard that arrives while a batch is being
   * gathered (until the event loop's check phase) or while MAX_READS_IN_FLIGHT batches are in
   * flight joins the next batch, and one storage statement serves the whole batch (the group-commit
   * pattern, for reads): the round trip, its syscalls and the driver's per-query work are shared.
   */
  private gather(request: ReadRequest): Promise<BatchResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.waiting.length === 0 || this.flushScheduled || this.readsInFlight >= MAX_READS_IN_FLIGHT) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.waiting.length === 0 || this.readsInFlight >= MAX_READS_IN_FLIGHT) return;
    const batch = this.gatherBatch();
    this.readsInFlight++;
    this.readBatch(batch.map((w) => w.request))
      .then(
        (result) => {
          for (const w of batch) w.resolve(result);
        },
        (e: unknown) => {
          for (const w of batch) w.reject(e);
        },
      )
      .finally(() => {
        this.readsInFlight--;
        // What arrived meanwhile goes at once: it waited for this batch already.
        if (this.waiting.length > 0 && !this.flushScheduled) this.flush();
      });
  }

  /** Takes up to MAX_READ_BATCH waiting reads (entries counted by index) off the queue. */
  private gatherBatch(): Waiting[] {
    let n = 0;
    let take = 0;
    while (take < this.waiting.length) {
      const size = Math.max(1, this.waiting[take]!.request.indices.length);
      if (take > 0 && n + size > MAX_READ_BATCH) break;
      n += size;
      take++;
    }
    return this.waiting.splice(0, take);
  }

  /**
   * One storage round trip for a batch of reads: their entries, the tiles and leaf groups their
   * proofs need (planned against the cached head when they were asked for) and, when the cached
   * head is stale or a read asks past it, the head itself.
   */
  private async readBatch(requests: ReadRequest[]): Promise<BatchResult> {
    let st = this.cachedState();
    const minSize = Math.max(0, ...requests.map((r) => r.minSize));
    if (st && minSize > st.treeSize) st = undefined;
    const indices = new Set<number>();
    const planned: ReadRequest = { indices: [], tiles: [], leafGroups: [], summaries: [], minSize };
    for (const r of requests) {
      for (const i of r.indices) indices.add(i);
      planned.tiles.push(...r.tiles);
      planned.leafGroups.push(...r.leafGroups);
      planned.summaries.push(...r.summaries);
    }
    // Entries' proofs are planned now, against the head the batch is read with (the cached one, or
    // for an index past it the smallest tree holding it: tile rows only grow, so the rows fetched
    // serve the head read with them too).
    const plan = (st ?? this.head?.state)?.treeSize ?? 0;
    for (const i of indices) {
      try {
        this.planInclusion(i, Math.max(plan, i + 1), planned);
      } catch {
        // An index no tree can reach (past 2^53): nothing to plan; the read finds no entry.
      }
    }
    const tiles = new Map(planned.tiles.map((t) => [tileKey(t.level, t.index), t]));
    const leafGroups = new Map(planned.leafGroups.map((g) => [`${g.tile}/${g.group}`, g]));
    const read = await this.storage.entriesForProofs(this.treeId, {
      by: { indices: [...indices] },
      tiles: [...tiles.values()],
      leafGroups: [...leafGroups.values()],
      summaries: [...new Set(planned.summaries)],
      entryTiles: false,
      withTree: st === undefined,
    });
    if (read.head) st = this.observe(read.head);
    if (!st) throw new Error('the tree head was not read');
    return { ...read, head: st, byIndex: new Map(read.entries.map((e) => [e.index, e])) };
  }

  /**
   * Entries of a read with their inclusion proofs against `st` (the head read or cached with them).
   * An entry past that head (found by leaf hash, appended by another process since) is proven
   * against a head read afresh.
   */
  private async withProofs(
    found: StoredEntry[],
    head: TreeState,
    read: {
      tiles: Map<string, Uint8Array>;
      leafGroups: Map<string, Uint8Array>;
      summaries: Map<number, Uint8Array>;
    },
  ): Promise<EntryWithProof[]> {
    let st = head;
    if (found.some((e) => e.index >= st.treeSize)) st = await this.state();
    const getTiles = tileGetter(this.handle, read.tiles);
    const out: EntryWithProof[] = [];
    for (const e of found) {
      if (e.index >= st.treeSize) continue; // not yet visible under the latest checkpoint
      const { hashes, json } = await this.inclusionProof(e, st, getTiles, read);
      const proof: InclusionView = {
        treeSize: st.treeSize,
        rootHash: st.rootHash,
        hashes,
        checkpoint: st.checkpoint,
      };
      if (json !== undefined) proof.hashesJson = json;
      out.push({
        treeId: st.treeId,
        offset: this.offset,
        uuid: entryUuid(st.treeId, e.leafHash),
        entry: e,
        proof,
      });
    }
    return out;
  }

  /**
   * Adds what the inclusion proof of `i` at `size` reads and the caches lack to `into`: from a full
   * level-0 tile not cached whole, only the entry's leaf group and (unless summarized in memory) the
   * tile's stored summary, or the whole tile where none is stored.
   */
  private planInclusion(
    i: number,
    size: number,
    into: Pick<ReadRequest, 'tiles' | 'leafGroups' | 'summaries'>,
  ): void {
    const t = Math.floor(i / 256);
    const full = (t + 1) * 256 <= size;
    const grouped = full && this.tileCache.get(tileKey(0, t), 256) === undefined;
    // With its path above the tile kept for this size, the proof reads at most the entry's group.
    const upperKept = full && this.upperPaths.get(size, t) !== undefined;
    if (grouped) {
      into.leafGroups.push({ tile: t, group: Math.floor((i % 256) / GROUP) });
      if (!this.summaries.has(t)) into.summaries.push(t);
      else if (upperKept) return;
    } else if (upperKept) return;
    for (const tile of inclusionProofTiles(i, size, this.tileCache)) {
      if (!(grouped && tile.level === 0 && tile.index === t)) into.tiles.push(tile);
    }
  }

  /**
   * Whether full level-0 tile `t` has a checked summary now (consistencyHashes, where a first size
   * is not inside a full tile's levels: see consistencyThroughTile): in memory, or the stored one
   * read with `read`, which must hold together up to the tile's node in its level-1 tile (from the
   * cache or `read`, at `size`).
   */
  private takeSummary(
    t: number,
    size: number,
    read: { tiles: Map<string, Uint8Array>; summaries: Map<number, Uint8Array> },
  ): boolean {
    if (!this.summaries.has(t)) {
      const stored = read.summaries.get(t);
      if (!stored || !this.summaries.keepStored(t, stored)) return false;
    }
    if (this.summaries.isChecked(t)) return true;
    const root = this.tileRootOf(t, size, read.tiles);
    return root !== undefined && this.summaries.check(t, root);
  }

  /** Node `t` of level 1 (the root of full level-0 tile `t`) from the tile cache or `tiles`, if there. */
  private tileRootOf(t: number, size: number, tiles: Map<string, Uint8Array>): Uint8Array | undefined {
    const upper = Math.floor(t / 256);
    const width = Math.min(256, Math.floor(size / 256) - 256 * upper);
    const at = t % 256;
    if (width <= at) return undefined;
    const key = tileKey(1, upper);
    const levels = this.tileCache.get(key, width);
    if (levels) return levels.buf.subarray(at * 32, at * 32 + 32);
    const row = tiles.get(key);
    return row && row.length >= (at + 1) * 32 ? row.subarray(at * 32, at * 32 + 32) : undefined;
  }

  /**
   * The audit path of `e` against `st`, always one that leads to `st`'s root: through its full
   * level-0 tile's levels when they are at hand (throughTile: the tile cached whole, or its entry's
   * leaf group with the tile's summary), else from whole tiles read (the level-0 one then summarized
   * for later reads), checked against the root before it is served.
   */
  private async inclusionProof(
    e: StoredEntry,
    st: TreeState,
    getTiles: TileGetter,
    read: {
      tiles: Map<string, Uint8Array>;
      leafGroups: Map<string, Uint8Array>;
      summaries: Map<number, Uint8Array>;
    },
  ): Promise<{ hashes: Uint8Array[]; json?: string }> {
    const t = Math.floor(e.index / 256);
    const full = (t + 1) * 256 <= st.treeSize;
    if (full) {
      const whole = this.tileCache.get(tileKey(0, t), 256);
      const leaves = read.leafGroups.get(`${t}/${Math.floor((e.index % 256) / GROUP)}`);
      const levels = whole ?? (leaves && this.summaryLevels(e.index, leaves, read.summaries));
      const proven = levels && (await this.throughTile(e, st, levels, whole === undefined, getTiles));
      if (proven) return proven;
    }
    let hashes: Uint8Array[];
    // Only a full tile not yet summarized needs its levels caught on the way.
    if (!full || this.summaries.has(t)) {
      hashes = await buildInclusionProof(e.index, st.treeSize, getTiles, this.tileCache);
    } else {
      const cache = new OneTileCache(this.tileCache, tileKey(0, t));
      hashes = await buildInclusionProof(e.index, st.treeSize, getTiles, cache);
      if (cache.levelsOfTile) this.summaries.keep(t, cache.levelsOfTile);
    }
    // Stored tiles that disagree with the signed checkpoint answer an error, never a wrong proof.
    verifyInclusion(e.index, st.treeSize, e.leafHash, hashes, st.rootHash);
    return { hashes };
  }

  /**
   * The levels of the full level-0 tile of entry `index` its proof reads, from the entry's leaf group
   * `leaves` and the tile's summary (in memory, or `stored` and read with it): undefined without a
   * summary or when the group's leaves do not fold to it.
   */
  private summaryLevels(
    index: number,
    leaves: Uint8Array,
    stored: Map<number, Uint8Array>,
  ): TileLevels | undefined {
    const t = Math.floor(index / 256);
    if (!this.summaries.has(t)) {
      const row = stored.get(t);
      if (!row || !this.summaries.keepStored(t, row)) return undefined;
    }
    return this.summaries.sparseLevels(t, Math.floor((index % 256) / GROUP), leaves);
  }

  /**
   * The audit path of `e` (in full level-0 tile t) against `st` from `levels`, t's nodes on `e`'s
   * path (the tile cached whole, or `fromSummary`: the leaf group folded up to the summary), or
   * undefined when they do not prove it. What makes the path lead to `st`'s root without checking
   * it per read:
   *  - levels 8 and up (the same for every entry of t): the path of t's root, checked against `st`'s
   *    root when built and kept with that tile root; at a later size assembled from t's part inside
   *    its peak and the size's part above the peak, each checked when kept (log/upper-paths.ts);
   *  - below: a tile cached whole was folded from its row; from a stored summary, the nodes on `e`'s
   *    path fold to the tile root (pathFoldsTo, 5 hashes) and the group's leaves fold to the summary
   *    (sparseLevels); and `e`'s leaf hash is the tile's leaf at its place.
   */
  private async throughTile(
    e: StoredEntry,
    st: TreeState,
    levels: TileLevels,
    fromSummary: boolean,
    getTiles: TileGetter,
  ): Promise<{ hashes: Uint8Array[]; json: string } | undefined> {
    const at = e.index % 256;
    const node = (h: number, k: number) => {
      const o = (levels.offsets[h]! + k) * 32;
      return levels.buf.subarray(o, o + 32);
    };
    if (!bytesEqual(node(0, at), e.leafHash)) return undefined;
    const upper = await this.checkedUpperPath(
      e.index,
      st.treeSize,
      st.rootHash,
      levels,
      fromSummary,
      getTiles,
    );
    if (!upper) return undefined;
    const hashes: Uint8Array[] = [];
    let json = '';
    for (let h = 0; h < 8; h++) {
      const sibling = node(h, (at >> h) ^ 1);
      hashes.push(sibling);
      json += h === 0 ? `"${hexEncode(sibling)}"` : `,"${hexEncode(sibling)}"`;
    }
    appendUpperPath(upper, hashes);
    return { hashes, json: json + upperPathJson(upper) };
  }

  /**
   * The upper path of full level-0 tile t at `size` (root `rootHash`) that starts from the tile root
   * in `levels` (t's levels, whole or `fromSummary`: those on the path of leaf `index`), checked against `rootHash` (kept when `size` is
   * the cached head's), or undefined when it does not lead there. With `fromSummary`, the summary's
   * nodes on leaf `index`'s path must also fold to that tile root.
   */
  private async checkedUpperPath(
    index: number,
    size: number,
    rootHash: Uint8Array,
    levels: TileLevels,
    fromSummary: boolean,
    getTiles: TileGetter,
  ): Promise<UpperPath | undefined> {
    const t = Math.floor(index / 256);
    const at = levels.offsets[8]! * 32;
    const top = levels.buf.subarray(at, at + 32);
    let upper = this.upperPaths.get(size, t);
    if (!upper || !bytesEqual(upper.top, top)) {
      const built = await buildInclusionProof(
        index,
        size,
        getTiles,
        new OneTileCache(this.tileCache, tileKey(0, t), levels),
      );
      const path = built.slice(8);
      try {
        // Tile t's root is leaf t of the tree of level-8 nodes (the last one ephemeral: RFC 6962's
        // split points at sizes past 256 are multiples of 256).
        verifyInclusion(t, Math.ceil(size / 256), top, path, rootHash);
      } catch {
        if (fromSummary) this.summaries.forget(t);
        return undefined;
      }
      // Kept for the cached head's size only (a read of an older size builds its path each time).
      upper =
        size === this.head?.state.treeSize
          ? this.upperPaths.keep(size, t, top, path)
          : packUpperPath(top, path);
    }
    if (fromSummary && !this.summaries.isChecked(t)) {
      // A summary not checked whole: the nodes this path takes from it must fold to the tile root
      // (5 hashes); then the kept summary is checked whole against that proven root, once (62
      // hashes), so later reads through t take their nodes from a checked summary.
      if (
        !pathFoldsTo(levels, index % 256) ||
        (this.summaries.has(t) && !this.summaries.check(t, upper.top))
      ) {
        this.summaries.forget(t);
        return undefined;
      }
    }
    return upper;
  }

  /**
   * Entries at the given tree-local indices (in that order; absent ones skipped), with inclusion
   * proofs; read together with the other reads of this shard in flight (coalesced).
   */
  async entriesByIndex(indices: number[]): Promise<EntryWithProof[]> {
    if (indices.length === 0) return [];
    const read = await this.gather({
      indices,
      tiles: [],
      leafGroups: [],
      summaries: [],
      minSize: Math.max(...indices) + 1,
    });
    if (indices.length === 1) {
      // The common read (one entry): no ordering or de-duplication to do.
      const e = read.byIndex.get(indices[0]!);
      return e ? this.withProofs([e], read.head, read) : [];
    }
    const found: StoredEntry[] = [];
    for (const i of new Set(indices)) {
      const e = read.byIndex.get(i);
      if (e) found.push(e);
    }
    const byIndex = new Map((await this.withProofs(found, read.head, read)).map((r) => [r.entry.index, r]));
    return indices.map((i) => byIndex.get(i)).filter((r) => r !== undefined);
  }

  /** Entries with the given leaf hashes (in that order; absent ones skipped), with inclusion proofs. */
  async entriesByLeafHash(hashes: Uint8Array[]): Promise<EntryWithProof[]> {
    if (hashes.length === 0) return [];
    const st = this.cachedState();
    // The indices are unknown beforehand: each entry's level-0 tile comes with it (entryTiles), and
    // so do the right-edge tiles of the head that the cache lacks (read with a fresh head anyway).
    const edge = st
      ? rightEdgeTiles(st.treeSize).filter((t) => !this.tileCache.get(tileKey(t.level, t.index), t.width))
      : [];
    const read = await this.storage.entriesForProofs(this.treeId, {
      by: { leafHashes: hashes },
      tiles: edge,
      leafGroups: [],
      entryTiles: true,
      withTree: st === undefined,
    });
    const head = read.head ? this.observe(read.head) : st;
    if (!head) throw new Error('the tree head was not read');
    const found = await this.withProofs(read.entries, head, read);
    const byHash = new Map(found.map((r) => [hexEncode(r.entry.leafHash), r]));
    return hashes.map((h) => byHash.get(hexEncode(h))).filter((r) => r !== undefined);
  }

  /**
   * Consistency proof between two sizes of this tree, with the root of `lastSize` (default: the
   * cached head's size; a `lastSize` past it reads the head afresh). Proofs to the cached head's
   * size asked for again are kept per first size until the head moves (log/consistency-cache.ts).
   */
  async consistency(
    firstSize: number,
    lastSize: number | undefined,
  ): Promise<{ rootHash: Uint8Array; hashes: Uint8Array[] }> {
    let st = await this.recentState();
    if (lastSize !== undefined && lastSize > st.treeSize) st = await this.state();
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
    // Kept only for the cached head's size (what `lastSize`-less requests and monitors ask for).
    const kept = this.consistencyCache.get(firstSize, last);
    if (kept) return { rootHash, hashes: kept };
    const hashes =
      (await this.consistencyThroughTile(firstSize, last, rootHash)) ??
      (await this.consistencyHashes(firstSize, last));
    this.consistencyCache.offer(firstSize, last, hashes);
    return { rootHash, hashes };
  }

  /**
   * Consistency proof from `first` to `last` (root `rootHash`) when `first` falls inside full level-0
   * tile t (RFC 9162 §2.1.4.1: the subtree ending at `first` and the siblings of leaf first - 1 below
   * level 8, all nodes of t, then the path of t's root, which is every inclusion proof's through t):
   * from t's levels (cached whole, or the leaf group of entry first - 1 with t's summary) and t's
   * checked upper path (throughTile's rules), in at most one (coalesced) read; undefined otherwise.
   */
  private async consistencyThroughTile(
    first: number,
    last: number,
    rootHash: Uint8Array,
  ): Promise<Uint8Array[] | undefined> {
    const t = Math.floor((first - 1) / 256);
    if (first % 256 === 0 || (t + 1) * 256 > last) return undefined;
    const whole = this.tileCache.get(tileKey(0, t), 256);
    const group = Math.floor(((first - 1) % 256) / GROUP);
    const upperKept = this.upperPaths.get(last, t) !== undefined;
    const request: ReadRequest = { indices: [], tiles: [], leafGroups: [], summaries: [], minSize: 0 };
    if (!whole) {
      request.leafGroups.push({ tile: t, group });
      if (!this.summaries.has(t)) request.summaries.push(t);
    }
    if (!upperKept) {
      for (const tile of inclusionProofTiles(t * 256, last, this.tileCache)) {
        if (!(tile.level === 0 && tile.index === t)) request.tiles.push(tile);
      }
    }
    const empty = request.leafGroups.length === 0 && request.tiles.length === 0;
    const read = empty
      ? { tiles: new Map<string, Uint8Array>(), leafGroups: new Map(), summaries: new Map() }
      : await this.gather(request);
    const leaves = read.leafGroups.get(`${t}/${group}`);
    const levels = whole ?? (leaves && this.summaryLevels(first - 1, leaves, read.summaries));
    if (!levels) return undefined;
    const upper = await this.checkedUpperPath(
      first - 1,
      last,
      rootHash,
      levels,
      whole === undefined,
      tileGetter(this.handle, read.tiles),
    );
    if (!upper) return undefined;
    const node = (h: number, k: number) => {
      const o = (levels.offsets[h]! + k) * 32;
      return levels.buf.subarray(o, o + 32);
    };
    const m = first - t * 256;
    const shift = Math.min(8, 31 - Math.clz32(m & -m));
    const views: Uint8Array[] = [];
    // Unless `first` is a power of two, the subtree ending at it (in t: the power of two is t = 0).
    if (first !== 2 ** shift) views.push(node(shift, (m >> shift) - 1));
    const leaf = (first - 1) % 256;
    for (let h = shift; h < 8; h++) views.push(node(h, (leaf >> h) ^ 1));
    appendUpperPath(upper, views);
    // Copied into one buffer (the proof may be kept, and must not hold the tile's levels): one
    // allocation per proof instead of one per hash.
    const packed = concatBytes(...views);
    return views.map((_, i) => packed.subarray(i * 32, i * 32 + 32));
  }

  /**
   * Consistency proof from `first` to `last` (0 < first < last): the tiles the node cache lacks in
   * one (coalesced) read; from a full level-0 tile not cached whole only the leaf group of entry
   * first - 1 (every node the proof takes from that tile below level 3 lies in it) with the tile's
   * summary (in memory, else stored: read with it; else the whole tile). A stored summary is taken
   * only when it holds together up to the tile's node in its level-1 tile, and the group's leaves
   * fold to it: it is then trusted as the stored tiles are.
   */
  private async consistencyHashes(first: number, last: number): Promise<Uint8Array[]> {
    const t = Math.floor((first - 1) / 256);
    const key0 = tileKey(0, t);
    const planned = consistencyProofTiles(first, last, this.tileCache);
    const grouped = (t + 1) * 256 <= last && planned.some((p) => p.level === 0 && p.index === t);
    const group = Math.floor(((first - 1) % 256) / GROUP);
    const tiles: { level: number; index: number }[] = planned.filter(
      (p) => !(grouped && p.level === 0 && p.index === t),
    );
    // A stored summary is checked against the tile's node in its level-1 tile: read that too.
    if (grouped && !this.summaries.isChecked(t) && !this.tileRootOf(t, last, new Map())) {
      tiles.push({ level: 1, index: Math.floor(t / 256) });
    }
    const nothing = { tiles: new Map(), leafGroups: new Map(), summaries: new Map() };
    // Every tile the proof needs cached: no read at all.
    const read =
      !grouped && tiles.length === 0
        ? nothing
        : await this.gather(
            grouped
              ? {
                  indices: [],
                  tiles,
                  leafGroups: [{ tile: t, group }],
                  summaries: this.summaries.has(t) ? [] : [t],
                  minSize: 0,
                }
              : { indices: [], tiles: planned, leafGroups: [], summaries: [], minSize: 0 },
          );
    const leaves = read.leafGroups.get(`${t}/${group}`);
    const sparse = leaves && this.takeSummary(t, last, read) && this.summaries.sparseLevels(t, group, leaves);
    if (sparse) {
      const cache = new OneTileCache(this.tileCache, key0, sparse);
      return buildConsistencyProof(first, last, tileGetter(this.handle, read.tiles), cache);
    }
    const cache = new OneTileCache(this.tileCache, key0);
    const hashes = await buildConsistencyProof(first, last, tileGetter(this.handle, read.tiles), cache);
    if ((t + 1) * 256 <= last && cache.levelsOfTile) this.summaries.keep(t, cache.levelsOfTile);
    return hashes;
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
