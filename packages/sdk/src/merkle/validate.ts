/**
 * Input validation shared by the RFC 9162 proof functions. Tree sizes and indices arrive from the
 * network (JSON, checkpoints), so they MUST be checked to be safe non-negative integers before any
 * arithmetic; every failure is a coded ScribaError.
 */
import { ScribaError } from '../errors.js';
import { assertHash } from './hash.js';

/** Throws MERKLE_INVALID_SIZE unless `size` is a safe non-negative integer. */
export function checkSize(size: unknown, what = 'tree size'): asserts size is number {
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new ScribaError('MERKLE_INVALID_SIZE', `${what} must be a safe non-negative integer`);
  }
}

/** Throws MERKLE_INVALID_INDEX unless `index` is a safe integer in [0, size). */
export function checkIndex(index: unknown, size: number): asserts index is number {
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) {
    throw new ScribaError('MERKLE_INVALID_INDEX', 'leaf index must be a safe non-negative integer');
  }
  if (index >= size) {
    throw new ScribaError('MERKLE_INVALID_INDEX', `leaf index ${index} is not below tree size ${size}`);
  }
}

/** Throws unless `proof` is an array of 32-byte hashes (INVALID_INPUT / MERKLE_INVALID_HASH). */
export function checkProof(proof: unknown): asserts proof is Uint8Array[] {
  if (!Array.isArray(proof)) throw new ScribaError('INVALID_INPUT', 'proof must be an array of hashes');
  for (let i = 0; i < proof.length; i++) assertHash(proof[i], `proof[${i}]`);
}
