/**
 * The storage port: every operation the log core (sequencer, LogService, witness pusher) asks of
 * storage, and nothing more. The core holds no SQL and no driver; a backend implements this one
 * interface (today packages/server/src/storage/: PostgreSQL and PGlite, all SQL, migrations from sql/).
 *
 * Every per-tree operation takes a tree id (decimal int64, Rekor's treeID): a log is an ordered list
 * of trees (shards); exactly one is active (takes appends), the others are frozen for good. A tree's
 * `shardOffset` is the global (Rekor v1) index of its first entry.
 *
 * Contracts a backend MUST keep (the black-box suites check them through the HTTP API):
 *  - `appendBatch` runs its callback holding the tree's lock, exclusive across every process on the
 *    storage, after every earlier batch of that tree committed; what it reports as `existing`,
 *    `treeSize` and `shardOffset` is read after the lock was granted. The write is atomic with the
 *    lock: entries (with their SETs), search keys, changed tiles (with the summaries of the level-0
 *    tiles filled), the tree state and the checkpoint commit together or not at all,
 *    and `appendBatch` resolves only after the commit is durable.
 *    A batch on a tree that is no longer active (rotated by any process) fails with
 *    TreeNotActiveError before `plan` runs, writing nothing. `existing` covers every tree of the log:
 *    a leaf hash is unique in the whole log.
 *  - `rotate` takes the same lock as `appendBatch`, so a batch lands wholly in the old tree (committed
 *    before) or wholly in the new one; the old tree never changes afterwards.
 *  - Tile rows hold a tile's hashes concatenated (C2SP tlog-tiles numbering); a partial tile grows in
 *    place, so its first W hashes are the tile of width W of every earlier tree size.
 */

/** A tree id: decimal text of a non-negative int64 (tree ids exceed 2^53). */
export type TreeId = string;

/** A tile as stored (C2SP tlog-tiles numbering): `hashes` is 32 × width bytes. */
export type TileRow = { level: number; index: number; hashes: Uint8Array };

/** A tree's row: its size, root and the checkpoint signed for them. */
export type TreeRecord = {
  treeId: TreeId;
  /** SHA-256 of the DER SPKI of the key the tree was created with (Rekor logID). */
  logId: Uint8Array;
  treeSize: number;
  rootHash: Uint8Array;
  /** The C2SP signed note for (treeSize, rootHash); null before the first start signed one. */
  checkpoint: string | null;
  createdAt: Date;
  /** True for the one tree taking appends. */
  active: boolean;
  /** Global index of the tree's first entry (sum of the sizes of the shards before it). */
  shardOffset: number;
  /** DER SPKI of the tree's key; null only for a tree created before shards were stored. */
  publicKey: Uint8Array | null;
  /** The tree's checkpoint origin; null = the server's configured origin (trees from before shards). */
  origin: string | null;
  /** When the tree was frozen (end of its validity window); null while active. */
  frozenAt: Date | null;
};

/** A batch or rotation addressed a tree that is no longer the active one (another process rotated). */
export class TreeNotActiveError extends Error {
  readonly code = 'TREE_NOT_ACTIVE';
  constructor(readonly treeId: TreeId) {
    super(`tree ${treeId} is not the log's active tree (it was rotated)`);
    this.name = 'TreeNotActiveError';
  }
}

/** Where a leaf hash already is in the log. */
export type ExistingEntry = { treeId: TreeId; index: number };

/** The tree a rotation creates. */
export type NewTree = {
  treeId: TreeId;
  logId: Uint8Array;
  publicKey: Uint8Array;
  rootHash: Uint8Array;
  origin: string;
  /**
   * Its signed empty checkpoint (size 0), stored with the tree; absent = signed by the first server
   * holding the key that sees the tree (LogService).
   */
  checkpoint?: string;
};

/** An entry as stored. */
export type StoredEntry = {
  index: number;
  leafHash: Uint8Array;
  body: Uint8Array;
  integratedTime: number;
  /**
   * Its signed entry timestamp (DER, log/entry-timestamp.ts), signed when its batch was integrated;
   * undefined for rows stored before sql/0006 and for reads that do not fetch it.
   */
  set?: Uint8Array | undefined;
};

/** A tree's latest committed size and root with the checkpoint signed for them. */
export type TreeHead = { treeSize: number; rootHash: Uint8Array; checkpoint: string | null };

/** One read of entries with their proofs (LogStorage.entriesForProofs). */
export type ProofRead = {
  /** The entries wanted, by tree-local index or by leaf hash. */
  by: { indices: number[] } | { leafHashes: Uint8Array[] };
  /** Tiles to read beside them (those the proofs need and the caller has not cached). */
  tiles: { level: number; index: number }[];
  /**
   * Leaf groups of full level-0 tiles: hashes [8 × group, 8 × group + 8) of tile `tile` (256 bytes), for
   * proofs whose tile the caller has summarized (log/leaf-groups.ts). Keys in the answer: `tile/group`.
   */
  leafGroups?: { tile: number; group: number }[];
  /**
   * Full level-0 tiles whose stored summary is wanted (levels 3..8, log/leaf-groups.ts), or, for a
   * tile stored without one, the whole tile (then among `tiles` of the answer).
   */
  summaries?: number[];
  /** Also the level-0 tile of each entry found (by leaf hash the index is unknown beforehand). */
  entryTiles: boolean;
  /**
   * Also the tree's current head (when the caller's cached head is stale or too small), with the
   * right-edge tile of each level at that head (what proofs against a new size need first).
   */
  withTree: boolean;
};

/** What a batch sees once it holds the tree lock. */
export type LockedTree = {
  treeSize: number;
  /** Global index of the tree's first entry (fixed when the tree was created). */
  shardOffset: number;
  /** Leaf hashes of the batch (lower-case hex) already in the log (any tree), with where they are. */
  existing: Map<string, ExistingEntry>;
  /** Reads tiles under the lock (keys as the SDK's `tileKey`); absent tiles are absent. */
  readTiles(keys: { level: number; index: number }[]): Promise<Map<string, Uint8Array>>;
};

/** One new entry of a batch. */
export type NewEntry = {
  index: number;
  /** Lower-case hex of the RFC 6962 leaf hash. */
  leafHashHex: string;
  kind: string;
  apiVersion: string;
  body: Uint8Array;
  /** Its stored form (the SDK's `encodeStoredBody`), when the validator computed it. */
  storedBody?: Uint8Array;
  /** Search index keys (the SDK's `searchIndexKeys` format). */
  searchKeys: string[];
  /** Its signed entry timestamp (DER; log/entry-timestamp.ts), stored with it. */
  set: Uint8Array;
};

/** Everything a batch writes, atomically with the tree state. */
export type BatchWrite = {
  treeSize: number;
  rootHash: Uint8Array;
  checkpoint: string;
  integratedTime: number;
  entries: NewEntry[];
  /** Tiles changed by the batch, each whole (a backend may store only the hashes it adds). */
  tiles: TileRow[];
  /** Summaries of the level-0 tiles the batch filled (log/leaf-groups.ts summarizeTile). */
  summaries: { index: number; nodes: Uint8Array }[];
};

/** A witness cosignature kept for one checkpoint (C2SP tlog-cosignature line with its newline). */
export type CosignatureRow = { rootHash: Uint8Array; witness: string; keyHash: number; line: string };

export interface LogStorage {
  /** Backend name, for logs and /api/v1/log diagnostics (e.g. 'postgres', 'pglite'). */
  readonly kind: string;

  // ---- trees ---------------------------------------------------------------------------------
  /**
   * The active tree, created from `candidate` (empty, given id, log ID and root) when the storage
   * has none. Safe when several processes start at once: exactly one candidate wins.
   */
  ensureActiveTree(candidate: {
    treeId: TreeId;
    logId: Uint8Array;
    publicKey: Uint8Array;
    rootHash: Uint8Array;
    origin?: string;
  }): Promise<TreeRecord>;
  /** Every tree of the log, in shard order (by shardOffset, then creation). */
  shards(): Promise<TreeRecord[]>;
  /**
   * Freezes the active tree and makes `next` (empty) the active one, in one transaction holding the
   * active tree's lock; `next` starts at offset = frozen offset + frozen size. With `fromTreeId`,
   * throws TreeNotActiveError unless that tree is still the active one (policy rotations by several
   * processes: only the first rotates). Resolves after the commit.
   */
  rotate(next: NewTree, fromTreeId?: TreeId): Promise<{ frozen: TreeRecord; active: TreeRecord }>;
  /** The tree's current row; throws when the tree does not exist. */
  tree(treeId: TreeId): Promise<TreeRecord>;
  /**
   * Holding the tree lock, lets `resign` look at the tree and return a checkpoint to store for its
   * current size and root (or undefined to leave it): used at start when the origin or key changed.
   */
  resignCheckpoint(treeId: TreeId, resign: (t: TreeRecord) => Promise<string | undefined>): Promise<void>;

  // ---- the write path ------------------------------------------------------------------------
  /**
   * One batch, in one transaction: take the tree lock, report the tree size and which of
   * `leafHashesHex` the tree already has, let `plan` decide, write what it returns (nothing when
   * undefined), commit. Resolves with `plan`'s result after the commit.
   */
  appendBatch<T>(
    treeId: TreeId,
    leafHashesHex: string[],
    plan: (locked: LockedTree) => Promise<{ write: BatchWrite | undefined; result: T }>,
    onLocked?: () => void,
  ): Promise<T>;
  /**
   * A batch planned ahead of the lock (optional: storages without it take `appendBatch` only): in
   * one transaction, ideally one round trip, take the tree's lock and write `write` if and only if
   * the tree is then active at `expected` (size and root) and none of its entries' leaf hashes is in any tree of
   * the log; resolves true after the commit, or false having written nothing (the caller then runs
   * the batch through `appendBatch`). The same atomicity and durability as `appendBatch`.
   */
  appendPredicted?(
    treeId: TreeId,
    expected: { size: number; rootHash: Uint8Array },
    write: BatchWrite,
  ): Promise<boolean>;

  // ---- reads ---------------------------------------------------------------------------------
  readTiles(treeId: TreeId, keys: { level: number; index: number }[]): Promise<Map<string, Uint8Array>>;
  entriesByIndex(treeId: TreeId, indices: number[]): Promise<StoredEntry[]>;
  entriesByLeafHash(treeId: TreeId, leafHashes: Uint8Array[]): Promise<StoredEntry[]>;
  /**
   * Everything one read of entries with proofs needs, in ONE round trip and one snapshot (see
   * ProofRead): the entries (absent ones missing), the tiles asked for (absent ones missing; keys as
   * the SDK's `tileKey`) and, with `withTree`, the tree's current head.
   */
  entriesForProofs(
    treeId: TreeId,
    read: ProofRead,
  ): Promise<{
    head?: TreeHead;
    entries: StoredEntry[];
    tiles: Map<string, Uint8Array>;
    leafGroups: Map<string, Uint8Array>;
    /** Stored summaries by level-0 tile index. */
    summaries: Map<number, Uint8Array>;
  }>;
  /** Bodies of entries [start, end) in index order; fewer when the tree lacks some. */
  entryBodies(treeId: TreeId, start: number, end: number): Promise<Uint8Array[]>;
  /** Leaf hashes of the given indices, in index order (absent indices are skipped). */
  leafHashesByIndex(treeId: TreeId, indices: number[]): Promise<{ index: number; leafHash: Uint8Array }[]>;
  /** Root hash of the checkpoint stored for `size`, if the log signed one at that size. */
  checkpointRoot(treeId: TreeId, size: number): Promise<Uint8Array | undefined>;
  /** Indices (ascending, at most `limit`) of entries with any of `keys` in the search index. */
  search(treeId: TreeId, keys: string[], limit: number): Promise<number[]>;

  // ---- witnesses (C2SP tlog-witness, the log side) -------------------------------------------
  /** The size the witness at `url` last cosigned for the tree (0 when none). */
  witnessSize(treeId: TreeId, url: string): Promise<number>;
  /** Records the witness's size (and the last error, null when none). */
  setWitnessStatus(treeId: TreeId, url: string, size: number, error: string | null): Promise<void>;
  /** Records an error without changing the size. */
  setWitnessError(treeId: TreeId, url: string, error: string): Promise<void>;
  /** Keeps cosignature lines for checkpoint (size, root) and raises the witness's size, atomically. */
  addCosignatures(
    treeId: TreeId,
    url: string,
    checkpoint: { size: number; rootHash: Uint8Array },
    witness: { name: string; keyHash: number },
    lines: string[],
  ): Promise<void>;
  /** The cosignatures kept for checkpoints of size `size`, ordered by witness name and key hash. */
  cosignatures(treeId: TreeId, size: number): Promise<CosignatureRow[]>;

  close(): Promise<void>;
}
