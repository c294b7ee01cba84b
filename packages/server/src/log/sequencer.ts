/**
 * The sequencer/batcher: validated entries queue here and are appended in batches, one storage
 * transaction per batch (log/storage.ts `appendBatch`) — take the tree lock (which serializes every
 * server process on the storage), drop duplicates (leaf hash), assign contiguous indices, compute the
 * changed tiles and the root (the SDK's integrator), sign the checkpoint, store entries, search keys,
 * tiles and checkpoint (and each entry's SET, signed here once: entry-timestamp.ts), commit. No SQL here. Callers are answered only after the commit, so nothing acknowledged is lost.
 * Batching is group commit: a batch starts as soon as the previous one finishes (or after
 * `maxWaitMs`), taking up to `maxBatchSize` waiting entries.
 *
 * Planned ahead: while the tree is where this process's last batch left it, a batch is planned
 * before the lock (indices, tiles, root, checkpoint, SETs) and written in one round trip by storage
 * `appendPredicted`, which commits only if the tree is then at that size and root and none of its
 * leaf hashes is in the log (else nothing is written and the batch is planned under the lock). Once
 * such a write is out, the next batch may be planned on top of it: it commits only after it.
 *
 * Shards (issue 11): a batch addressed to a tree another process (or this one) has rotated fails with
 * TreeNotActiveError having written nothing; the sequencer then asks its `retarget` hook for the new
 * active tree and its signer, and re-runs the SAME batch there — nobody was answered yet, so no entry
 * is lost, none lands in two shards (the duplicate check spans every tree) and none is answered twice.
 */

import { hexEncode } from '@scriba/sdk/encoding';
import { searchIndexKeys } from '@scriba/sdk/entries';
import type { AppendedProofs, CompactRange } from '@scriba/sdk/merkle';
import { integrate, rightEdgeTiles, type StoredTile, tileKey } from '@scriba/sdk/tiles';
import type { ValidatedEntry } from '../entries/index.js';
import type { CheckpointSigner } from './checkpoint.js';
import { signEntryTimestamp, signEntryTimestampAsync } from './entry-timestamp.js';
import { summarizeTile } from './leaf-groups.js';
import type { Metrics } from './metrics.js';
import { LogError } from './shard.js';
import { type BatchWrite, type LogStorage, type TreeId, TreeNotActiveError } from './storage.js';

/** A tree of the log in its storage: what the sequencer appends to. */
export type TreeHandle = { storage: LogStorage; treeId: TreeId };

export type Committed = {
  /** The tree the batch was committed to. */
  treeId: TreeId;
  treeSize: number;
  rootHash: Uint8Array;
  checkpoint: string;
  /** The inclusion proofs of the batch's entries at `treeSize`, from memory (the integrator's). */
  proofs: AppendedProofs;
};

export type AppendOutcome =
  | {
      kind: 'created';
      index: number;
      integratedTime: number;
      entry: ValidatedEntry;
      committed: Committed;
      /** Its signed entry timestamp (DER), signed in the batch and stored with it. */
      set: Uint8Array;
    }
  /** Already in the log: in tree `treeId` (any shard) at its tree-local `index`. */
  | { kind: 'duplicate'; treeId: TreeId; index: number; entry: ValidatedEntry };

type Pending = {
  entry: ValidatedEntry;
  acceptedAt: number;
  resolve: (o: AppendOutcome) => void;
  reject: (e: unknown) => void;
};

/**
 * The right-edge tiles of the tree after this process's last committed batch. A tree of a given size
 * never changes once committed, so when the locked tree size equals `size` these are exactly the
 * stored right-edge tiles and need not be read again. Updated only after a successful commit.
 */
export type EdgeCache =
  | {
      treeId: TreeId;
      size: number;
      tiles: StoredTile[];
      /** The tree's shard offset (global index of its first entry), as read under the lock. */
      offset?: number;
      /** Its root hash at `size`, when this process computed it. */
      rootHash?: Uint8Array;
      /** Its compact range at `size` (the integrator's, so the next batch folds no tile), when computed here. */
      range?: CompactRange;
      /**
       * The last batch found the tree where this process left it and none of its entries in the
       * log: the next batch is planned ahead of the lock (see appendPredicted) until one is not.
       */
      predictable?: boolean;
    }
  | undefined;

/**
 * Per process: the right-edge tiles as last committed (`current`), and those of a batch planned ahead
 * and not yet answered (`planned`: never used as committed state, only to plan the next batch ahead).
 */
export type EdgeHolder = {
  current: EdgeCache;
  planned?: NonNullable<EdgeCache>;
  /** False: every batch is planned under the lock (default true). */
  planAhead?: boolean;
  /** Batches planned ahead: committed so, and whose prediction failed (counters for metrics). */
  plannedCommitted?: number;
  plannedMissed?: number;
};

/**
 * The batch's SETs signed ahead, on the thread pool while the tree lock is requested, for the indices
 * the batch will most likely get: the tree as this process last committed it (`oldSize`, `offset`),
 * no entry already in the log, this second as integrated time. Used only when all of that holds
 * under the lock; otherwise the SETs are signed there.
 */
type Presigned = { oldSize: number; offset: number; integratedTime: number; sets: Promise<Uint8Array[]> };

function presign(
  signer: CheckpointSigner,
  entries: ValidatedEntry[],
  hexes: string[],
  cached: NonNullable<EdgeCache>,
  integratedTime: number,
): Presigned | undefined {
  if (cached.offset === undefined) return undefined;
  const offset = cached.offset;
  const seen = new Set<string>();
  const fresh: ValidatedEntry[] = [];
  entries.forEach((e, i) => {
    if (!seen.has(hexes[i]!)) fresh.push(e);
    seen.add(hexes[i]!);
  });
  const sets = Promise.all(
    fresh.map((e, k) =>
      signEntryTimestampAsync(signer.key, {
        body: e.body,
        integratedTime,
        logIndex: offset + cached.size + k,
      }),
    ),
  );
  sets.catch(() => {}); // a failure is seen (and the SETs signed again) under the lock
  return { oldSize: cached.size, offset, integratedTime, sets };
}

/**
 * Appends one batch to `tree` in one storage transaction (storage.appendBatch: the tree lock and the
 * duplicate check, then this plan, then one write and the commit). `edge` (optional, per process)
 * carries the right-edge tiles from one batch to the next. Exported for tests and tools.
 */
export async function appendBatch(
  tree: TreeHandle,
  signer: CheckpointSigner,
  entries: ValidatedEntry[],
  now: () => number = () => Math.floor(Date.now() / 1000),
  onLocked?: () => void,
  edge?: EdgeHolder,
  maxTreeSize?: number,
  onSent?: () => void,
): Promise<AppendOutcome[]> {
  const hexes = entries.map((e) => hexEncode(e.leafHash));
  let nextEdge: EdgeCache;
  // A batch planned ahead and not answered yet: this one is planned on top of it.
  const ahead = edge?.planned ?? edge?.current;
  const presigned =
    ahead && ahead.treeId === tree.treeId ? presign(signer, entries, hexes, ahead, now()) : undefined;
  if (
    edge &&
    edge.planAhead !== false &&
    ahead?.predictable &&
    ahead.rootHash &&
    presigned &&
    tree.storage.appendPredicted &&
    (maxTreeSize === undefined || ahead.size < maxTreeSize)
  ) {
    const done = await appendPlannedAhead(tree, signer, entries, hexes, edge, ahead, presigned, onSent);
    if (done) {
      onLocked?.();
      return done;
    }
  }
  const outcomes = await tree.storage.appendBatch(
    tree.treeId,
    hexes,
    async (locked) => {
      const oldSize = locked.treeSize;
      // A full shard takes no more batches (nothing written): it is rotated, and the batch re-run.
      if (maxTreeSize !== undefined && oldSize >= maxTreeSize) throw new ShardFullError(tree.treeId, oldSize);
      // Duplicates: already in the log, or repeated within this batch (the first one wins).
      const existing = locked.existing;
      let stored: StoredTile[];
      const cached = edge?.current;
      // This process's compact range of the tree (integrate uses it only at the locked size).
      const range = cached?.treeId === tree.treeId ? cached.range : undefined;
      if (cached && cached.treeId === tree.treeId && cached.size === oldSize) {
        stored = cached.tiles;
      } else {
        const want = rightEdgeTiles(oldSize);
        const storedMap = await locked.readTiles(want);
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
        const earlier = assigned.get(key);
        const prior =
          existing.get(key) ?? (earlier === undefined ? undefined : { treeId: tree.treeId, index: earlier });
        if (prior !== undefined) {
          outcomes.push({ kind: 'duplicate', treeId: prior.treeId, index: prior.index, entry });
        } else {
          const index = oldSize + fresh.length;
          assigned.set(key, index);
          fresh.push({ entry, index, key });
          outcomes.push({ kind: 'later', key, entry });
        }
      }
      if (fresh.length === 0) {
        nextEdge = {
          treeId: tree.treeId,
          size: oldSize,
          tiles: stored,
          offset: locked.shardOffset,
          range,
        };
        return { write: undefined, result: outcomes as AppendOutcome[] };
      }

      const result = integrate(
        oldSize,
        stored,
        fresh.map((f) => f.entry.leafHash),
        range,
      );
      nextEdge = {
        treeId: tree.treeId,
        size: result.newSize,
        tiles: result.edge,
        offset: locked.shardOffset,
        rootHash: result.rootHash,
        range: result.range,
        // Plan the next batch ahead unless this one shows a plan made ahead would have failed
        // (another process appended since this one's last batch, or an entry was in the log).
        predictable:
          existing.size === 0 &&
          (cached === undefined || (cached.treeId === tree.treeId && cached.size === oldSize)),
      };
      const checkpoint = await signer.sign(result.newSize, result.rootHash);
      // Each entry's SET, signed once here (global index: the shard's offset + the tree-local one)
      // and stored with it, so no read signs it again.
      const predicted =
        presigned &&
        presigned.oldSize === oldSize &&
        presigned.offset === locked.shardOffset &&
        presigned.integratedTime === integratedTime &&
        fresh.length === new Set(hexes).size
          ? await presigned.sets.catch(() => undefined)
          : undefined;
      const sets =
        predicted?.length === fresh.length
          ? predicted
          : fresh.map((f) =>
              signEntryTimestamp(signer.key, {
                body: f.entry.body,
                integratedTime,
                logIndex: locked.shardOffset + f.index,
              }),
            );
      const committed = committedBatch(tree.treeId, result, checkpoint);
      return {
        write: batchWrite(result, checkpoint, integratedTime, fresh, sets),
        result: outcomes.map((o): AppendOutcome => {
          if (o.kind !== 'later') return o;
          const index = assigned.get(o.key)!;
          return {
            kind: 'created',
            index,
            integratedTime,
            entry: o.entry,
            committed,
            set: sets[index - oldSize]!,
          };
        }),
      };
    },
    onLocked,
  );
  // Committed: the next batch of this process may start from these tiles.
  if (edge && nextEdge) edge.current = nextEdge;
  return outcomes;
}

/**
 * A batch planned before the lock (storage `appendPredicted`): its indices, tiles, root, signed
 * checkpoint and SETs computed on the prediction that the tree is still as this process committed
 * it (`ahead`) and that none of its entries is in the log yet; the storage writes it in one round
 * trip only if that holds under the lock. Repeats within the batch are duplicates of their first
 * occurrence, as in the planned-under-the-lock path. Resolves the outcomes after the commit, or
 * undefined having written nothing (the prediction failed: the caller plans under the lock, and
 * plans under the lock from then on until a batch finds the prediction would have held).
 */
async function appendPlannedAhead(
  tree: TreeHandle,
  signer: CheckpointSigner,
  entries: ValidatedEntry[],
  hexes: string[],
  edge: EdgeHolder,
  ahead: NonNullable<EdgeCache>,
  presigned: Presigned,
  onSent?: () => void,
): Promise<AppendOutcome[] | undefined> {
  const oldSize = ahead.size;
  const fresh: { entry: ValidatedEntry; index: number; key: string }[] = [];
  const assigned = new Map<string, number>();
  const slots: (number | { duplicateOf: number })[] = [];
  for (const [i, entry] of entries.entries()) {
    const key = hexes[i]!;
    const earlier = assigned.get(key);
    if (earlier !== undefined) {
      slots.push({ duplicateOf: earlier });
      continue;
    }
    const index = oldSize + fresh.length;
    assigned.set(key, index);
    fresh.push({ entry, index, key });
    slots.push(index);
  }
  const sets = await presigned.sets.catch(() => undefined);
  if (sets?.length !== fresh.length) return undefined;
  const result = integrate(
    oldSize,
    ahead.tiles,
    fresh.map((f) => f.entry.leafHash),
    ahead.range,
  );
  const checkpoint = await signer.sign(result.newSize, result.rootHash);
  const integratedTime = presigned.integratedTime;
  const write = batchWrite(result, checkpoint, integratedTime, fresh, sets);
  const planned: NonNullable<EdgeCache> = {
    treeId: tree.treeId,
    size: result.newSize,
    tiles: result.edge,
    offset: ahead.offset,
    rootHash: result.rootHash,
    range: result.range,
    predictable: true,
  };
  let committed: boolean;
  try {
    const sending = tree.storage.appendPredicted!(
      tree.treeId,
      { size: oldSize, rootHash: ahead.rootHash! },
      write,
    );
    // The next batch may be planned on top of this one now (its prediction includes this one's
    // size and root, so it commits only after this one did).
    edge.planned = planned;
    onSent?.();
    committed = await sending;
  } finally {
    if (edge.planned === planned) edge.planned = undefined;
  }
  if (!committed) {
    edge.plannedMissed = (edge.plannedMissed ?? 0) + 1;
    // Never the planned edge: `current` holds only what was committed.
    if (edge.current) edge.current = { ...edge.current, predictable: false };
    return undefined;
  }
  edge.plannedCommitted = (edge.plannedCommitted ?? 0) + 1;
  if (!edge.current || edge.current.treeId !== planned.treeId || edge.current.size < planned.size)
    edge.current = planned;
  const c = committedBatch(tree.treeId, result, checkpoint);
  return slots.map((slot, i): AppendOutcome => {
    const entry = entries[i]!;
    if (typeof slot !== 'number')
      return { kind: 'duplicate', treeId: tree.treeId, index: slot.duplicateOf, entry };
    return { kind: 'created', index: slot, integratedTime, entry, committed: c, set: sets[slot - oldSize]! };
  });
}

/** What a batch committed to `treeId`: the new head and its entries' proofs. */
function committedBatch(treeId: TreeId, result: ReturnType<typeof integrate>, checkpoint: string): Committed {
  return {
    treeId,
    treeSize: result.newSize,
    rootHash: result.rootHash,
    checkpoint,
    proofs: result.proofs,
  };
}

/** The storage write of a batch: its entries (with SETs and search keys), tiles, summaries, state. */
function batchWrite(
  result: ReturnType<typeof integrate>,
  checkpoint: string,
  integratedTime: number,
  fresh: { entry: ValidatedEntry; index: number; key: string }[],
  sets: Uint8Array[],
): BatchWrite {
  return {
    treeSize: result.newSize,
    rootHash: result.rootHash,
    checkpoint,
    integratedTime,
    entries: fresh.map((f, i) => ({
      index: f.index,
      leafHashHex: f.key,
      kind: f.entry.kind,
      apiVersion: f.entry.apiVersion,
      body: f.entry.body,
      storedBody: f.entry.storedBody,
      // The SDK's key format; routes/v1/search.ts is the lookup side.
      searchKeys: searchIndexKeys(f.entry.searchKeys),
      set: sets[i]!,
    })),
    tiles: result.changed,
    // Level-0 tiles this batch filled: their interior levels, for reads (leaf-groups.ts).
    summaries: result.changed
      .filter((t) => t.level === 0 && t.hashes.length === 256 * 32)
      .map((t) => ({ index: t.index, nodes: summarizeTile(t.hashes) })),
  };
}

/** The tree reached the size limit of the rotation policy (SCRIBA_SHARD_MAX_SIZE); nothing written. */
export class ShardFullError extends Error {
  readonly code = 'SHARD_FULL';
  constructor(
    readonly treeId: TreeId,
    readonly treeSize: number,
  ) {
    super(`tree ${treeId} is full (size ${treeSize}); it is rotated before more entries are appended`);
    this.name = 'ShardFullError';
  }
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
  /**
   * Batches planned ahead of the tree lock (appendPlannedAhead): 0 never, 1 one at a time, 2
   * (default) also one more on top of one whose write is out.
   */
  planAhead?: 0 | 1 | 2;
};

/** Where the sequencer appends: a tree and the signer of its checkpoints. */
export type SequencerTarget = { tree: TreeHandle; signer: CheckpointSigner };

/** Hooks the log service gives the sequencer (shards). */
export type SequencerHooks = {
  /**
   * The log's active tree now (read from storage), after a batch found `rotated` no longer active.
   * Throws (e.g. a LogError 503 when this process lacks the new shard's key) to refuse the batch.
   */
  retarget?: (rotated: TreeId) => Promise<SequencerTarget>;
  /** After each committed batch that added entries: the tree and its new size (rotation policy). */
  committed?: (treeId: TreeId, treeSize: number) => void;
  /**
   * The size at which a tree takes no more batches (the size policy), and what makes it not active
   * any more once reached (a rotation, by this process or another); the batch is then re-run.
   */
  full?: { maxTreeSize: number; rotate: (treeId: TreeId) => Promise<void> };
};

/** Rotations one batch follows before it gives up (each is a real rotation by some process). */
const MAX_RETARGETS = 8;

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
  private readonly edge: EdgeHolder = { current: undefined };
  /** Batches in flight whose write was sent planned ahead (the next batch may be planned on top). */
  private sentAhead = 0;
  /** A retarget in progress (batches failing together share it). */
  private moving: Promise<void> | undefined;

  constructor(
    private tree: TreeHandle,
    private currentSigner: CheckpointSigner,
    private readonly opts: SequencerOptions,
    private readonly metrics: Metrics,
    private readonly hooks: SequencerHooks = {},
  ) {
    this.edge.planAhead = (opts.planAhead ?? 2) > 0;
  }

  /** The tree batches are appended to. */
  get treeId(): TreeId {
    return this.tree.treeId;
  }

  /** The signer of that tree's checkpoints. */
  get signer(): CheckpointSigner {
    return this.currentSigner;
  }

  /** Appends to `target` from the next batch on (the edge cache is dropped). */
  retargetTo(target: SequencerTarget): void {
    if (target.tree.treeId !== this.tree.treeId) {
      this.edge.current = undefined;
      this.edge.planned = undefined;
      this.metrics.treeSize = 0;
    }
    this.tree = target.tree;
    this.currentSigner = target.signer;
  }

  /** Follows a rotation of `rotated` once, however many batches found it. */
  private async follow(rotated: TreeId): Promise<void> {
    if (this.tree.treeId !== rotated) return; // another batch already moved on
    const retarget = this.hooks.retarget;
    if (!retarget) throw new TreeNotActiveError(rotated);
    this.moving ??= retarget(rotated)
      .then((t) => this.retargetTo(t))
      .finally(() => {
        this.moving = undefined;
      });
    await this.moving;
  }

  /** Appends `entries` to the current tree, following rotations (the same batch, re-run). */
  private async appendFollowing(
    entries: ValidatedEntry[],
    onLocked: () => void,
    onSent: () => void,
  ): Promise<AppendOutcome[]> {
    for (let attempt = 0; ; attempt++) {
      const tree = this.tree;
      try {
        return await appendBatch(
          tree,
          this.currentSigner,
          entries,
          undefined,
          onLocked,
          this.edge,
          this.hooks.full?.maxTreeSize,
          onSent,
        );
      } catch (e) {
        let moved = e;
        if (e instanceof ShardFullError && this.hooks.full) {
          // Rotated by this call or by another process meanwhile: either way the tree is frozen now.
          await this.hooks.full.rotate(e.treeId);
          moved = new TreeNotActiveError(e.treeId);
        }
        if (!(moved instanceof TreeNotActiveError)) throw e;
        this.metrics.batchesRetargeted++;
        if (attempt >= MAX_RETARGETS) {
          throw new LogError(503, 'SHARD_ROTATING', 'the log is rotating its shard; retry');
        }
        await this.follow(moved.treeId);
      }
    }
  }

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
    // A batch whose write went out planned ahead lets one more batch be planned on top of it.
    if (this.inFlight >= Math.max(this.opts.maxInFlight ?? 1, this.sentAhead > 0 ? 2 : 1)) return;
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
      if (locked) return; // a re-run after a rotation: the pipeline moved on already
      locked = true;
      this.awaitingLock = false;
      this.pump();
    };
    let sent = false;
    const onSent = () => {
      if (sent || this.opts.planAhead === 1) return;
      sent = true;
      this.sentAhead++;
      onLocked();
    };
    const unsend = () => {
      if (sent) this.sentAhead--;
      sent = false;
    };
    const started = performance.now();
    let released = false;
    try {
      const outcomes = await this.appendFollowing(
        batch.map((p) => p.entry),
        onLocked,
        onSent,
      );
      const done = performance.now();
      // The next batch asks for the tree lock before this batch's answers are built, so its
      // round trips overlap that work instead of queueing behind it on the event loop.
      released = true;
      if (!locked) this.awaitingLock = false;
      unsend();
      this.inFlight--;
      this.pump(true);
      let created = 0;
      let grown: Committed | undefined;
      outcomes.forEach((o, i) => {
        if (o.kind === 'created') {
          created++;
          grown = o.committed;
          this.metrics.treeSize = Math.max(this.metrics.treeSize, o.committed.treeSize);
        } else {
          this.metrics.duplicatesRejected++;
        }
        this.metrics.appendLatency.observe((done - batch[i]!.acceptedAt) / 1000);
        batch[i]!.resolve(o);
      });
      this.metrics.entriesAppended += created;
      this.metrics.batchesCommitted++;
      this.metrics.batchesPlannedAhead = this.edge.plannedCommitted ?? 0;
      this.metrics.batchesPlanMissed = this.edge.plannedMissed ?? 0;
      this.metrics.batchSize.observe(batch.length);
      this.metrics.batchDuration.observe((done - started) / 1000);
      if (grown) this.hooks.committed?.(grown.treeId, grown.treeSize);
    } catch (e) {
      this.metrics.batchFailures++;
      for (const p of batch) p.reject(e);
    } finally {
      this.inBatches -= batch.length;
      if (!released) {
        if (!locked) this.awaitingLock = false;
        unsend();
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
