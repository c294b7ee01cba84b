/**
 * The log core as the routes see it: initialization of the tree (tree ID, log ID binding, first
 * checkpoint), appends through the sequencer to the active shard, the list of shards (log/shard.ts
 * holds each shard's reads) and search across them. No Fastify, no SQL and no wire format here:
 * storage through the port (storage.ts), typed results (Created / Duplicate / EntryWithProof) that
 * each route renders in its own format; errors the client caused are LogError with an HTTP-like kind.
 */

import { randomBytes } from 'node:crypto';
import { entryUuid } from '@scriba/sdk/entries';
import { EMPTY_ROOT } from '@scriba/sdk/merkle';
import type { ValidatedEntry } from '../entries/index.js';
import type { LogKey } from '../keys/logKey.js';
import type { CheckpointSigner } from './checkpoint.js';
import type { Metrics } from './metrics.js';
import { type AppendOutcome, Sequencer, type SequencerOptions, type TreeHandle } from './sequencer.js';
import { type EntryWithProof, type InclusionView, LogError, Shard, type TreeState } from './shard.js';
import type { LogStorage, TreeId, TreeRecord } from './storage.js';

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
};

/** The entry was already in the log (any shard, or earlier in the same batch): where it is. */
export type Duplicate = { kind: 'duplicate'; treeId: TreeId; offset: number; index: number; uuid: string };

export type AppendResult = Created | Duplicate;

/** How long a process trusts its list of shards before reading it again (rotations by others). */
const SHARD_LIST_TTL_MS = 1000;

export class LogService {
  readonly sequencer: Sequencer;
  /** The tree the sequencer appends to. */
  readonly tree: TreeHandle;
  /** The active shard (appends go here); replaced when the log rotates. */
  active: Shard;
  /** Set by init() when the stored checkpoint had another origin (re-signed under this one). */
  renamed: string | undefined;
  private readonly known = new Map<TreeId, Shard>();
  private listedAt = Number.NEGATIVE_INFINITY;
  /** The shard list read last, and the list read in flight. */
  private listed: Shard[] | undefined;
  private listing: Promise<Shard[]> | undefined;

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

  /**
   * The active tree, created on first start (random 63-bit tree ID); refuses a log key that is not
   * the one the tree was created with. Safe when several processes start at once.
   */
  static async treeOrigin(
    storage: LogStorage,
    key: LogKey,
    createTreeId?: string,
  ): Promise<{ treeId: string }> {
    const tree = await storage.ensureActiveTree({
      treeId: createTreeId ?? LogService.newTreeId(),
      logId: key.logId,
      publicKey: key.spki,
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

  /** A fresh random 63-bit tree id (Rekor's treeID). */
  static newTreeId(): TreeId {
    return (randomBytes(8).readBigUInt64BE() & 0x7fffffffffffffffn).toString();
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
    await this.shards(true);
    const st = await this.active.state();
    this.metrics.treeSize = st.treeSize;
  }

  /** The active shard's latest committed state. */
  state(): Promise<TreeState> {
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

  private list(): Promise<Shard[]> {
    const started = performance.now();
    const listing = this.storage
      .shards()
      .then((records) => {
        const list = records.map((r) => this.shardFor(r));
        this.listed = list;
        this.listedAt = started;
        return list;
      })
      .finally(() => {
        if (this.listing === listing) this.listing = undefined;
      });
    this.listing = listing;
    return listing;
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
    const shard = this.active;
    shard.observe(c); // this process's reads see its own commits at once
    const hashes = await shard.inclusionHashes(outcome.index, c.treeSize, c.tiles);
    return {
      kind: 'created',
      treeId: shard.treeId,
      offset: shard.offset,
      index: outcome.index,
      uuid: entryUuid(shard.treeId, entry.leafHash),
      integratedTime: outcome.integratedTime,
      entry,
      proof: { treeSize: c.treeSize, rootHash: c.rootHash, hashes, checkpoint: c.checkpoint },
    };
  }

  /** Entries at global indices (in that order; absent ones skipped), each from its shard. */
  async entriesByIndex(indices: number[]): Promise<EntryWithProof[]> {
    const out: EntryWithProof[] = [];
    for (const g of indices) {
      const at = await this.shardAt(g);
      if (at) out.push(...(await at.shard.entriesByIndex([at.index])));
    }
    return out;
  }

  /** Entries with the given leaf hashes, looked up in every shard (in that order; absent skipped). */
  async entriesByLeafHash(hashes: Uint8Array[]): Promise<EntryWithProof[]> {
    const out: EntryWithProof[] = [];
    for (const h of hashes) {
      for (const s of (await this.shards()).toReversed()) {
        const [found] = await s.entriesByLeafHash([h]);
        if (found) {
          out.push(found);
          break;
        }
      }
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
