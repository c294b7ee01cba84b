/**
 * RFC 9162 §2.1.3.1 / §2.1.4.1 proof construction as node ids: which Merkle tree nodes an inclusion
 * proof for (index, size) or a consistency proof for (size1, size2) consists of, so that a server
 * can read exactly those hashes from storage (tiles) and assemble the proof without walking leaves.
 *
 * A node id {level, index} names the perfect subtree covering leaves [index·2^level,
 * (index+1)·2^level). In a tree whose size is not a power of two, one proof element may be an
 * *ephemeral* node: the right-edge subtree [k·2^level, size) that is not perfect. Its hash is not
 * stored anywhere; it is listed as its perfect pieces ids[begin..end), left to right, and
 * `assembleProof` folds them (right to left, RFC 6962 MTH order) into the single proof hash.
 */
import { ScribaError } from '../errors.js';
import { bitLength, POW2, shiftRight, trailingZeros, xor } from './bits.js';
import { assertHash, HASH_SIZE } from './hash.js';
import { nodeHashInto } from './sha256-node.js';
import { checkIndex, checkSize } from './validate.js';

/** A perfect subtree: leaves [index·2^level, (index+1)·2^level). */
export type NodeId = { level: number; index: number };

/**
 * The nodes of a proof, in proof order. When end - begin > 1, ids[begin..end) are the pieces of one
 * ephemeral node that `assembleProof` folds into one hash; begin === end when there is none.
 */
export type ProofNodes = { ids: NodeId[]; begin: number; end: number };

/** The perfect subtrees of [0, size) (its binary decomposition), left to right, largest first. */
export function rangeNodes(size: number): NodeId[] {
  checkSize(size);
  const ids: NodeId[] = [];
  pushDecomposition(ids, 0, size);
  return ids;
}

/**
 * Pushes the perfect subtrees of [start, start + length), where start is a multiple of a power of
 * two larger than length (true for right-edge ranges and for [0, size)).
 */
function pushDecomposition(ids: NodeId[], start: number, length: number): void {
  let pos = start;
  for (let level = bitLength(length) - 1; level >= 0; level--) {
    if (shiftRight(length, level) % 2 === 1) {
      ids.push({ level, index: pos / POW2[level]! });
      pos += POW2[level]!;
    }
  }
}

/**
 * Appends to `out` the nodes on the audit path of leaf `index` in a tree of `size` leaves, from
 * level `fromLevel` up. Returns the [begin, end) range of the ephemeral node's pieces, if any.
 */
function pushAuditPath(out: NodeId[], index: number, size: number, fromLevel: number): [number, number] {
  const inner = bitLength(xor(index, size - 1));
  let begin = 0;
  let end = 0;
  for (let level = fromLevel; level < inner; level++) {
    const self = shiftRight(index, level);
    if (self % 2 === 1) {
      out.push({ level, index: self - 1 });
      continue;
    }
    const sibling = self + 1;
    const sibStart = sibling * POW2[level]!;
    if (sibStart + POW2[level]! <= size) {
      out.push({ level, index: sibling });
    } else {
      begin = out.length;
      pushDecomposition(out, sibStart, size - sibStart);
      end = out.length;
    }
  }
  for (let level = inner; ; level++) {
    const self = shiftRight(index, level);
    if (self === 0) break;
    if (self % 2 === 1) out.push({ level, index: self - 1 });
  }
  if (end - begin === 0) begin = end = out.length;
  return [begin, end];
}

/** The nodes of the inclusion proof for leaf `index` in the tree of `size` leaves. */
export function inclusionProofNodes(index: number, size: number): ProofNodes {
  checkSize(size);
  checkIndex(index, size);
  const ids: NodeId[] = [];
  const [begin, end] = pushAuditPath(ids, index, size, 0);
  return { ids, begin, end };
}

/**
 * The nodes of the consistency proof from the tree of `size1` leaves to the tree of `size2`.
 * size1 = size2 gives an empty proof; size1 = 0 is rejected (as `verifyConsistency` rejects it).
 */
export function consistencyProofNodes(size1: number, size2: number): ProofNodes {
  checkSize(size1, 'size1');
  checkSize(size2, 'size2');
  if (size2 < size1) throw new ScribaError('MERKLE_INVALID_SIZE', `size2 ${size2} < size1 ${size1}`);
  if (size1 === 0) {
    throw new ScribaError('MERKLE_INVALID_SIZE', 'consistency proof from the empty tree is meaningless');
  }
  if (size1 === size2) return { ids: [], begin: 0, end: 0 };
  const ids: NodeId[] = [];
  const shift = trailingZeros(size1);
  // Unless size1 is a power of two, the proof starts with the perfect subtree ending at size1.
  if (size1 !== POW2[shift]) ids.push({ level: shift, index: size1 / POW2[shift]! - 1 });
  const [begin, end] = pushAuditPath(ids, size1 - 1, size2, shift);
  return { ids, begin, end };
}

/**
 * Builds the proof from the hashes of `nodes.ids` (one 32-byte hash per id, same order), folding
 * the ephemeral node's pieces into one hash.
 */
export function assembleProof(nodes: ProofNodes, hashes: Uint8Array[]): Uint8Array[] {
  const { ids, begin, end } = nodes;
  if (!Array.isArray(hashes) || hashes.length !== ids.length) {
    throw new ScribaError('MERKLE_INVALID_PROOF_LENGTH', `expected ${ids.length} node hashes`);
  }
  if (
    !(
      Number.isSafeInteger(begin) &&
      Number.isSafeInteger(end) &&
      0 <= begin &&
      begin <= end &&
      end <= ids.length
    )
  ) {
    throw new ScribaError('INVALID_INPUT', 'proof nodes have an invalid ephemeral range');
  }
  for (let i = 0; i < hashes.length; i++) assertHash(hashes[i], `hashes[${i}]`);
  if (end - begin <= 1) return hashes.slice();
  const acc = new Uint8Array(HASH_SIZE);
  acc.set(hashes[end - 1]!);
  for (let j = end - 2; j >= begin; j--) nodeHashInto(hashes[j]!, acc, acc);
  return [...hashes.slice(0, begin), acc, ...hashes.slice(end)];
}
