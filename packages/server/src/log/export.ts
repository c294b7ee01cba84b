/**
 * A frozen shard written out as a static C2SP log (tlog-tiles, tlog-checkpoint): every tile and entry
 * bundle of its final tree, then its final checkpoint, each under its tlog-tiles path (`tile/<L>/<N>`,
 * `tile/<L>/<N>.p/<W>`, `tile/entries/<N>[.p/<W>]`, `checkpoint`), with the bytes the log serves under
 * /api/v2/shards/<treeId>/ (log/published.ts). Any static web server, object store or CDN can then
 * serve the shard; clients verify it as they verify the log.
 *
 * Streamed: one tile and one entry bundle at a time, so the size of the shard does not matter for
 * memory. Checked while written, so a mirror is never published from damaged storage: every entry
 * hashes (RFC 6962 leaf hash) to its level-0 tile hash, every full tile folds to its hash one level
 * up, and the right-edge tiles rebuild the final checkpoint's root. The checkpoint is written last:
 * a mirror being copied shows no checkpoint until everything it commits to is there.
 */
import { base64Encode, bytesEqual } from '@scriba/sdk';
import { isScribaError } from '@scriba/sdk/errors';
import { hashLeaf } from '@scriba/sdk/merkle';
import {
  entryBundlePath,
  foldTileBytes,
  rootFromTiles,
  storedHashCount,
  TILE_WIDTH,
  tileKey,
  tilePath,
  tileWidth,
} from '@scriba/sdk/tiles';
import { type Cosign, publishedCheckpoint, publishedEntries, publishedTile } from './published.js';
import type { Shard } from './shard.js';

const HASH = 32;

/** Where the files go (a directory, an object store): `path` is relative, `/`-separated. */
export type ExportSink = { write(path: string, data: Uint8Array): Promise<void> };

export type ExportSummary = {
  treeId: string;
  origin: string;
  size: number;
  rootHash: string;
  files: number;
  bytes: number;
};

/** The stored shard does not add up to its final checkpoint: nothing past the damage is written. */
export class ShardDataError extends Error {
  readonly code = 'SHARD_DATA_MISMATCH';
  constructor(message: string) {
    super(message);
    this.name = 'ShardDataError';
  }
}

/**
 * Writes frozen `shard` to `sink`. Throws ShardDataError when the stored tiles, entries and checkpoint
 * disagree; the caller refuses an active shard (its tree still grows) before calling.
 */
export async function exportShard(
  shard: Shard,
  cosign: Cosign,
  sink: ExportSink,
  onProgress?: (done: number, size: number) => void,
): Promise<ExportSummary> {
  if (shard.active) throw new Error(`shard ${shard.treeId} is active; only a frozen shard can be exported`);
  const cp = await publishedCheckpoint(shard, cosign);
  const size = cp.size;
  let files = 0;
  let bytes = 0;
  const put = async (path: string, data: Uint8Array) => {
    await sink.write(path, data);
    files++;
    bytes += data.length;
  };
  const tile = async (level: number, index: number, width: number): Promise<Uint8Array> => {
    const data = await publishedTile(shard, level, index, width);
    if (!data) throw new ShardDataError(`tile ${tilePath({ level, index, width })} is missing from storage`);
    return data;
  };
  const edge = new Map<string, Uint8Array>();
  for (let level = 0; storedHashCount(level, size) > 0; level++) {
    const count = storedHashCount(level, size);
    // The tile one level up holding the hash of full tiles of this level, read once per 256 tiles.
    let upper: { index: number; data: Uint8Array } | undefined;
    for (let index = 0; index * TILE_WIDTH < count; index++) {
      const width = tileWidth(level, index, size);
      const data = await tile(level, index, width);
      if (level === 0) {
        const bundle = await publishedEntries(shard, index, width).catch((e: unknown) => {
          // A damaged stored body (storage/log-storage.ts storedBody) is damaged shard data too.
          if (isScribaError(e) && e.code === 'ENTRY_STORED_FORM_INVALID') throw new ShardDataError(e.message);
          throw e;
        });
        if (!bundle) throw new ShardDataError(`entry bundle ${index} is missing from storage`);
        bundle.entries.forEach((body, i) => {
          if (!bytesEqual(hashLeaf(body), data.subarray(i * HASH, (i + 1) * HASH))) {
            throw new ShardDataError(
              `entry ${index * TILE_WIDTH + i} does not hash to its level-0 tile hash`,
            );
          }
        });
        await put(entryBundlePath(index, width), bundle.bundle);
        onProgress?.(index * TILE_WIDTH + width, size);
      }
      if (width === TILE_WIDTH) {
        const at = Math.floor(index / TILE_WIDTH);
        if (upper?.index !== at) {
          upper = { index: at, data: await tile(level + 1, at, tileWidth(level + 1, at, size)) };
        }
        const slot = index % TILE_WIDTH;
        if (
          !bytesEqual(foldTileBytes(data, 0, TILE_WIDTH), upper.data.subarray(slot * HASH, (slot + 1) * HASH))
        ) {
          throw new ShardDataError(
            `tile ${tilePath({ level, index, width })} does not fold to its hash one level up`,
          );
        }
      } else {
        edge.set(tileKey(level, index), data);
      }
      await put(tilePath({ level, index, width }), data);
    }
  }
  const root = rootFromTiles(size, (level, index) => {
    const data = edge.get(tileKey(level, index));
    if (!data) throw new ShardDataError(`right-edge tile ${tileKey(level, index)} is missing`);
    return data;
  });
  if (!bytesEqual(root, cp.rootHash)) {
    throw new ShardDataError(`the tiles rebuild another root than the final checkpoint's (size ${size})`);
  }
  await put('checkpoint', new TextEncoder().encode(cp.full));
  const origin = cp.note.slice(0, cp.note.indexOf('\n'));
  return { treeId: shard.treeId, origin, size, rootHash: base64Encode(cp.rootHash), files, bytes };
}
