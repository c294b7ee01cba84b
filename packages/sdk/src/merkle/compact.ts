/**
 * Compact Merkle ranges (RFC 6962 §2.1 tree hashing, as used by transparency-dev/merkle `compact`):
 * a tree of N leaves is summarised by the hashes of the perfect subtrees of its binary
 * decomposition (`rangeNodes(N)`), left to right. Appending a leaf merges equal-sized neighbours;
 * the root folds the summary right to left. This lets an integrator compute new roots and new node
 * hashes from O(log N) stored hashes, without reading leaves.
 */
import { ScribaError } from '../errors.js';
import { popcount } from './bits.js';
import { assertHash, EMPTY_ROOT, hashLeafInto } from './hash.js';
import type { NodeId } from './proof.js';
import { nodeHashInto } from './sha256-node.js';
import { checkSize } from './validate.js';

/** Called for every node hash that becomes final during an append (the leaf itself included). */
export type NodeVisitor = (id: NodeId, hash: Uint8Array) => void;

/** Most hashes a range holds during an append: popcount(size) <= 53 for size < 2^53, plus one. */
const SLOTS = 54;

export class CompactRange {
  #size: number;
  /** The range's hashes, 32 bytes per slot, left to right; `#count` slots in use. */
  readonly #buf = new Uint8Array(SLOTS * 32);
  /** One view per slot, made once: appends allocate nothing. */
  readonly #slots: Uint8Array[] = Array.from({ length: SLOTS }, (_, i) =>
    this.#buf.subarray(i * 32, i * 32 + 32),
  );
  #count: number;

  private constructor(size: number, hashes: Uint8Array[]) {
    this.#size = size;
    this.#count = hashes.length;
    hashes.forEach((h, i) => {
      this.#buf.set(h, i * 32);
    });
  }

  /** An empty range (tree of size 0). */
  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /**
   * The range of an existing tree of `size` leaves, from the hashes of `rangeNodes(size)` (the
   * perfect subtrees of its binary decomposition, left to right, largest first).
   */
  static fromHashes(size: number, hashes: Uint8Array[]): CompactRange {
    checkSize(size);
    if (!Array.isArray(hashes) || hashes.length !== popcount(size)) {
      throw new ScribaError('INVALID_INPUT', `a tree of size ${size} needs ${popcount(size)} range hashes`);
    }
    for (let i = 0; i < hashes.length; i++) assertHash(hashes[i], `hashes[${i}]`);
    return new CompactRange(size, hashes);
  }

  /** Number of leaves covered. */
  get size(): number {
    return this.#size;
  }

  /** Copies of the hashes of `rangeNodes(size)`, left to right. */
  hashes(): Uint8Array[] {
    return this.#slots.slice(0, this.#count).map((h) => h.slice());
  }

  /** An independent copy. */
  clone(): CompactRange {
    return new CompactRange(this.#size, this.hashes());
  }

  /**
   * Appends one leaf hash. `visit`, if given, sees the leaf ({level 0, index size}) and every
   * interior node completed by this append, bottom-up (each hash a copy the visitor may keep).
   */
  append(leafHash: Uint8Array, visit?: NodeVisitor): void {
    assertHash(leafHash, 'leaf hash');
    const n = this.#size;
    if (n >= Number.MAX_SAFE_INTEGER) throw new ScribaError('MERKLE_INVALID_SIZE', 'tree size overflow');
    const slots = this.#slots;
    let top = this.#count;
    (slots[top] as Uint8Array).set(leafHash);
    visit?.({ level: 0, index: n }, (slots[top] as Uint8Array).slice());
    let s = n;
    let level = 0;
    let idx = n;
    while (s % 2 === 1) {
      top--;
      const left = slots[top] as Uint8Array;
      nodeHashInto(left, slots[top + 1] as Uint8Array, left);
      level++;
      s = (s - 1) / 2;
      idx = (idx - (idx % 2)) / 2;
      visit?.({ level, index: idx }, left.slice());
    }
    this.#count = top + 1;
    this.#size = n + 1;
  }

  /**
   * Appends the leaves `entries` (leaf DATA, not hashes) in order: each hashed (SHA-256(0x00 || data),
   * RFC 6962 §2.1) straight into the range's free slot, then merged as `append` does — the same
   * result as `append(hashLeaf(e))` for each entry, without an array per leaf. For catching up on a
   * log from its entry bundles.
   */
  appendLeaves(entries: readonly Uint8Array[]): void {
    const slots = this.#slots;
    const buf = this.#buf;
    let n = this.#size;
    let count = this.#count;
    if (n + entries.length > Number.MAX_SAFE_INTEGER) {
      throw new ScribaError('MERKLE_INVALID_SIZE', 'tree size overflow');
    }
    for (let k = 0; k < entries.length; k++) {
      const data = entries[k];
      if (!(data instanceof Uint8Array)) {
        throw new ScribaError('INVALID_INPUT', `entries[${k}] must be a Uint8Array`);
      }
      let top = count;
      hashLeafInto(data, buf, top * 32);
      let s = n;
      while (s % 2 === 1) {
        top--;
        const left = slots[top] as Uint8Array;
        nodeHashInto(left, slots[top + 1] as Uint8Array, left);
        s = (s - 1) / 2;
      }
      count = top + 1;
      n++;
      // Committed leaf by leaf: a bad entry later in the list leaves the earlier ones appended.
      this.#count = count;
      this.#size = n;
    }
  }

  /** Appends many leaf hashes in order. */
  appendMany(leafHashes: Iterable<Uint8Array>, visit?: NodeVisitor): void {
    for (const h of leafHashes) this.append(h, visit);
  }

  /** The RFC 6962 Merkle tree hash of the covered leaves (EMPTY_ROOT for size 0). */
  root(): Uint8Array {
    const count = this.#count;
    if (count === 0) return EMPTY_ROOT.slice();
    const acc = (this.#slots[count - 1] as Uint8Array).slice();
    for (let j = count - 2; j >= 0; j--) nodeHashInto(this.#slots[j] as Uint8Array, acc, acc);
    return acc;
  }
}

/** RFC 6962 Merkle tree hash of a list of leaf hashes. */
export function rootFromLeafHashes(leafHashes: Uint8Array[]): Uint8Array {
  if (!Array.isArray(leafHashes)) throw new ScribaError('INVALID_INPUT', 'leaf hashes must be an array');
  const range = CompactRange.empty();
  for (const h of leafHashes) range.append(h);
  return range.root();
}
