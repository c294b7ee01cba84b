/**
 * The log core as the routes see it: initialization of the tree (tree ID, log ID binding, first
 * checkpoint), appends through the sequencer to the active shard, the list of shards (log/shard.ts
 * holds each shard's reads) and search across them. Shards (issue 11): each shard is signed with the
 * keyring key whose log ID is the shard's; when another process rotates, the sequencer's batch fails
 * with TreeNotActiveError and `retarget` switches `active`, the sequencer's tree and its signer; the
 * rotation policy (log/rotation.ts) is checked after batches and on a timer. No Fastify, no SQL and no wire format here:
 * storage through the port (storage.ts), typed results (Created / Duplicate / EntryWithProof) that
 * each route renders in its own format; errors the client caused are LogError with an HTTP-like kind.
 */

import { hexEncode } from '@scriba/sdk/encoding';
import { entryUuid } from '@scriba/sdk/entries';
import { EMPTY_ROOT } from '@scriba/sdk/merkle';
import type { ValidatedEntry } from '../entries/index.js';
import { Keyring } from '../keys/keyring.js';
import type { LogKey } from '../keys/logKey.js';
import { type CheckpointSigner, checkpointSigner } from './checkpoint.js';
import type { Metrics } from './metrics.js';
import {
  newTreeId,
  type Rotation,
  type RotationPolicy,
  rotateShard,
  rotationDue,
  shardOrigin,
} from './rotation.js';
import {
  type AppendOutcome,
  Sequencer,
  type SequencerOptions,
  type SequencerTarget,
  type TreeHandle,
} from './sequencer.js';
import { type EntryWithProof, type InclusionView, LogError, Shard, type TreeState } from './shard.js';
import { type LogStorage, type TreeId, TreeNotActiveError, type TreeRecord } from './storage.js';

export { type EntryWithProof, type InclusionView, LogError, Shard, type TreeState };

/** A new entry, committed: where it is, and its proof against the checkpoint of its batch. */
export type Created = {
  kind: 'created';
  treeId: TreeId;
  /** Global index of the shard's first entry: the entry's global index is offset + index. */
  offset: number;
  /** Tree-local index. */
  index: number;
  /** Rekor EntryUUID (tree id prefix + leaf hash). */
  uuid: string;
  integratedTime: number;
  entry: ValidatedEntry;
  proof: InclusionView;
  /** Its signed entry timestamp (DER), signed in its batch and stored with it. */
  set: Uint8Array;
};

/** The entry was already in the log (any shard, or earlier in the same batch): where it is. */
export type Duplicate = { kind: 'duplicate'; treeId: TreeId; offset: number; index: number; uuid: string };

export type AppendResult = Created | Duplicate;

/** How long a process trusts its list of shards before reading it again (rotations by others). */
const SHARD_LIST_TTL_MS = 1000;

/** What the log tells its operator about shards (main.ts logs each). */
export type ShardEvent =
  | { kind: 'rotated'; by: 'policy'; reason: string; frozen: TreeRecord; active: TreeRecord }
  | { kind: 'switched'; from: TreeId; to: TreeId }
  | { kind: 'key-missing'; treeId: TreeId; logId: string }
  | { kind: 'rotation-failed'; error: string };

/** Shard options of a log service (all optional: one key, no policy, Rekor's origin). */
export type ShardOptions = {
  /** Keys to sign shards with (default: `key` alone). */
  keyring?: Keyring;
  /** Origin of a tree stored without one (SCRIBA_ORIGIN); default `<name> - <treeId>`. */
  configuredOrigin?: string | undefined;
  /** When this process rotates by itself. */
  policy?: RotationPolicy;
  /** How often the policy is checked without appends (ms; default 60 s). */
  checkIntervalMs?: number;
};

export class LogService {
  readonly sequencer: Sequencer;
  /** The active shard (appends go here); replaced when the log rotates. */
  active: Shard;
  /** Set by init() when the stored checkpoint had another origin (re-signed under this one). */
  renamed: string | undefined;
  readonly keyring: Keyring;
  /** Told of rotations, switches and missing keys (main.ts logs them). */
  onShardEvent: (e: ShardEvent) => void = () => {};
  private readonly known = new Map<TreeId, Shard>();
  private listedAt = Number.NEGATIVE_INFINITY;
  /** The shard list read last, and the list read in flight. */
  private listed: Shard[] | undefined;
  private listing: Promise<Shard[]> | undefined;
  private listings = 0;
  private applied = 0;
  private readonly signers = new Map<TreeId, Promise<CheckpointSigner | undefined>>();
  private readonly keyMissingTold = new Set<TreeId>();
  private readonly logName: string;
  private rotating: Promise<void> | undefined;
  private policyTimer: NodeJS.Timeout | undefined;
  /** close() was called: the policy rotates no more (shutdown). */
  private closed = false;

  /**
   * `treeId`, `key` and `signer`: the active tree at start (LogService.treeOrigin), the primary key
   * and that tree's checkpoint signer (whose key name is the log's name for every shard).
   */
  constructor(
    readonly storage: LogStorage,
    treeId: TreeId,
    key: LogKey,
    signer: CheckpointSigner,
    readonly metrics: Metrics,
    batch: SequencerOptions,
    private readonly shardOptions: ShardOptions = {},
  ) {
    this.keyring = shardOptions.keyring ?? new Keyring(key);
    this.logName = signer.name;
    this.signers.set(treeId, Promise.resolve(signer));
    const maxTreeSize = shardOptions.policy?.maxSize;
    this.sequencer = new Sequencer({ storage, treeId }, signer, batch, metrics, {
      retarget: () => this.retarget(),
      committed: (tree, size) => this.checkPolicy(tree, size),
      ...(maxTreeSize !== undefined
        ? {
            full: {
              maxTreeSize,
              rotate: (tree: TreeId) =>
                this.rotating ?? this.startRotation(tree, `SCRIBA_SHARD_MAX_SIZE ${maxTreeSize} reached`),
            },
          }
        : {}),
    });
    // Offset and state are read by init() (shards()); until then the active shard starts at 0.
    this.active = this.shardFor({
      treeId,
      logId: key.logId,
      treeSize: 0,
      rootHash: EMPTY_ROOT,
      checkpoint: null,
      createdAt: new Date(0),
      active: true,
      shardOffset: 0,
      publicKey: key.spki,
      origin: null,
      frozenAt: null,
    });
  }

  /** The active shard's tree id. */
  get treeId(): TreeId {
    return this.active.treeId;
  }

  /** The active shard's tree (storage handle). */
  get tree(): TreeHandle {
    return this.active.handle;
  }

  /** The key of the active shard (the primary key when this process lacks it: it cannot append). */
  get key(): LogKey {
    return this.keyFor(this.active.record) ?? this.keyring.primary;
  }

  /** The checkpoint signer the sequencer signs the active shard with. */
  get signer(): CheckpointSigner {
    return this.sequencer.signer;
  }

  /** The keyring key a shard is signed with (by its log ID), or undefined when this process lacks it. */
  keyFor(shard: Pick<TreeRecord, 'logId'>): LogKey | undefined {
    return this.keyring.byLogId(shard.logId);
  }

  /** The checkpoint signer of a shard (its origin, its key), or undefined when the key is missing. */
  signerFor(record: TreeRecord): Promise<CheckpointSigner | undefined> {
    let found = this.signers.get(record.treeId);
    if (!found) {
      const key = this.keyFor(record);
      found = key
        ? checkpointSigner(
            key,
            this.logName,
            shardOrigin(record, this.logName, this.shardOptions.configuredOrigin),
          )
        : Promise.resolve(undefined);
      this.signers.set(record.treeId, found);
    }
    return found;
  }

  /**
   * The sequencer's target after a rotation: the active tree as storage has it now and its signer.
   * Without the shard's key, appends are refused (503) and the operator is told once.
   */
  private async retarget(): Promise<SequencerTarget> {
    await this.shards(true);
    const next = this.active;
    const signer = await this.signerFor(next.record);
    if (!signer) throw this.keyMissing(next.record);
    if (next.record.checkpoint === null) await this.signUnsigned(next, signer);
    if (next.treeId !== this.sequencer.treeId) {
      this.onShardEvent({ kind: 'switched', from: this.sequencer.treeId, to: next.treeId });
    }
    return { tree: next.handle, signer };
  }

  /** Signs the checkpoint of a tree created without one (the tree lock makes one process do it). */
  private async signUnsigned(shard: Shard, signer: CheckpointSigner): Promise<void> {
    await this.storage.resignCheckpoint(shard.treeId, async (t) =>
      t.checkpoint === null && t.active ? signer.sign(t.treeSize, t.rootHash) : undefined,
    );
    await shard.state();
  }

  private keyMissing(record: TreeRecord): LogError {
    const logId = hexEncode(record.logId);
    if (!this.keyMissingTold.has(record.treeId)) {
      this.keyMissingTold.add(record.treeId);
      this.onShardEvent({ kind: 'key-missing', treeId: record.treeId, logId });
    }
    return new LogError(
      503,
      'SHARD_KEY_MISSING',
      `this server does not hold the key of the log's active shard ${record.treeId} (log ID ${logId}); appends are refused until it does`,
    );
  }

  /**
   * The active tree, created on first start (random 63-bit tree ID) with the keyring's primary key;
   * refuses a keyring that does not hold the active shard's key. Safe when several processes start at
   * once.
   */
  static async treeOrigin(
    storage: LogStorage,
    keys: LogKey | Keyring,
    createTreeId?: string,
  ): Promise<{ treeId: string; record: TreeRecord; key: LogKey }> {
    const keyring = keys instanceof Keyring ? keys : new Keyring(keys);
    const primary = keyring.primary;
    const tree = await storage.ensureActiveTree({
      treeId: createTreeId ?? newTreeId(),
      logId: primary.logId,
      publicKey: primary.spki,
      rootHash: EMPTY_ROOT,
    });
    const key = keyring.byLogId(tree.logId);
    if (!key) {
      const logIdHex = hexEncode(tree.logId);
      const held = keyring.keys.map((k) => k.logIdHex).join(', ');
      throw new Error(
        `the keyring (log IDs ${held}) does not hold the key of this database's active shard ${tree.treeId} (log ID ${logIdHex}); set SCRIBA_LOG_KEY or add it to SCRIBA_SHARD_KEYS`,
      );
    }
    return { treeId: tree.treeId, record: tree, key };
  }

  /** A fresh random 63-bit tree id (Rekor's treeID). */
  static newTreeId(): TreeId {
    return newTreeId();
  }

  /**
   * (Re-)signs the current checkpoint when none exists or the origin/key name changed; the tree lock
   * serializes processes starting at once, so only the first re-signs.
   */
  async init(): Promise<void> {
    await this.shards(true);
    const signer = await this.signerFor(this.active.record);
    if (!signer) throw new Error(this.keyMissing(this.active.record).message);
    this.sequencer.retargetTo({ tree: this.active.handle, signer });
    await this.storage.resignCheckpoint(this.treeId, async (t) => {
      // A frozen tree's checkpoint is final: never re-signed.
      if (!t.active) return undefined;
      if (t.checkpoint !== null && signer.matches(t.checkpoint)) return undefined;
      if (t.checkpoint !== null) {
        // Every process of one log MUST share the public URL / key name / origin; otherwise they
        // take turns re-signing the same tree under different names.
        this.renamed = t.checkpoint.split('\n', 1)[0];
      }
      return signer.sign(t.treeSize, t.rootHash);
    });
    const st = await this.active.state();
    this.metrics.treeSize = st.treeSize;
  }

  /**
   * Rotates now: freezes the active shard and starts the next (keeping the active shard's key unless
   * `key` is given). With `fromTreeId`, only if that tree is still active (TreeNotActiveError else).
   */
  async rotate(opts: { key?: LogKey; fromTreeId?: TreeId } = {}): Promise<Rotation> {
    const current = (await this.shards(true)).find((s) => s.active) ?? this.active;
    const key = opts.key ?? this.keyFor(current.record);
    if (!key) throw this.keyMissing(current.record);
    const rotation = await rotateShard(this.storage, {
      key,
      logName: this.logName,
      fromTreeId: opts.fromTreeId,
    });
    this.metrics.shardRotations++;
    await this.shards(true);
    return rotation;
  }

  /**
   * Rotates when the policy says so (after a batch left `treeId` at `size`, or on the timer); one
   * rotation at a time per process, and `fromTreeId` makes only one process rotate.
   */
  private checkPolicy(treeId: TreeId, size?: number): void {
    const policy = this.shardOptions.policy;
    if (!policy || (policy.maxSize === undefined && policy.period === undefined) || this.rotating) return;
    if (this.closed) return;
    const shard = this.known.get(treeId);
    if (!shard?.active) return;
    const reason = rotationDue(
      { treeSize: size ?? shard.record.treeSize, createdAt: shard.record.createdAt },
      policy,
      new Date(),
    );
    if (reason === undefined) return;
    void this.startRotation(treeId, reason);
  }

  /** Rotates `treeId` by policy (one rotation at a time in this process); resolves when done. */
  private startRotation(treeId: TreeId, reason: string): Promise<void> {
    this.rotating = this.rotate({ fromTreeId: treeId })
      .then(
        (r) => this.onShardEvent({ kind: 'rotated', by: 'policy', reason, ...r }),
        (e) => {
          // Another process rotated first: nothing to do (this process follows on its next batch).
          if (e instanceof TreeNotActiveError) return this.shards(true).then(() => {});
          this.onShardEvent({ kind: 'rotation-failed', error: e instanceof Error ? e.message : String(e) });
        },
      )
      .finally(() => {
        this.rotating = undefined;
      });
    return this.rotating;
  }

  /** Checks the rotation policy on a timer (time-based rotation without appends); stop with close(). */
  startPolicy(): void {
    const policy = this.shardOptions.policy;
    if (!policy || (policy.maxSize === undefined && policy.period === undefined) || this.policyTimer) return;
    const tick = async () => {
      try {
        await this.shards(true);
        const st = await this.active.state();
        this.checkPolicy(this.active.treeId, st.treeSize);
      } catch {
        // The database is unavailable: the next tick tries again.
      }
    };
    this.policyTimer = setInterval(() => void tick(), this.shardOptions.checkIntervalMs ?? 60_000);
    this.policyTimer.unref();
    void tick();
  }

  /** Stops the rotation policy (timer and after-batch checks) and waits for a rotation in progress. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.policyTimer) clearInterval(this.policyTimer);
    this.policyTimer = undefined;
    await this.rotating;
  }

  /** The active shard's latest committed state (the list of shards re-read at most every second). */
  async state(): Promise<TreeState> {
    await this.shards();
    return this.active.state();
  }

  private shardFor(record: TreeRecord): Shard {
    const known = this.known.get(record.treeId);
    if (known) {
      known.update(record);
      return known;
    }
    const shard = new Shard(this.storage, record);
    this.known.set(record.treeId, shard);
    return shard;
  }

  /**
   * Every shard of the log in order (frozen ones first, the active one last). A list older than a
   * second is answered as is while it is read again beside the request (so no read waits on it);
   * `fresh` (or no list yet) waits for a new one.
   */
  shards(fresh = false): Promise<Shard[]> {
    if (!fresh && this.listed) {
      if (performance.now() - this.listedAt >= SHARD_LIST_TTL_MS && !this.listing) {
        this.list().catch(() => {}); // a failed refresh keeps the last list; the next request retries
      }
      return Promise.resolve(this.listed);
    }
    return fresh || !this.listing ? this.list() : this.listing;
  }

  /** Reads the list of shards (one read in flight is shared by the requests waiting for it). */
  private list(): Promise<Shard[]> {
    this.listedAt = performance.now();
    const seq = ++this.listings;
    const listing = this.storage
      .shards()
      .then((records) => {
        // A read that started before a later one finished is older: it does not move `active` back.
        if (seq < this.applied) return records.map((r) => this.known.get(r.treeId) ?? this.shardFor(r));
        this.applied = seq;
        const list = records.map((r) => this.shardFor(r));
        const active = list.find((s) => s.active);
        if (active) this.active = active;
        this.listed = list;
        return list;
      })
      .finally(() => {
        if (this.listing === listing) this.listing = undefined;
      });
    this.listing = listing;
    return listing;
  }

  /**
   * The key shard `shard` is signed with (its checkpoints and Rekor v1 SETs), from the keyring by the
   * shard's log ID. A shard whose key this process does not hold (SCRIBA_SHARD_KEYS lacks it) is the
   * server's misconfiguration, never the client's: 503 SHARD_KEY_MISSING.
   */
  keyOf(shard: Shard): LogKey {
    const key = this.keyFor(shard.record);
    if (key) return key;
    const logId = hexEncode(shard.record.logId);
    throw new LogError(
      503,
      'SHARD_KEY_MISSING',
      `this server does not hold the key of shard ${shard.treeId} (log ID ${logId}) to sign its entries' timestamps; add it to SCRIBA_SHARD_KEYS`,
    );
  }

  /** The shard with this tree id, or undefined (re-reads the list once for an unknown id). */
  async shard(treeId: TreeId): Promise<Shard | undefined> {
    const found = (await this.shards()).find((s) => s.treeId === treeId);
    return found ?? (await this.shards(true)).find((s) => s.treeId === treeId);
  }

  /** The shard holding global index `index`, with the tree-local index, or undefined. */
  async shardAt(index: number): Promise<{ shard: Shard; index: number } | undefined> {
    const find = (list: Shard[]) => {
      for (const s of list) {
        const local = index - s.offset;
        if (local >= 0 && (s.active || local < s.record.treeSize)) return { shard: s, index: local };
      }
      return undefined;
    };
    return find(await this.shards());
  }

  /**
   * Appends a validated entry. Resolves after its batch committed: Created (index, proof against the
   * batch's checkpoint) or Duplicate (the index the tree already had for it). No wire format here.
   */
  async append(entry: ValidatedEntry): Promise<AppendResult> {
    const outcome: AppendOutcome = await this.sequencer.append(entry);
    if (outcome.kind === 'duplicate') {
      const shard = outcome.treeId === this.active.treeId ? this.active : await this.shard(outcome.treeId);
      return {
        kind: 'duplicate',
        treeId: outcome.treeId,
        offset: shard?.offset ?? 0,
        index: outcome.index,
        uuid: entryUuid(outcome.treeId, entry.leafHash),
      };
    }
    const c = outcome.committed;
    const shard = this.known.get(c.treeId) ?? (await this.shard(c.treeId));
    if (!shard) throw new Error(`tree ${c.treeId} is not in the log's list of shards`);
    shard.observe(c); // this process's reads see its own commits at once
    const hashes = c.proofs.proof(outcome.index);
    return {
      kind: 'created',
      treeId: shard.treeId,
      offset: shard.offset,
      index: outcome.index,
      uuid: entryUuid(shard.treeId, entry.leafHash),
      integratedTime: outcome.integratedTime,
      entry,
      proof: { treeSize: c.treeSize, rootHash: c.rootHash, hashes, checkpoint: c.checkpoint },
      set: outcome.set,
    };
  }

  /**
   * Entries at global indices (in that order; absent ones skipped), each from its shard. An index
   * past the end of the shard this process believes active is looked up again after re-reading the
   * shard list: another process may have rotated within the list's lifetime (SHARD_LIST_TTL_MS).
   */
  async entriesByIndex(indices: number[]): Promise<EntryWithProof[]> {
    const out: EntryWithProof[] = [];
    let fresh = false;
    for (const g of indices) {
      let at = await this.shardAt(g);
      let found = at ? await at.shard.entriesByIndex([at.index]) : [];
      if (found.length === 0 && at?.shard.active && !fresh) {
        fresh = true;
        await this.shards(true);
        at = await this.shardAt(g);
        found = at ? await at.shard.entriesByIndex([at.index]) : [];
      }
      out.push(...found);
    }
    return out;
  }

  /**
   * Entries with the given leaf hashes, looked up in every shard, newest first (in that order; absent
   * skipped). A hash found nowhere is looked up in the shards a re-read of the list adds, as above.
   */
  async entriesByLeafHash(hashes: Uint8Array[]): Promise<EntryWithProof[]> {
    const out: EntryWithProof[] = [];
    let fresh = false;
    const find = async (h: Uint8Array, shards: Shard[]) => {
      for (const s of shards.toReversed()) {
        const [found] = await s.entriesByLeafHash([h]);
        if (found) return found;
      }
      return undefined;
    };
    for (const h of hashes) {
      const listed = await this.shards();
      let found = await find(h, listed);
      if (!found && !fresh) {
        fresh = true;
        const seen = new Set(listed.map((s) => s.treeId));
        found = await find(
          h,
          (await this.shards(true)).filter((s) => !seen.has(s.treeId)),
        );
      }
      if (found) out.push(found);
    }
    return out;
  }

  /** Search index lookup across every shard; `op` combines the given key sets. Returns EntryUUIDs. */
  async search(keySets: string[][], op: 'and' | 'or'): Promise<string[]> {
    if (keySets.length === 0) return [];
    const out: string[] = [];
    for (const shard of await this.shards()) {
      const sets: Set<number>[] = [];
      for (const keys of keySets) {
        sets.push(new Set(await this.storage.search(shard.treeId, keys, 10000)));
      }
      let result = sets[0]!;
      for (const s of sets.slice(1)) {
        result = op === 'and' ? new Set([...result].filter((i) => s.has(i))) : new Set([...result, ...s]);
      }
      const indices = [...result].sort((a, b) => a - b);
      for (let i = 0; i < indices.length; i += 1000) {
        const rows = await this.storage.leafHashesByIndex(shard.treeId, indices.slice(i, i + 1000));
        for (const r of rows) out.push(entryUuid(shard.treeId, r.leafHash));
      }
    }
    return out;
  }
}
