/**
 * Hashing over C2SP tlog-tiles tiles (https://c2sp.org/tlog-tiles): a tile's bytes are its hashes
 * concatenated (32 bytes each); a node inside a tile is the RFC 6962 Merkle root of a power-of-two
 * run of its stored hashes; the hash stored one tile level up for a full tile is the root of all
 * 256 of them. A partial tile MUST NOT be hashed into the level above.
 */
import { ScribaError } from '../errors.js';
import { HASH_SIZE } from '../merkle/hash.js';
import { nodeHashInto } from '../merkle/sha256-node.js';
import { TILE_WIDTH } from './layout.js';

/** Splits tile bytes into hashes. Throws TILE_INVALID unless it is 1..256 whole hashes (or exactly `width`). */
export function decodeTile(data: Uint8Array, width?: number): Uint8Array[] {
  if (!(data instanceof Uint8Array) || data.length % HASH_SIZE !== 0) {
    throw new ScribaError('TILE_INVALID', 'tile data must be a whole number of 32-byte hashes');
  }
  const n = data.length / HASH_SIZE;
  if (n < 1 || n > TILE_WIDTH || (width !== undefined && n !== width)) {
    throw new ScribaError('TILE_INVALID', `tile has ${n} hashes, want ${width ?? '1..256'}`);
  }
  const out: Uint8Array[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = data.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE);
  return out;
}

/** Concatenates 1..256 hashes into tile bytes. */
export function encodeTile(hashes: Uint8Array[]): Uint8Array {
  if (!Array.isArray(hashes) || hashes.length < 1 || hashes.length > TILE_WIDTH) {
    throw new ScribaError('TILE_INVALID', 'a tile holds 1..256 hashes');
  }
  const out = new Uint8Array(hashes.length * HASH_SIZE);
  hashes.forEach((h, i) => {
    checkHash(h);
    out.set(h, i * HASH_SIZE);
  });
  return out;
}

function checkHash(h: unknown): asserts h is Uint8Array {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    throw new ScribaError('TILE_INVALID', 'tile hashes must be 32-byte arrays');
  }
}

/**
 * Merkle root of the perfect subtree over stored hashes [start, end) of a tile given as its bytes
 * (hashes concatenated, as stored and served); end - start MUST be a power of two. The one fold of
 * tile hashes: pairwise reduction, level by level, in one scratch buffer with the allocation-free
 * node hasher (the integrator, proof building and clients all use it).
 */
export function foldTileBytes(tile: Uint8Array, start: number, end: number): Uint8Array {
  const span = end - start;
  if (
    !(tile instanceof Uint8Array) ||
    !Number.isInteger(start) ||
    !Number.isInteger(end) ||
    start < 0 ||
    span < 1 ||
    (span & (span - 1)) !== 0 ||
    tile.length < end * HASH_SIZE
  ) {
    throw new ScribaError(
      'TILE_INVALID',
      `cannot fold tile range [${start}, ${end}) of ${Math.floor((tile?.length ?? 0) / HASH_SIZE)} hashes`,
    );
  }
  if (span === 1) return tile.slice(start * HASH_SIZE, end * HASH_SIZE);
  const buf = new Uint8Array((span / 2) * HASH_SIZE);
  for (let i = 0; i < span; i += 2) {
    const at = (start + i) * HASH_SIZE;
    nodeHashInto(tile.subarray(at, at + HASH_SIZE), tile.subarray(at + HASH_SIZE), buf, (i / 2) * HASH_SIZE);
  }
  for (let n = span / 2; n > 1; n /= 2) {
    for (let i = 0; i < n; i += 2) {
      nodeHashInto(buf.subarray(i * HASH_SIZE), buf.subarray((i + 1) * HASH_SIZE), buf, (i / 2) * HASH_SIZE);
    }
  }
  return buf.slice(0, HASH_SIZE);
}

/**
 * Merkle root of the stored hashes [start, end) of a tile; end - start MUST be a power of two and
 * start a multiple of it (a complete node, as returned by `nodeTileLocation`).
 */
export function tileNodeHash(hashes: Uint8Array[], start: number, end: number): Uint8Array {
  const span = end - start;
  if (
    !Array.isArray(hashes) ||
    !Number.isInteger(start) ||
    !Number.isInteger(end) ||
    start < 0 ||
    end > hashes.length ||
    span < 1 ||
    (span & (span - 1)) !== 0 ||
    start % span !== 0
  ) {
    throw new ScribaError(
      'TILE_INVALID',
      `[${start}, ${end}) is not a complete node of a tile with ${hashes?.length} hashes`,
    );
  }
  const bytes = new Uint8Array(span * HASH_SIZE);
  for (let i = 0; i < span; i++) {
    const h = hashes[start + i];
    checkHash(h);
    bytes.set(h, i * HASH_SIZE);
  }
  return foldTileBytes(bytes, 0, span);
}

/** The hash stored one tile level up for a full tile: the Merkle root of its 256 hashes. */
export function tileHashesToParentHash(hashes: Uint8Array[]): Uint8Array {
  if (!Array.isArray(hashes) || hashes.length !== TILE_WIDTH) {
    throw new ScribaError('TILE_INVALID', `a parent hash needs a full tile of ${TILE_WIDTH} hashes`);
  }
  return tileNodeHash(hashes, 0, TILE_WIDTH);
}
