/**
 * Reads for the C2SP tlog-tiles HTTP API (`/api/v2/tile/...`): a tile or an entry bundle of a given
 * width, or nothing when the tree does not (yet) contain it. Tile rows and entries are written in the
 * same transaction as the tree state (the storage port's contract), so what a row holds is always
 * part of a committed tree: a full tile exists once its row has 256 hashes, a partial tile of width W
 * is the first W hashes of its row (rows grow in place), an entry bundle exists once its W entries
 * are stored.
 */

import { tileKey } from '@scriba/sdk/tiles';
import type { TreeHandle } from './sequencer.js';

const HASH = 32;

/** The bytes of tile (level, index) at `width` (256 = full), or undefined (404). */
export async function readTileBytes(
  tree: TreeHandle,
  level: number,
  index: number,
  width: number,
): Promise<Uint8Array | undefined> {
  const row = (await tree.storage.readTiles(tree.treeId, [{ level, index }])).get(tileKey(level, index));
  if (!row || row.length < width * HASH) return undefined;
  return row.length === width * HASH ? row : row.subarray(0, width * HASH);
}

/** The `width` entries of bundle `index` (bodies, in order), or undefined (404). */
export async function readBundleEntries(
  tree: TreeHandle,
  index: number,
  width: number,
): Promise<Uint8Array[] | undefined> {
  const start = index * 256;
  const bodies = await tree.storage.entryBodies(tree.treeId, start, start + width);
  return bodies.length === width ? bodies : undefined;
}
