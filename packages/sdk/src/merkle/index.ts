/**
 * Merkle trees per RFC 6962 / RFC 9162 (SHA-256): hashing, roots, inclusion and consistency proof
 * verification, proof construction as node ids, compact ranges for incremental roots, and the
 * proofs of just-appended leaves from a compact range.
 */
export { AppendedProofs } from './appended-proofs.js';
export { CompactRange, type NodeVisitor, rootFromLeafHashes } from './compact.js';
export { EMPTY_ROOT, hashChildren, hashLeaf, hashLeafInto } from './hash.js';
export {
  assembleProof,
  consistencyProofNodes,
  inclusionProofNodes,
  type NodeId,
  type ProofNodes,
  rangeNodes,
} from './proof.js';
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './verify.js';
