/**
 * Inclusion and consistency proofs (RFC 9162 §2.1.3, §2.1.4) built from stored tiles: the Merkle
 * module says which nodes a proof needs (inclusionProofNodes / consistencyProofNodes), the layout
 * says where each node lives (nodeTileLocation); this module fetches those tiles in one call, folds
 * each node's hashes (through a TileNodeCache when given), and assembles the proof (assembleProof
 * folds the ephemeral right-edge node). A log builds its proofs with it; so can any tile client.
 */
import { ScribaError } from '../errors.js';
import {
  assembleProof,
  consistencyProofNodes,
  inclusionProofNodes,
  type ProofNodes,
} from '../merkle/proof.js';
import { tileKey } from './integrate.js';
import { nodeTileLocation, type TileId } from './layout.js';
import { cachedTileNodeHash, nodeFromLevels, type TileLevels, type TileNodeCache } from './node-cache.js';

/** Fetches tile rows by (level, index); the map is keyed by `tileKey`, missing tiles absent. */
export type TileGetter = (keys: { level: number; index: number }[]) => Promise<Map<string, Uint8Array>>;

async function proofFromNodes(
  nodes: ProofNodes,
  size: number,
  getTiles: TileGetter,
  cache?: TileNodeCache,
): Promise<Uint8Array[]> {
  const locs = nodes.ids.map((id) => nodeTileLocation(id, size));
  // Tiles whose interior nodes are cached (immutable per width) are not read again, so a warm proof
  // needs no storage round trip. Cached levels are pinned here, before any await, so concurrent
  // proofs evicting them from the LRU cannot take them away.
  const pinned = locs.map((l) => cache?.get(tileKey(l.tile.level, l.tile.index), l.tile.width));
  const wanted = locs.filter((_, i) => pinned[i] === undefined);
  const tiles =
    wanted.length > 0
      ? await getTiles(wanted.map((l) => ({ level: l.tile.level, index: l.tile.index })))
      : new Map<string, Uint8Array>();
  // Levels computed in this proof, so a tile the cache does not keep is folded once, not per node.
  const local = new Map<string, TileLevels>();
  const hashes = locs.map((l, i) => {
    const key = tileKey(l.tile.level, l.tile.index);
    const levels = pinned[i] ?? local.get(`${key}@${l.tile.width}`);
    if (levels) return nodeFromLevels(levels, l.start, l.end);
    const row = tiles.get(key);
    if (!row) throw new ScribaError('TILE_NOT_FOUND', `tile ${key} is missing from storage`);
    if (!cache) return cachedTileNodeHash(key, row, l.tile.width, l.start, l.end);
    const computed = cache.levels(key, row, l.tile.width);
    local.set(`${key}@${l.tile.width}`, computed);
    return nodeFromLevels(computed, l.start, l.end);
  });
  return assembleProof(nodes, hashes);
}

/** The tiles (with their widths at `size`) that `nodes` read and `cache` lacks, each once. */
function missingTiles(nodes: ProofNodes, size: number, cache?: TileNodeCache): TileId[] {
  const out = new Map<string, TileId>();
  for (const id of nodes.ids) {
    const { tile } = nodeTileLocation(id, size);
    const key = tileKey(tile.level, tile.index);
    if (!out.has(key) && cache?.get(key, tile.width) === undefined) out.set(key, tile);
  }
  return [...out.values()];
}

/**
 * The tiles an inclusion proof of `index` at `size` would read that `cache` lacks: what a server
 * fetches in the same round trip as the entry, so the proof then needs no read of its own.
 */
export function inclusionProofTiles(index: number, size: number, cache?: TileNodeCache): TileId[] {
  return missingTiles(inclusionProofNodes(index, size), size, cache);
}

/** The tiles a consistency proof from `size1` to `size2` would read that `cache` lacks. */
export function consistencyProofTiles(size1: number, size2: number, cache?: TileNodeCache): TileId[] {
  return missingTiles(consistencyProofNodes(size1, size2), size2, cache);
}

/**
 * Audit path for leaf `index` in the tree of `size` (index < size, checked by the caller). `cache`
 * (one per log) keeps interior nodes of tiles.
 */
export function buildInclusionProof(
  index: number,
  size: number,
  getTiles: TileGetter,
  cache?: TileNodeCache,
): Promise<Uint8Array[]> {
  return proofFromNodes(inclusionProofNodes(index, size), size, getTiles, cache);
}

/** Consistency proof from `size1` to `size2` (0 < size1 <= size2, checked by the caller). */
export function buildConsistencyProof(
  size1: number,
  size2: number,
  getTiles: TileGetter,
  cache?: TileNodeCache,
): Promise<Uint8Array[]> {
  return proofFromNodes(consistencyProofNodes(size1, size2), size2, getTiles, cache);
}
