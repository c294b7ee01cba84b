/**
 * The integrator (Tessera's split: sequencing assigns indices, integration updates the tree): a pure
 * function from (old tree size, the stored right-edge tiles, new leaf hashes) to (new size, new root,
 * the tiles that changed), in C2SP tlog-tiles layout (tile height 8: a level-L tile stores the
 * hashes of tree level 8L; when a tile fills, its root becomes the next stored hash one tile level up).
 * Tiles are handled as concatenated 32-byte hashes, the way they are stored. `rootFromTiles` is also
 * the tile client's root rebuild. Which tiles change is
 * the layout's `tilesTouchedByAppend`; which tiles must be read is `rightEdgeTiles`.
 */
import { ScribaError } from '../errors.js';
import { EMPTY_ROOT, HASH_SIZE, hashChildren } from '../merkle/hash.js';
import { rangeNodes } from '../merkle/proof.js';
import { foldTileBytes } from './hash.js';
import {
  nodeTileLocation,
  storedHashCount,
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
  if (size === 0) return EMPTY_ROOT.slice();
  // The perfect subtrees of the size's binary decomposition, left to right.
  const nodes = rangeNodes(size).map((n) => {
    const loc = nodeTileLocation(n, size);
    return foldTileBytes(getTile(loc.tile.level, loc.tile.index), loc.start, loc.end);
  });
  let acc = nodes[nodes.length - 1]!;
  for (let i = nodes.length - 2; i >= 0; i--) acc = hashChildren(nodes[i]!, acc);
  return acc;
}

export type IntegrationResult = {
  newSize: number;
  rootHash: Uint8Array;
  /** The tiles `tilesTouchedByAppend(oldSize, newSize)` lists, with their hashes. */
  changed: StoredTile[];
  /** Every right-edge tile of the new size (rightEdgeTiles(newSize)): what the next append reads. */
  edge: StoredTile[];
};

function concat(hashes: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(hashes.length * HASH_SIZE);
  for (let i = 0; i < hashes.length; i++) out.set(hashes[i]!, i * HASH_SIZE);
  return out;
}

/**
 * Appends `leafHashes` to the tree of `oldSize`. `stored` MUST contain every tile listed by
 * rightEdgeTiles(oldSize) (longer rows are fine: only the first `width` hashes are used).
 */
export function integrate(
  oldSize: number,
  stored: StoredTile[],
  leafHashes: Uint8Array[],
): IntegrationResult {
  const byKey = new Map(stored.map((t) => [tileKey(t.level, t.index), t.hashes]));
  // Current right-edge tile per level, as a growable array of hashes.
  const edge: { index: number; hashes: Uint8Array[] }[] = [];
  let count = oldSize;
  for (let level = 0; count > 0; level++) {
    const index = Math.floor(count / TILE_WIDTH);
    const width = count % TILE_WIDTH;
    const hashes: Uint8Array[] = [];
    if (width > 0) {
      const row = byKey.get(tileKey(level, index));
      if (!row || row.length < width * HASH_SIZE) {
        throw new ScribaError(
          'TILE_NOT_FOUND',
          `integrate: missing stored tile ${tileKey(level, index)} (width ${width})`,
        );
      }
      for (let i = 0; i < width; i++) hashes.push(row.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE));
    }
    edge.push({ index, hashes });
    count = index;
  }
  // Full tiles completed by this append, by key.
  const full = new Map<string, Uint8Array>();
  const push = (level: number, hash: Uint8Array): void => {
    let cur = edge[level];
    if (!cur) {
      cur = { index: 0, hashes: [] };
      edge[level] = cur;
    }
    cur.hashes.push(hash);
    if (cur.hashes.length === TILE_WIDTH) {
      const row = concat(cur.hashes);
      full.set(tileKey(level, cur.index), row);
      edge[level] = { index: cur.index + 1, hashes: [] };
      push(level + 1, foldTileBytes(row, 0, TILE_WIDTH));
    }
  };
  for (const h of leafHashes) {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE)
      throw new ScribaError('MERKLE_INVALID_HASH', 'integrate: leaf hash must be 32 bytes');
    push(0, h);
  }
  const newSize = oldSize + leafHashes.length;
  const edgeRows = new Map<string, Uint8Array>();
  const edgeTiles: StoredTile[] = [];
  edge.forEach((t, level) => {
    if (t.hashes.length > 0) {
      const hashes = concat(t.hashes);
      edgeRows.set(tileKey(level, t.index), hashes);
      edgeTiles.push({ level, index: t.index, hashes });
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
  const rootHash = rootFromTiles(newSize, (level, index) => {
    const row = edgeRows.get(tileKey(level, index));
    if (!row)
      throw new ScribaError('TILE_NOT_FOUND', `integrate: right-edge tile ${tileKey(level, index)} missing`);
    return row;
  });
  return { newSize, rootHash, changed, edge: edgeTiles };
}
