/**
 * Interior nodes of stored tiles (C2SP tlog-tiles, RFC 6962 interior nodes), computed once per tile
 * and width and kept in bounded LRUs: every proof needs up to 255 node hashes per tile level, and
 * upper-level tiles are shared by all proofs, so with them cached the cost per proof stays nearly
 * flat as the tree grows. Full tiles are immutable, and a partial tile of width W is the first W
 * hashes of its row forever, so cached levels never go stale. The speed-up of `foldTileBytes` for
 * servers and tile clients that fold the same tiles again and again.
 */
import { ScribaError } from '../errors.js';
import { HASH_SIZE } from '../merkle/hash.js';
import { nodeHashInto } from '../merkle/sha256-node.js';
import { foldTileBytes } from './hash.js';
import { TILE_HEIGHT, TILE_WIDTH } from './layout.js';

/**
 * A tile's stored hashes and the interior nodes above them, in ONE buffer (so a cached tile costs
 * ~16 KiB, not hundreds of small objects): level j (0..8) holds floor(width / 2^j) hashes starting at
 * hash offset `offsets[j]`.
 */
export type TileLevels = { buf: Uint8Array; offsets: number[]; counts: number[] };

/**
 * The levels of a tile at `width` from its stored hashes. `narrower`: the same tile's levels at a
 * smaller width (its first hashes never change), whose complete nodes are copied, not hashed again:
 * a tile growing by a batch of k hashes costs ~k node hashes instead of ~2 x width.
 */
function levelsOf(
  tile: Uint8Array,
  width: number,
  narrower?: { levels: TileLevels; width: number },
): TileLevels {
  const counts: number[] = [];
  const offsets: number[] = [];
  let total = 0;
  for (let j = 0; j <= TILE_HEIGHT; j++) {
    offsets.push(total);
    counts.push(Math.floor(width / 2 ** j));
    total += counts[j]!;
  }
  const buf = new Uint8Array(total * HASH_SIZE);
  buf.set(tile.subarray(0, width * HASH_SIZE), 0);
  for (let j = 1; j <= TILE_HEIGHT; j++) {
    const below = offsets[j - 1]! * HASH_SIZE;
    const at = offsets[j]! * HASH_SIZE;
    // Nodes over the narrower width's hashes alone are the same nodes.
    let first = 0;
    if (narrower && narrower.width < width) {
      const from = narrower.levels.offsets[j]! * HASH_SIZE;
      first = narrower.levels.counts[j]!;
      buf.set(narrower.levels.buf.subarray(from, from + first * HASH_SIZE), at);
    }
    for (let i = first; i < counts[j]!; i++) {
      const l = below + 2 * i * HASH_SIZE;
      nodeHashInto(buf.subarray(l, l + HASH_SIZE), buf.subarray(l + HASH_SIZE), buf, at + i * HASH_SIZE);
    }
  }
  return { buf, offsets, counts };
}

/** Node `i` of level `j` of a tile's levels (a copy, so callers cannot alter the cache). */
function nodeAt(levels: TileLevels, j: number, i: number): Uint8Array {
  if (i >= levels.counts[j]!)
    throw new ScribaError('TILE_INVALID', `node ${i} of tile level ${j} is not complete`);
  const at = (levels.offsets[j]! + i) * HASH_SIZE;
  return levels.buf.slice(at, at + HASH_SIZE);
}

export type TileNodeCacheLimits = {
  /** Full level-0 tiles (one per 256 entries; random proofs over a big tree mostly miss). */
  level0?: number;
  /** Full tiles of level 1 and up (one per 65,536 entries; every proof uses them). */
  upper?: number;
  /** Partial tiles (the right edge of recent tree sizes). */
  partial?: number;
};

/**
 * Interior nodes of ONE log's tiles (keys are `level/index`, so a cache MUST NOT be shared between
 * logs), as bounded LRUs of ~16 KiB per tile.
 */
export class TileNodeCache {
  private readonly level0 = new Map<string, TileLevels>();
  private readonly upper = new Map<string, TileLevels>();
  private readonly partial = new Map<string, TileLevels>();
  /** The widest partial levels computed per tile (the next, wider ones extend them). */
  private readonly widestPartial = new Map<string, { levels: TileLevels; width: number }>();
  readonly limits: Required<TileNodeCacheLimits>;

  constructor(limits: TileNodeCacheLimits = {}) {
    this.limits = {
      level0: limits.level0 ?? 4096,
      upper: limits.upper ?? 16384,
      partial: limits.partial ?? 64,
    };
  }

  private slot(key: string, width: number): { map: Map<string, TileLevels>; k: string; limit: number } {
    if (width !== TILE_WIDTH) return { map: this.partial, k: `${key}@${width}`, limit: this.limits.partial };
    return key.startsWith('0/')
      ? { map: this.level0, k: key, limit: this.limits.level0 }
      : { map: this.upper, k: key, limit: this.limits.upper };
  }

  /** The cached levels of tile `key` at `width` (marked recently used), if any. */
  get(key: string, width: number): TileLevels | undefined {
    const { map, k } = this.slot(key, width);
    const levels = map.get(k);
    if (levels) {
      map.delete(k);
      map.set(k, levels);
    }
    return levels;
  }

  /** Levels of tile `key` at `width`, computed from `tile` on a miss (and kept if there is room). */
  levels(key: string, tile: Uint8Array, width: number): TileLevels {
    const { map, k, limit } = this.slot(key, width);
    const hit = this.get(key, width);
    if (hit) return hit;
    if (tile.length < width * HASH_SIZE)
      throw new ScribaError('TILE_INVALID', `tile ${key} is shorter than width ${width}`);
    const narrower = this.widestPartial.get(key);
    const levels = levelsOf(tile, width, narrower);
    if (width !== TILE_WIDTH && (!narrower || narrower.width < width)) {
      // Kept for as many tiles as partial levels are; a full tile needs its partial ones no more.
      this.widestPartial.delete(key);
      if (this.widestPartial.size >= this.limits.partial)
        this.widestPartial.delete(this.widestPartial.keys().next().value!);
      if (this.limits.partial > 0) this.widestPartial.set(key, { levels, width });
    } else if (width === TILE_WIDTH) this.widestPartial.delete(key);
    if (limit > 0) {
      if (map.size >= limit) map.delete(map.keys().next().value!);
      map.set(k, levels);
    }
    return levels;
  }
}

function checkAligned(start: number, end: number): number {
  const n = end - start;
  if (!Number.isInteger(start) || n <= 0 || (n & (n - 1)) !== 0 || start % n !== 0)
    throw new ScribaError('TILE_INVALID', `cannot fold tile range [${start}, ${end})`);
  return n;
}

/** Hash of the node covering stored hashes [start, end) of a tile, from its levels. */
export function nodeFromLevels(levels: TileLevels, start: number, end: number): Uint8Array {
  const j = Math.log2(checkAligned(start, end));
  return nodeAt(levels, j, start >> j);
}

/**
 * Hash of the node covering stored hashes [start, end) of tile `key` at `width`: from the cache's
 * interior nodes when a cache is given, else folded directly (`foldTileBytes`).
 */
export function cachedTileNodeHash(
  key: string,
  tile: Uint8Array,
  width: number,
  start: number,
  end: number,
  cache?: TileNodeCache,
): Uint8Array {
  if (end > width)
    throw new ScribaError('TILE_INVALID', `cannot fold tile range [${start}, ${end}) of width ${width}`);
  if (!cache) {
    checkAligned(start, end);
    return foldTileBytes(tile, start, end);
  }
  return nodeFromLevels(cache.levels(key, tile, width), start, end);
}
