/**
 * The signed entry timestamps (Rekor v1 SET, see entry-view.ts) of this process, produced once: a
 * SET signs (body, integratedTime, logID, logIndex), all immutable once the entry committed, so the
 * signature made at append (or at the first read) answers every later read. A bounded LRU keyed by
 * tree id + tree-local index: a position in exactly one shard, so entries of different shards (the
 * same tree-local index in another tree) never share a slot. Everything else the SET signs (leaf
 * hash for the body, integrated time, global log index, log ID of the shard's key) is kept beside it
 * and compared on a hit, so a different entry or signing under the same slot (another database behind
 * the same tree id, a shard given another key) is signed afresh rather than answered with a SET for
 * other content.
 */
import type { LogKey } from '../../keys/logKey.js';
import type { StoredEntry } from '../../log/storage.js';

/** Signs the SET of `e` at global index `logIndex` (its body already base64 in `bodyB64`). */
export type SetSigner = (key: LogKey, e: StoredEntry, bodyB64: string, logIndex: number) => Promise<string>;

type Slot = {
  leafHash: string;
  integratedTime: number;
  logIndex: number;
  logId: string;
  set: Promise<string>;
};

export const DEFAULT_SET_CACHE_SIZE = 100_000;

export class SetCache {
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly signer: SetSigner,
    readonly maxEntries = DEFAULT_SET_CACHE_SIZE,
  ) {}

  get size(): number {
    return this.slots.size;
  }

  /**
   * The SET of entry `e` (tree-local `e.index`) of tree `treeId` at global index `logIndex`, signed
   * with `key` (the shard's) at most once while it stays in the cache.
   */
  get(key: LogKey, treeId: string, logIndex: number, e: StoredEntry, bodyB64: string): Promise<string> {
    const k = `${treeId}/${e.index}`;
    const leafHash = Buffer.from(e.leafHash.buffer, e.leafHash.byteOffset, e.leafHash.byteLength).toString(
      'hex',
    );
    const hit = this.slots.get(k);
    if (
      hit &&
      hit.leafHash === leafHash &&
      hit.integratedTime === e.integratedTime &&
      hit.logIndex === logIndex &&
      hit.logId === key.logIdHex
    ) {
      this.slots.delete(k); // most recently used goes last
      this.slots.set(k, hit);
      return hit.set;
    }
    const set = this.signer(key, e, bodyB64, logIndex);
    const slot: Slot = { leafHash, integratedTime: e.integratedTime, logIndex, logId: key.logIdHex, set };
    this.slots.delete(k);
    this.slots.set(k, slot);
    if (this.slots.size > this.maxEntries) {
      const oldest = this.slots.keys().next().value;
      if (oldest !== undefined) this.slots.delete(oldest);
    }
    // A failed signature is not kept: the next read signs again.
    set.catch(() => {
      if (this.slots.get(k) === slot) this.slots.delete(k);
    });
    return set;
  }
}
