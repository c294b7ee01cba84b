/**
 * C2SP tlog-tiles index math (https://c2sp.org/tlog-tiles): which tiles a tree of a given size has,
 * which tiles an append rewrites, and in which tile (and which hashes of it) any Merkle tree node
 * lives. This is the one pure module for tile arithmetic; the server and clients MUST NOT redo it.
 *
 * Tiles have height 8: the n-th tile at level l holds the hashes of the 256 nodes at Merkle level
 * 8·l with indices n·256 .. n·256+255 (a "stored hash" is such a node hash). A partial tile (width
 * 1..255) is the rightmost tile of a level whose node count is not a multiple of 256; the partial
 * tile at level l of a tree of size s has floor(s / 256^l) mod 256 hashes.
 */
import { ScribaError } from '../errors.js';
import type { NodeId } from '../merkle/proof.js';

/** Levels of the Merkle tree covered by one tile. */
export const TILE_HEIGHT = 8;
/** Hashes in a full tile (2^TILE_HEIGHT). */
export const TILE_WIDTH = 256;
/** The highest tile level the spec allows in a path. */
export const MAX_TILE_LEVEL = 63;

/** A tile: level, index within the level, width (1..256; 256 = full). */
export type TileId = { level: number; index: number; width: number };

/** Where a node's hash comes from: the Merkle root of `tile`'s stored hashes [start, end). */
export type NodeTileLocation = { tile: TileId; start: number; end: number };

const POW256: readonly number[] = Array.from({ length: 7 }, (_, i) => 256 ** i); // 256^6 = 2^48

function checkTreeSize(size: unknown, what = 'tree size'): asserts size is number {
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new ScribaError('MERKLE_INVALID_SIZE', `${what} must be a safe non-negative integer`);
  }
}

/** Throws TILE_INVALID unless `tile` is a well-formed TileId. */
export function checkTileId(tile: unknown): asserts tile is TileId {
  const t = tile as TileId | null;
  if (
    typeof t !== 'object' ||
    t === null ||
    !Number.isInteger(t.level) ||
    t.level < 0 ||
    t.level > MAX_TILE_LEVEL ||
    !Number.isSafeInteger(t.index) ||
    t.index < 0 ||
    !Number.isInteger(t.width) ||
    t.width < 1 ||
    t.width > TILE_WIDTH
  ) {
    throw new ScribaError('TILE_INVALID', 'tile must have level 0..63, a safe index >= 0 and width 1..256');
  }
}

/** Number of stored hashes at tile level `level` in a tree of `size` leaves: floor(size / 256^level). */
export function storedHashCount(level: number, size: number): number {
  if (level >= POW256.length) return 0; // 256^7 = 2^56 exceeds every safe tree size
  return Math.floor(size / POW256[level]!);
}

/** Width (1..256) of tile `index` at `level` in a tree of `size` leaves, or 0 if it has no hashes. */
export function tileWidth(level: number, index: number, size: number): number {
  const count = storedHashCount(level, size);
  const full = Math.floor(count / TILE_WIDTH);
  if (index < full) return TILE_WIDTH;
  if (index === full) return count % TILE_WIDTH;
  return 0;
}

/**
 * The tile holding the hash of `node` in a tree of `treeSize` leaves: a node of level L lives in tile
 * level floor(L / 8), and its hash is the Merkle root of 2^(L mod 8) consecutive stored hashes
 * [start, end) of that tile. The tile's width is the one it has at `treeSize`. The node MUST be a
 * complete subtree of that tree (MERKLE_INVALID_INDEX otherwise).
 */
export function nodeTileLocation(node: NodeId, treeSize: number): NodeTileLocation {
  checkTreeSize(treeSize);
  const { level, index } = node ?? ({} as NodeId);
  if (!Number.isInteger(level) || level < 0 || level > 53 || !Number.isSafeInteger(index) || index < 0) {
    throw new ScribaError('MERKLE_INVALID_INDEX', 'node must have an integer level and a safe index >= 0');
  }
  if ((index + 1) * 2 ** level > treeSize) {
    throw new ScribaError(
      'MERKLE_INVALID_INDEX',
      `node ${level}/${index} is not complete in a tree of size ${treeSize}`,
    );
  }
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const span = 2 ** (level % TILE_HEIGHT);
  const first = index * span; // index of the first stored hash within the tile level
  const tileIndex = Math.floor(first / TILE_WIDTH);
  const start = first % TILE_WIDTH;
  const width = tileWidth(tileLevel, tileIndex, treeSize);
  return { tile: { level: tileLevel, index: tileIndex, width }, start, end: start + span };
}

/**
 * Every tile of a tree of `size` leaves, level by level, full tiles first then the partial one
 * (if any). Size 0 has no tiles. The list grows as size / 255: use it for small trees or tests.
 */
export function tilesForTreeSize(size: number): TileId[] {
  checkTreeSize(size);
  return tilesBetween(0, size);
}

/**
 * The tiles that exist at `newSize` and differ from (or did not exist at) `oldSize`: per level, the
 * tile that was partial or empty at oldSize and every later tile, each with its width at newSize.
 * These are exactly the tiles an integrator writes when growing the tree from oldSize to newSize.
 */
export function tilesTouchedByAppend(oldSize: number, newSize: number): TileId[] {
  checkTreeSize(oldSize, 'old size');
  checkTreeSize(newSize, 'new size');
  if (newSize < oldSize)
    throw new ScribaError('MERKLE_INVALID_SIZE', `new size ${newSize} < old size ${oldSize}`);
  return tilesBetween(oldSize, newSize);
}

function tilesBetween(oldSize: number, newSize: number): TileId[] {
  const out: TileId[] = [];
  for (let level = 0; level < POW256.length; level++) {
    const newCount = storedHashCount(level, newSize);
    if (newCount === 0) break;
    const oldCount = storedHashCount(level, oldSize);
    if (newCount === oldCount) continue;
    const firstIndex = Math.floor(oldCount / TILE_WIDTH);
    const endIndex = Math.ceil(newCount / TILE_WIDTH);
    for (let index = firstIndex; index < endIndex; index++) {
      out.push({ level, index, width: Math.min(TILE_WIDTH, newCount - index * TILE_WIDTH) });
    }
  }
  return out;
}
