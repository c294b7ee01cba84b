/**
 * Inclusion proofs (RFC 9162 §2.1.3.1) of the leaves one append added to a tree, from the tree's
 * compact range before the append and the appended leaf hashes alone: no stored node is read.
 *
 * Why that suffices: a proof of appended leaf i (i >= oldSize) in the tree of `size` leaves consists
 * of perfect subtrees (and an ephemeral right-edge node made of perfect subtrees right of i). A node
 * wholly before oldSize can only be a left sibling on i's path; its parent holds i, so the node is a
 * maximal perfect subtree of [0, oldSize): one of `rangeNodes(oldSize)`, whose hashes the range
 * holds. Every other node covers appended leaves and is hashed from its children, which are again
 * appended leaves, range nodes, or nodes of that kind. Each node is hashed once per append and the
 * proofs that need it share it (the same Uint8Array: callers MUST NOT modify a proof's hashes).
 */
import { ScribaError } from '../errors.js';
import { POW2 } from './bits.js';
import type { CompactRange } from './compact.js';
import { assertHash, HASH_SIZE } from './hash.js';
import { assembleProof, inclusionProofNodes, rangeNodes } from './proof.js';
import { nodeHashInto } from './sha256-node.js';

export class AppendedProofs {
  /** Leaves before the append. */
  readonly oldSize: number;
  /** Leaves after it: the tree size every proof is for. */
  readonly size: number;
  readonly #leaves: readonly Uint8Array[];
  /** Node hashes by level, then index: the old range's nodes, then every node hashed so far. */
  readonly #nodes: Map<number, Uint8Array>[] = [];

  /**
   * `before`: the tree's range before the append (read now, not kept); `leafHashes`: the appended
   * leaves in order (kept as given, not copied: neither the array nor its hashes may change after).
   */
  constructor(before: CompactRange, leafHashes: readonly Uint8Array[]) {
    leafHashes.forEach((h, i) => {
      assertHash(h, `leafHashes[${i}]`);
    });
    this.oldSize = before.size;
    this.size = before.size + leafHashes.length;
    this.#leaves = leafHashes;
    const hashes = before.hashes();
    rangeNodes(before.size).forEach((id, i) => {
      this.#level(id.level).set(id.index, hashes[i]!);
    });
  }

  /** The audit path of appended leaf `index` (oldSize <= index < size) in the tree of `size` leaves. */
  proof(index: number): Uint8Array[] {
    if (!(Number.isSafeInteger(index) && index >= this.oldSize && index < this.size)) {
      throw new ScribaError(
        'INVALID_INPUT',
        `leaf ${index} is not one this append added (${this.oldSize} to ${this.size - 1})`,
      );
    }
    const nodes = inclusionProofNodes(index, this.size);
    return assembleProof(
      nodes,
      nodes.ids.map((id) => this.#node(id.level, id.index)),
    );
  }

  #level(level: number): Map<number, Uint8Array> {
    let nodes = this.#nodes[level];
    if (!nodes) {
      nodes = new Map();
      this.#nodes[level] = nodes;
    }
    return nodes;
  }

  #node(level: number, index: number): Uint8Array {
    const nodes = this.#level(level);
    const known = nodes.get(index);
    if (known) return known;
    const start = index * POW2[level]!;
    if (start + POW2[level]! <= this.oldSize) {
      // Wholly before the append yet not a range node: no proof of an appended leaf asks for one.
      throw new ScribaError('INVALID_INPUT', `node ${level}/${index} is not in the range before the append`);
    }
    let hash: Uint8Array;
    if (level === 0) {
      hash = this.#leaves[start - this.oldSize]!;
    } else {
      hash = new Uint8Array(HASH_SIZE);
      nodeHashInto(this.#node(level - 1, 2 * index), this.#node(level - 1, 2 * index + 1), hash);
    }
    nodes.set(index, hash);
    return hash;
  }
}
