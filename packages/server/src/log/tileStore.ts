/**
 * Tiles for proofs (C2SP tlog-tiles numbering; one stored row per (level, index), hashes
 * concatenated, partial tiles grown in place), read through the storage port. Proofs read a handful
 * of rows whatever the tree size.
 */

import { type TileGetter, tileKey } from '@scriba/sdk/tiles';
import type { TreeHandle } from './sequencer.js';

export type { TileGetter };

/** Loads the given tiles of the tree (missing ones are absent from the map). */
export function readTiles(
  tree: TreeHandle,
  keys: { level: number; index: number }[],
): Promise<Map<string, Uint8Array>> {
  return tree.storage.readTiles(tree.treeId, keys);
}

/** A TileGetter over the tree's storage, optionally overlaid with tiles already in memory. */
export function tileGetter(tree: TreeHandle, overlay?: Map<string, Uint8Array>): TileGetter {
  return async (keys) => {
    if (!overlay) return readTiles(tree, keys);
    const out = new Map<string, Uint8Array>();
    const missing: { level: number; index: number }[] = [];
    for (const k of keys) {
      const hit = overlay.get(tileKey(k.level, k.index));
      if (hit) out.set(tileKey(k.level, k.index), hit);
      else missing.push(k);
    }
    if (missing.length > 0) for (const [k, v] of await readTiles(tree, missing)) out.set(k, v);
    return out;
  };
}
