/**
 * RFC 6962 interior-node folding for the server's tile arithmetic, on node:crypto (DESIGN.md
 * "Crypto": Node's one-shot hash for tile hashing). The SDK defines the hashing; this module only
 * folds a power-of-two run of stored hashes into their subtree root.
 */
import { createHash } from 'node:crypto';

const NODE_PREFIX = new Uint8Array([1]);

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest());
}

/**
 * Root of the perfect subtree whose 2^k bottom hashes are `tile[start..end)` (32 bytes each, in a
 * concatenated tile). `end - start` MUST be a power of two.
 */
export function foldPerfect(tile: Uint8Array, start: number, end: number): Uint8Array {
  const n = end - start;
  if (n <= 0 || (n & (n - 1)) !== 0 || tile.length < end * 32) {
    throw new Error(`cannot fold tile range [${start}, ${end}) of ${tile.length / 32} hashes`);
  }
  let level: Uint8Array[] = [];
  for (let i = start; i < end; i++) level.push(tile.subarray(i * 32, i * 32 + 32));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    level = next;
  }
  return level[0]!;
}
