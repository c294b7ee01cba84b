/**
 * RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) proof verification, with the edge cases
 * of transparency-dev/merkle: an index MUST be below the tree size, a proof MUST have exactly the
 * length its (index, size) or (size1, size2) implies, a consistency proof from size 0 is rejected
 * (it proves nothing), and equal sizes need an empty proof and equal roots. Every failure throws a
 * ScribaError with a MERKLE_* code; nothing is returned on failure.
 *
 * The chaining loops hash into one scratch buffer (no allocation per level), which is what makes
 * verification at tree size 2^40 (40 interior hashes) cheap.
 */
import { bytesEqual } from '../encoding.js';
import { ScribaError } from '../errors.js';
import { bitLength, popcount, shiftRight, trailingZeros, xor } from './bits.js';
import { assertHash, hashEquals } from './hash.js';
import { nodeHashInto } from './sha256-node.js';
import { checkIndex, checkProof, checkSize } from './validate.js';

/**
 * Root implied by an inclusion proof for `leafHash` at `index` in a tree of `size` leaves.
 * Throws on invalid input or a proof of the wrong length; does not compare against any root.
 */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: Uint8Array[],
): Uint8Array {
  checkSize(size);
  checkIndex(index, size);
  assertHash(leafHash, 'leaf hash');
  checkProof(proof);
  const inner = bitLength(xor(index, size - 1));
  const border = popcount(shiftRight(index, inner));
  if (proof.length !== inner + border) {
    throw new ScribaError(
      'MERKLE_INVALID_PROOF_LENGTH',
      `inclusion proof has ${proof.length} hashes, want ${inner + border}`,
    );
  }
  const acc = leafHash.slice();
  let idx = index;
  for (let i = 0; i < inner; i++) {
    const bit = idx % 2;
    if (bit === 0) nodeHashInto(acc, proof[i]!, acc);
    else nodeHashInto(proof[i]!, acc, acc);
    idx = (idx - bit) / 2;
  }
  for (let i = inner; i < proof.length; i++) nodeHashInto(proof[i]!, acc, acc);
  return acc;
}

/** Verifies that `leafHash` is at `index` in the tree of `size` leaves whose root is `root`. */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: Uint8Array[],
  root: Uint8Array,
): void {
  assertHash(root, 'root');
  const got = rootFromInclusionProof(index, size, leafHash, proof);
  if (!hashEquals(got, root)) {
    throw new ScribaError('MERKLE_ROOT_MISMATCH', 'inclusion proof does not lead to the given root');
  }
}

/**
 * Verifies that the tree of `size2` leaves with root `root2` extends the tree of `size1` leaves with
 * root `root1`, using an RFC 9162 consistency proof.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  checkSize(size1, 'size1');
  checkSize(size2, 'size2');
  checkProof(proof);
  if (size2 < size1) throw new ScribaError('MERKLE_INVALID_SIZE', `size2 ${size2} < size1 ${size1}`);
  if (size1 === 0) {
    // RFC 9162 leaves size1 = 0 undefined; every tree extends the empty one, so such a proof
    // carries no information and is rejected rather than silently accepted.
    throw new ScribaError('MERKLE_INVALID_SIZE', 'consistency proof from the empty tree is meaningless');
  }
  if (size1 === size2) {
    // Same tree: the roots only need to be byte-identical (transparency-dev/merkle does not look at
    // their length here either, and its vectors expect that).
    if (!(root1 instanceof Uint8Array) || !(root2 instanceof Uint8Array)) {
      throw new ScribaError('MERKLE_INVALID_HASH', 'roots must be Uint8Arrays');
    }
    if (proof.length !== 0) {
      throw new ScribaError('MERKLE_INVALID_PROOF_LENGTH', 'size1 = size2 but the proof is not empty');
    }
    if (!bytesEqual(root1, root2))
      throw new ScribaError('MERKLE_ROOT_MISMATCH', 'size1 = size2 but roots differ');
    return;
  }
  assertHash(root1, 'root1');
  assertHash(root2, 'root2');
  // The proof is the suffix, from level `shift` up, of the inclusion proof of leaf size1 - 1 in the
  // tree of size2, preceded by the hash of the perfect subtree [size1 - 2^shift, size1) unless that
  // subtree is the whole size1 tree (then it is root1 itself).
  const shift = trailingZeros(size1);
  const inner = bitLength(xor(size1 - 1, size2 - 1)) - shift;
  const border = popcount(shiftRight(size1 - 1, inner + shift));
  const start = size1 === 2 ** shift ? 0 : 1;
  if (proof.length !== start + inner + border) {
    throw new ScribaError(
      'MERKLE_INVALID_PROOF_LENGTH',
      `consistency proof has ${proof.length} hashes, want ${start + inner + border}`,
    );
  }
  const seed = start === 0 ? root1 : proof[0]!;
  const hash1 = seed.slice();
  const hash2 = seed.slice();
  let mask = shiftRight(size1 - 1, shift);
  for (let i = 0; i < inner; i++) {
    const p = proof[start + i]!;
    const bit = mask % 2;
    if (bit === 1) {
      nodeHashInto(p, hash1, hash1);
      nodeHashInto(p, hash2, hash2);
    } else {
      nodeHashInto(hash2, p, hash2);
    }
    mask = (mask - bit) / 2;
  }
  for (let i = start + inner; i < proof.length; i++) {
    nodeHashInto(proof[i]!, hash1, hash1);
    nodeHashInto(proof[i]!, hash2, hash2);
  }
  if (!hashEquals(hash1, root1)) {
    throw new ScribaError('MERKLE_ROOT_MISMATCH', 'consistency proof does not lead to root1');
  }
  if (!hashEquals(hash2, root2)) {
    throw new ScribaError('MERKLE_ROOT_MISMATCH', 'consistency proof does not lead to root2');
  }
}
