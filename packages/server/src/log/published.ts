/**
 * What one shard publishes as a C2SP log (tlog-checkpoint, tlog-tiles): its checkpoint as served
 * (the stored note with the log's signature, an added Ed25519 signature, the witness cosignatures
 * collected for it), its tiles and its entry bundles, byte for byte. One home for those bytes: the
 * HTTP routes (routes/v2) serve them and `scriba shard export` writes them to files, so a static
 * mirror of a frozen shard is identical to what the log serves under /api/v2/shards/<treeId>/.
 *
 * A frozen shard never changes (storage port contract), so everything it publishes is final, partial
 * tiles and bundles of its last, unfilled position too; only its checkpoint's cosignature lines can
 * still grow, while witnesses cosign the final checkpoint.
 */
import { encodeEntryBundle } from '@scriba/sdk/tiles';
import type { Shard } from './shard.js';

/** Adds the log's Ed25519 note signature to a checkpoint (keys/checkpointEd25519 `cosign`). */
export type Cosign = (note: string) => Promise<string>;

export type PublishedCheckpoint = {
  size: number;
  rootHash: Uint8Array;
  /** The signed note without witness cosignatures (what the log pushes to witnesses). */
  note: string;
  /** The note with the witness cosignature lines collected for it (what GET checkpoint serves). */
  full: string;
  /** The number of witness cosignature lines in `full`. */
  cosignatures: number;
  /** True when the shard is frozen: this is its final checkpoint. */
  frozen: boolean;
};

/** The shard's latest (for a frozen shard: final) checkpoint as served. */
export async function publishedCheckpoint(shard: Shard, cosign: Cosign): Promise<PublishedCheckpoint> {
  const st = await shard.state();
  const note = await cosign(st.checkpoint);
  const lines = await shard.cosignatureLines(st.treeSize, st.rootHash);
  return {
    size: st.treeSize,
    rootHash: st.rootHash,
    note,
    full: note + lines.join(''),
    cosignatures: lines.length,
    // Read after state(): a shard seen frozen stays frozen, so `frozen` never claims too much.
    frozen: !shard.active,
  };
}

/** Tile (level, index) of `width` hashes, or undefined when the shard does not hold it. */
export function publishedTile(
  shard: Shard,
  level: number,
  index: number,
  width: number,
): Promise<Uint8Array | undefined> {
  return shard.readTile(level, index, width);
}

/** Entry bundle `index` of `width` entries (tlog-tiles encoding), or undefined when not held. */
export async function publishedEntryBundle(
  shard: Shard,
  index: number,
  width: number,
): Promise<Uint8Array | undefined> {
  return (await publishedEntries(shard, index, width))?.bundle;
}

/** The entries of bundle `index` and the bundle as published, or undefined when not held. */
export async function publishedEntries(
  shard: Shard,
  index: number,
  width: number,
): Promise<{ entries: Uint8Array[]; bundle: Uint8Array } | undefined> {
  const entries = await shard.readEntryBundle(index, width);
  return entries && { entries, bundle: encodeEntryBundle(entries) };
}
