/**
 * Consistency proofs (RFC 9162 §2.1.4) kept for one tree size, the shard's latest, by first size.
 *
 * Who asks for the same proof again are monitors and witnesses, from the sizes of the checkpoints
 * they saw (a few sizes, asked by many). Reads spread over the whole tree (first sizes drawn from
 * millions) almost never ask twice while a proof is kept, and keeping each one anyway costs more
 * than it saves: every proof kept outlives a young-generation collection, is promoted, then evicted,
 * and on a large tree that churn doubled the garbage collector's time per proof (bench:read, proof
 * route at 10^7). So a proof is kept only when its first size is asked for a second time: the first
 * ask is remembered as a number (no allocation of its own), and only repeated sizes take a slot.
 *
 * The cache holds the tree size its proofs lead to, and takes and answers only proofs to that size:
 * a proof built for a size the shard has since moved past is not kept under the new one.
 */
export class ConsistencyCache {
  private readonly proofs = new Map<number, Uint8Array[]>();
  /** First sizes asked once since the tree size moved (or since this set was last full). */
  private readonly askedOnce = new Set<number>();
  /** The tree size the kept proofs lead to (none yet: -1). */
  private size = -1;

  /** `limit`: proofs kept (oldest out first); first sizes remembered: four times as many. */
  constructor(readonly limit = 4096) {}

  /** The kept proof from `firstSize` to `lastSize`, if `lastSize` is the cache's size. */
  get(firstSize: number, lastSize: number): Uint8Array[] | undefined {
    return lastSize === this.size ? this.proofs.get(firstSize) : undefined;
  }

  /**
   * Keeps `hashes`, the proof from `firstSize` to `lastSize`, if `lastSize` is the cache's size and
   * that first size was asked for before.
   */
  offer(firstSize: number, lastSize: number, hashes: Uint8Array[]): void {
    if (this.limit <= 0 || lastSize !== this.size) return;
    if (!this.askedOnce.has(firstSize)) {
      if (this.askedOnce.size >= 4 * this.limit) this.askedOnce.clear();
      this.askedOnce.add(firstSize);
      return;
    }
    this.askedOnce.delete(firstSize);
    if (this.proofs.size >= this.limit) this.proofs.delete(this.proofs.keys().next().value!);
    this.proofs.set(firstSize, hashes);
  }

  /** Proofs to `size` from now on: a new size forgets every proof and ask kept for the old one. */
  moveTo(size: number): void {
    if (size === this.size) return;
    this.size = size;
    this.proofs.clear();
    this.askedOnce.clear();
  }
}
