/**
 * Reads tile rows (C2SP tlog-tiles numbering; one row per (level, index), hashes
 * concatenated, partial tiles grown in place). Proofs read a handful of rows whatever the tree size.
 */

import { type TileGetter, tileKey } from '@scriba/sdk/tiles';
import { type Queryable, toBytes, toNumber } from '../db/index.js';

export type { TileGetter };

/** Loads the given tiles (missing ones are absent from the map). */
export async function readTiles(
  q: Queryable,
  keys: { level: number; index: number }[],
): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const unique = new Map(keys.map((k) => [tileKey(k.level, k.index), k]));
  if (unique.size === 0) return out;
  const params: number[] = [];
  const conds: string[] = [];
  for (const k of unique.values()) {
    params.push(k.level, k.index);
    conds.push(`(level = $${params.length - 1} AND idx = $${params.length})`);
  }
  const { rows } = await q.query<{ level: unknown; idx: unknown; hashes: unknown }>(
    `SELECT level, idx, hashes FROM tiles WHERE ${conds.join(' OR ')}`,
    params,
  );
  for (const r of rows) out.set(tileKey(toNumber(r.level), toNumber(r.idx)), toBytes(r.hashes));
  return out;
}

/** A TileGetter over the database, optionally overlaid with tiles already in memory. */
export function tileGetter(q: Queryable, overlay?: Map<string, Uint8Array>): TileGetter {
  return async (keys) => {
    const out = new Map<string, Uint8Array>();
    const missing: { level: number; index: number }[] = [];
    for (const k of keys) {
      const hit = overlay?.get(tileKey(k.level, k.index));
      if (hit) out.set(tileKey(k.level, k.index), hit);
      else missing.push(k);
    }
    if (missing.length > 0) for (const [k, v] of await readTiles(q, missing)) out.set(k, v);
    return out;
  };
}
