/**
 * RFC 6962 §2.1 / RFC 9162 §2.1.1 Merkle tree hashing with SHA-256: a leaf hash is
 * SHA-256(0x00 || data), an interior node is SHA-256(0x01 || left || right), and the root of the
 * empty tree is SHA-256 of the empty string.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { nativePrefixedSha256, nativePrefixedSha256Into } from '../crypto/native.js';
import { ScribaError } from '../errors.js';
import { nodeHashInto } from './sha256-node.js';

/** Length in bytes of every hash in the tree. */
export const HASH_SIZE = 32;

/** Root of the empty tree: SHA-256(""). */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/**
 * SHA-256(0x00 || data): the hash of a leaf. With native crypto handed in (crypto/native.ts; the
 * default in Node) OpenSSL hashes it, ~3x faster than @noble/hashes; otherwise @noble/hashes.
 * (Interior nodes stay on ./sha256-node.ts: for a fixed 65-byte message it beats a native call.)
 */
export function hashLeaf(data: Uint8Array): Uint8Array {
  return nativePrefixedSha256(LEAF_PREFIX, data) ?? sha256.create().update(LEAF_PREFIX).update(data).digest();
}
const LEAF_PREFIX = new Uint8Array([0]);

/**
 * SHA-256(0x00 || data) written into `out[offset .. offset + 32)`: `hashLeaf` without a new array
 * per leaf (a monitor hashes millions in a row). `out` MUST have room for 32 bytes at `offset`.
 */
export function hashLeafInto(data: Uint8Array, out: Uint8Array, offset: number): void {
  if (!nativePrefixedSha256Into(LEAF_PREFIX, data, out, offset)) out.set(hashLeaf(data), offset);
}

/** SHA-256(0x01 || left || right): the hash of an interior node. Both inputs MUST be 32 bytes. */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  assertHash(left, 'left');
  assertHash(right, 'right');
  const out = new Uint8Array(HASH_SIZE);
  nodeHashInto(left, right, out);
  return out;
}

/** Throws MERKLE_INVALID_HASH unless `h` is a 32-byte Uint8Array. */
export function assertHash(h: unknown, what: string): asserts h is Uint8Array {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    throw new ScribaError('MERKLE_INVALID_HASH', `${what} must be a ${HASH_SIZE}-byte Uint8Array`);
  }
}

/** Constant-structure equality of two 32-byte hashes. */
export function hashEquals(a: Uint8Array, b: Uint8Array): boolean {
  let diff = 0;
  for (let i = 0; i < HASH_SIZE; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
