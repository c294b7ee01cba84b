/**
 * The integrator (Tessera's split: sequencing assigns indices, integration updates the tree): a pure
 * function from (old tree size, the stored right-edge tiles, new leaf hashes) to (new size, new root,
 * the tiles that changed), in C2SP tlog-tiles layout (tile height 8: a level-L tile stores the
 * hashes of tree level 8L; when a tile fills, its root becomes the next stored hash one tile level up).
 * Tiles are handled as concatenated 32-byte hashes, the way they are stored. The tree's right edge
 * is a compact range (merkle/compact.ts): each new leaf merges into it, and the nodes it completes at
 * tree levels 0, 8, 16, … are the new stored hashes. The range is carried from one integrate to the
 * next (`range`), else built by folding the stored right-edge tiles, as `rootFromTiles` (the tile
 * client's root rebuild) does. Which tiles change is the layout's `tilesTouchedByAppend`; which tiles
 * must be read is `rightEdgeTiles`.
 */
import { ScribaError } from '../errors.js';
import { AppendedProofs } from '../merkle/appended-proofs.js';
import { CompactRange } from '../merkle/compact.js';
import { HASH_SIZE } from '../merkle/hash.js';
import { rangeNodes } from '../merkle/proof.js';
import { foldTileBytes } from './hash.js';
import {
  nodeTileLocation,
  storedHashCount,
  TILE_HEIGHT,
  TILE_WIDTH,
  type TileId,
  tilesTouchedByAppend,
} from './layout.js';

/** A tile row as stored: its hashes concatenated (a partial row holds `width` hashes). */
export type StoredTile = { level: number; index: number; hashes: Uint8Array };

/** The map key of a tile: `level/index`. */
export function tileKey(level: number, index: number): string {
  return `${level}/${index}`;
}

/** The partial (width 1..255) right-edge tiles of a tree of `size`: what the integrator must read. */
export function rightEdgeTiles(size: number): TileId[] {
  const out: TileId[] = [];
  for (let level = 0; ; level++) {
    const count = storedHashCount(level, size);
    if (count === 0) break;
    const width = count % TILE_WIDTH;
    if (width > 0) out.push({ level, index: Math.floor(count / TILE_WIDTH), width });
  }
  return out;
}

/** Root hash of the tree of `size` from its tiles (only right-edge tiles are consulted). */
export function rootFromTiles(
  size: number,
  getTile: (level: number, index: number) => Uint8Array,
): Uint8Array {
  return rangeFromTiles(size, getTile).root();
}

/** The compact range of the tree of `size`: its perfect subtrees folded from the right-edge tiles. */
function rangeFromTiles(size: number, getTile: (level: number, index: number) => Uint8Array): CompactRange {
  const hashes = rangeNodes(size).map((n) => {
    const loc = nodeTileLocation(n, size);
    return foldTileBytes(getTile(loc.tile.level, loc.tile.index), loc.start, loc.end);
  });
  return CompactRange.fromHashes(size, hashes);
}

export type IntegrationResult = {
  newSize: number;
  rootHash: Uint8Array;
  /** The tiles `tilesTouchedByAppend(oldSize, newSize)` lists, with their hashes. */
  changed: StoredTile[];
  /** Every right-edge tile of the new size (rightEdgeTiles(newSize)): what the next append reads. */
  edge: StoredTile[];
  /** The new size's compact range: give it to the next integrate of this tree to spare its folds. */
  range: CompactRange;
  /** The appended leaves' inclusion proofs at the new size (computed when asked, from memory). */
  proofs: AppendedProofs;
};

/** A tile level's right edge while integrating: the stored row's first `width` hashes, then `added`. */
type EdgeLevel = { index: number; width: number; row: Uint8Array; added: Uint8Array[] };

/** The level's row: its stored hashes and the added ones, concatenated. */
function rowOf(l: EdgeLevel): Uint8Array {
  const out = new Uint8Array((l.width + l.added.length) * HASH_SIZE);
  out.set(l.row.subarray(0, l.width * HASH_SIZE), 0);
  for (let i = 0; i < l.added.length; i++) out.set(l.added[i]!, (l.width + i) * HASH_SIZE);
  return out;
}

/**
 * Appends `leafHashes` to the tree of `oldSize`. `stored` MUST contain every tile listed by
 * rightEdgeTiles(oldSize) (longer rows are fine: only the first `width` hashes are used).
 * `range`: the compact range of this tree at `oldSize` (a previous integrate's; one of another size
 * is not used; it is not modified), so that the stored right edge need not be folded again.
 */
export function integrate(
  oldSize: number,
  stored: StoredTile[],
  leafHashes: Uint8Array[],
  range?: CompactRange,
): IntegrationResult {
  const byKey = new Map(stored.map((t) => [tileKey(t.level, t.index), t.hashes]));
  const levels: EdgeLevel[] = [];
  let count = oldSize;
  for (let level = 0; count > 0; level++) {
    const index = Math.floor(count / TILE_WIDTH);
    const width = count % TILE_WIDTH;
    let row: Uint8Array = EMPTY_ROW;
    if (width > 0) {
      const found = byKey.get(tileKey(level, index));
      if (!found || found.length < width * HASH_SIZE) {
        throw new ScribaError(
          'TILE_NOT_FOUND',
          `integrate: missing stored tile ${tileKey(level, index)} (width ${width})`,
        );
      }
      row = found;
    }
    levels.push({ index, width, row, added: [] });
    count = index;
  }
  const tree =
    range?.size === oldSize
      ? range.clone()
      : rangeFromTiles(oldSize, (level, index) => byKey.get(tileKey(level, index)) ?? EMPTY_ROW);
  // Full tiles completed by this append, by key.
  const full = new Map<string, Uint8Array>();
  // A node the range completes at tree level 8L is the next stored hash of tile level L.
  const store = (level: number, hash: Uint8Array): void => {
    let cur = levels[level];
    if (!cur) {
      cur = { index: 0, width: 0, row: EMPTY_ROW, added: [] };
      levels[level] = cur;
    }
    cur.added.push(hash);
    if (cur.width + cur.added.length === TILE_WIDTH) {
      full.set(tileKey(level, cur.index), rowOf(cur));
      levels[level] = { index: cur.index + 1, width: 0, row: EMPTY_ROW, added: [] };
    }
  };
  // Checks every leaf hash (MERKLE_INVALID_HASH) before any is appended.
  const proofs = new AppendedProofs(tree, leafHashes);
  for (const h of leafHashes) {
    tree.append(h, (id, hash) => {
      if (id.level % TILE_HEIGHT === 0) store(id.level / TILE_HEIGHT, hash);
    });
  }
  const newSize = oldSize + leafHashes.length;
  const edgeRows = new Map<string, Uint8Array>();
  const edgeTiles: StoredTile[] = [];
  levels.forEach((l, level) => {
    if (l.width + l.added.length > 0) {
      const hashes = l.added.length > 0 ? rowOf(l) : l.row.slice(0, l.width * HASH_SIZE);
      edgeRows.set(tileKey(level, l.index), hashes);
      edgeTiles.push({ level, index: l.index, hashes });
    }
  });
  const changed = tilesTouchedByAppend(oldSize, newSize).map((t): StoredTile => {
    const key = tileKey(t.level, t.index);
    const hashes = t.width === TILE_WIDTH ? full.get(key) : edgeRows.get(key);
    if (!hashes || hashes.length !== t.width * HASH_SIZE) {
      throw new ScribaError('TILE_INVALID', `integrate: tile ${key} (width ${t.width}) was not produced`);
    }
    return { level: t.level, index: t.index, hashes };
  });
  return { newSize, rootHash: tree.root(), changed, edge: edgeTiles, range: tree, proofs };
}

const EMPTY_ROW = new Uint8Array(0);
