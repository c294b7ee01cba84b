/**
 * C2SP tlog-tiles (https://c2sp.org/tlog-tiles): tile and entry-bundle paths, tile index math,
 * entry-bundle encoding, and hashing over tiles. Pure functions only (the tile client lives in
 * ./client.ts and is exported separately).
 */
export { decodeEntryBundle, encodeEntryBundle, MAX_BUNDLE_ENTRY_SIZE } from './bundle.js';
export { decodeTile, encodeTile, foldTileBytes, tileHashesToParentHash, tileNodeHash } from './hash.js';
export {
  type IntegrationResult,
  integrate,
  rightEdgeTiles,
  rootFromTiles,
  type StoredTile,
  tileKey,
} from './integrate.js';
export {
  checkTileId,
  MAX_TILE_LEVEL,
  type NodeTileLocation,
  nodeTileLocation,
  storedHashCount,
  TILE_HEIGHT,
  TILE_WIDTH,
  type TileId,
  tilesForTreeSize,
  tilesTouchedByAppend,
  tileWidth,
} from './layout.js';
export {
  cachedTileNodeHash,
  nodeFromLevels,
  type TileLevels,
  TileNodeCache,
  type TileNodeCacheLimits,
} from './node-cache.js';
export { entryBundlePath, parseEntryBundlePath, parseTilePath, tilePath } from './path.js';
export {
  buildConsistencyProof,
  buildInclusionProof,
  consistencyProofTiles,
  inclusionProofTiles,
  type TileGetter,
} from './proofs.js';
