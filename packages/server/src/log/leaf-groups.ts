/**
 * Summaries of full level-0 tiles (C2SP tlog-tiles: level 0 holds RFC 6962 leaf hashes) for reads
 * over trees too big for the tile node cache to hold every level-0 tile. An inclusion proof reads,
 * from its entry's level-0 tile, the siblings of the entry at heights 0..7; folding the whole tile
 * for them is 255 node hashes over 8 KiB fetched. Levels 3..8 of a full tile never change, so they
 * are kept here (63 hashes, 2 KiB per tile) once the tile was folded; a later proof through that
 * tile then needs only the 8 leaf hashes of its entry's group (a 256-byte slice of the tile row) and
 * 7 node hashes. The levels handed to the proof builder are sparse (only that group below level 3).
 *
 * The same summaries are stored (sql/0006 tile_summaries, written by the batch that fills a tile:
 * summarizeTile), so a read needs no warm-up: it fetches the group and the summary in its one round
 * trip. A proof uses a stored summary only once it was checked (each node the hash of its children,
 * the top one a tile root proven against the checkpoint's root, or the tile's node in its level-1
 * tile: log/shard.ts) and the group's leaves fold to it.
 */
import { bytesEqual } from '@scriba/sdk/encoding';
import { hashChildren } from '@scriba/sdk/merkle';
import { type TileLevels, TileNodeCache } from '@scriba/sdk/tiles';

const HASH = 32;
/** Leaves per group: the heights below 3 are computed from them. */
export const GROUP = 8;
const COUNTS = [256, 128, 64, 32, 16, 8, 4, 2, 1];
const OFFSETS = COUNTS.map((_, j) => COUNTS.slice(0, j).reduce((a, b) => a + b, 0));
const TOTAL = OFFSETS[8]! + 1;
/** Byte offset of level 3 in a tile's levels buffer: levels 3..8 are its tail. */
const SUMMARY_AT = OFFSETS[3]! * HASH;

/** Where each level starts in sparse levels: the group's nodes of levels 0..2, then levels 3..8. */
const SPARSE_AT = [0, 8, 12, ...OFFSETS.slice(3).map((o) => 14 + o - OFFSETS[3]!)];
const SPARSE_NODES = 14 + TOTAL - OFFSETS[3]!;

/** Bytes of a summary: levels 3..8 of a full tile (63 hashes). */
export const SUMMARY_BYTES = (TOTAL - OFFSETS[3]!) * HASH;

/** Levels 3..8 of full level-0 tile `tile` (256 leaf hashes): what tile_summaries stores. */
export function summarizeTile(tile: Uint8Array): Uint8Array {
  if (tile.length !== 256 * HASH) throw new Error('a summary is made of a full tile');
  const levels = new TileNodeCache({ level0: 0, upper: 0, partial: 0 }).levels('0/0', tile, 256);
  return levels.buf.slice(SUMMARY_AT, TOTAL * HASH);
}

/** Whether each node of levels 4..8 of `summary` is the hash of its children and the top is `root`. */
function summaryHoldsTogether(summary: Uint8Array, root: Uint8Array): boolean {
  for (let j = 4; j <= 8; j++) {
    for (let k = 0; k < COUNTS[j]!; k++) {
      const below = (OFFSETS[j - 1]! - OFFSETS[3]! + 2 * k) * HASH;
      const at = (OFFSETS[j]! - OFFSETS[3]! + k) * HASH;
      const node = hashChildren(
        summary.subarray(below, below + HASH),
        summary.subarray(below + HASH, below + 2 * HASH),
      );
      if (!bytesEqual(node, summary.subarray(at, at + HASH))) return false;
    }
  }
  return bytesEqual(root, summary.subarray(SUMMARY_BYTES - HASH));
}

/** Summaries per slab: the kept summaries live in slabs of this many (~504 KiB each), not one object each. */
const SLAB_SLOTS = 256;

export class LeafGroupSummaries {
  /**
   * Each kept tile's slot in the slabs. On a large tree tens of thousands of tiles are kept, and as
   * one small array each they were as many objects for the garbage collector to trace and sweep;
   * in slabs they are a few hundred.
   */
  private readonly slots = new Map<number, number>();
  private readonly slabs: Uint8Array[] = [];
  /** Slots of forgotten tiles, taken again before new ones. */
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;
  /** Tiles whose summary came from storage and was not checked yet (see check). */
  private readonly unchecked = new Set<number>();

  /** `limit`: tiles kept (2 KiB each; the default covers 2^24 entries in 128 MiB). */
  constructor(readonly limit = 65536) {}

  get size(): number {
    return this.slots.size;
  }

  has(tileIndex: number): boolean {
    return this.slots.has(tileIndex);
  }

  /** The kept summary of tile `tileIndex` (a view of its slot, valid until the tile is forgotten). */
  summaryOf(tileIndex: number): Uint8Array | undefined {
    const slot = this.slots.get(tileIndex);
    if (slot === undefined) return undefined;
    const at = (slot % SLAB_SLOTS) * SUMMARY_BYTES;
    return this.slabs[Math.floor(slot / SLAB_SLOTS)]!.subarray(at, at + SUMMARY_BYTES);
  }

  /** Copies `summary` into tile `tileIndex`'s slot: its own, else a free one (the oldest tile's at the limit). */
  private store(tileIndex: number, summary: Uint8Array): void {
    if (!this.slots.has(tileIndex)) {
      if (this.slots.size >= this.limit) this.forget(this.slots.keys().next().value!);
      const slot = this.freeSlots.pop() ?? this.nextSlot++;
      if (slot >= this.slabs.length * SLAB_SLOTS) this.slabs.push(new Uint8Array(SLAB_SLOTS * SUMMARY_BYTES));
      this.slots.set(tileIndex, slot);
    }
    this.summaryOf(tileIndex)!.set(summary);
  }

  /** Keeps levels 3..8 of `levels`, the full levels of full level-0 tile `tileIndex`. */
  keep(tileIndex: number, levels: TileLevels): void {
    if (this.limit <= 0 || this.slots.has(tileIndex) || levels.counts[0] !== 256) return;
    this.store(tileIndex, levels.buf.subarray(SUMMARY_AT, TOTAL * HASH));
  }

  /**
   * Keeps a summary read from storage (levels 3..8 of full tile `tileIndex`, summarizeTile's format),
   * unchecked: `check` must pass before a proof built from it is served. False (nothing kept) for a
   * summary of the wrong size.
   */
  keepStored(tileIndex: number, summary: Uint8Array): boolean {
    if (summary.length !== SUMMARY_BYTES) return false;
    if (this.limit <= 0) return true;
    this.store(tileIndex, summary);
    this.unchecked.add(tileIndex);
    return true;
  }

  /** False for a summary kept by keepStored and not yet checked. */
  isChecked(tileIndex: number): boolean {
    return this.slots.has(tileIndex) && !this.unchecked.has(tileIndex);
  }

  /**
   * Checks the summary of tile `tileIndex`: each node of levels 4..8 is the hash of its two children
   * and the top one is `tileRoot` (the tile's node in its level-1 tile). A summary that fails is
   * forgotten. Returns whether the tile has a checked summary now.
   */
  check(tileIndex: number, tileRoot: Uint8Array): boolean {
    const summary = this.summaryOf(tileIndex);
    if (!summary) return false;
    if (!this.unchecked.has(tileIndex)) return true;
    if (!summaryHoldsTogether(summary, tileRoot)) {
      this.forget(tileIndex);
      return false;
    }
    this.unchecked.delete(tileIndex);
    return true;
  }

  forget(tileIndex: number): void {
    const slot = this.slots.get(tileIndex);
    if (slot !== undefined) {
      this.slots.delete(tileIndex);
      this.freeSlots.push(slot);
    }
    this.unchecked.delete(tileIndex);
  }

  /**
   * Levels of tile `tileIndex` holding what an inclusion proof of a leaf of `group` reads: the
   * group's 8 leaf hashes (`leaves`, 256 bytes) and the nodes above them, and levels 3..8 from the
   * summary. Undefined without a summary.
   */
  sparseLevels(tileIndex: number, group: number, leaves: Uint8Array): TileLevels | undefined {
    const summary = this.summaryOf(tileIndex);
    if (!summary || leaves.length !== GROUP * HASH) return undefined;
    // Compact (2.4 KiB, not a whole tile's 16 KiB): the group's 8 + 4 + 2 nodes of levels 0..2, then
    // levels 3..8; each level's offset is shifted so that node indices stay the tile's own, and its
    // count ends where the group (or the level) ends.
    const buf = new Uint8Array(SPARSE_NODES * HASH);
    buf.set(leaves, 0);
    for (let j = 1; j < 3; j++) {
      for (let k = 0; k < GROUP >> j; k++) {
        const below = (SPARSE_AT[j - 1]! + 2 * k) * HASH;
        const node = hashChildren(
          buf.subarray(below, below + HASH),
          buf.subarray(below + HASH, below + 2 * HASH),
        );
        buf.set(node, (SPARSE_AT[j]! + k) * HASH);
      }
    }
    buf.set(summary, SPARSE_AT[3]! * HASH);
    // The group's leaves must fold to the summary's node above them (else the tile row and the
    // summary disagree: no proof is built from them).
    const l2 = SPARSE_AT[2]! * HASH;
    const l3 = (SPARSE_AT[3]! + group) * HASH;
    const folded = hashChildren(buf.subarray(l2, l2 + HASH), buf.subarray(l2 + HASH, l2 + 2 * HASH));
    if (!bytesEqual(folded, buf.subarray(l3, l3 + HASH))) return undefined;
    const offsets = SPARSE_AT.map((at, j) => (j < 3 ? at - group * (GROUP >> j) : at));
    const counts = COUNTS.map((c, j) => (j < 3 ? (group + 1) * (GROUP >> j) : c));
    return { buf, offsets, counts };
  }
}

/**
 * The tile node cache of one proof: `inner` for every tile but the full tile `key`, which is answered
 * from `overlay` (sparse levels) when given, else from `inner` and remembered (`levelsOfTile`: what
 * the proof read or folded of it, for LeafGroupSummaries.keep).
 */
export class OneTileCache extends TileNodeCache {
  levelsOfTile: TileLevels | undefined;

  constructor(
    private readonly inner: TileNodeCache,
    private readonly key: string,
    overlay?: TileLevels,
  ) {
    super({ level0: 0, upper: 0, partial: 0 });
    this.levelsOfTile = overlay;
  }

  override get(key: string, width: number): TileLevels | undefined {
    if (key !== this.key || width !== 256) return this.inner.get(key, width);
    this.levelsOfTile ??= this.inner.get(key, width);
    return this.levelsOfTile;
  }

  override levels(key: string, tile: Uint8Array, width: number): TileLevels {
    if (key !== this.key || width !== 256) return this.inner.levels(key, tile, width);
    this.levelsOfTile ??= this.inner.levels(key, tile, width);
    return this.levelsOfTile;
  }
}
