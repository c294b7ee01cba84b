/**
 * Checked upper paths of full level-0 tiles: the hashes of an inclusion proof above level 8 (RFC 9162
 * §2.1.3), which lead a tile's root to the root of a tree size. They are what every inclusion proof
 * through the tile shares, and each was checked against the signed root of its size before it is kept.
 *
 * Kept two ways, so a new tree size (every append batch makes one) does not mean building and
 * checking every tile's path again:
 *  - whole, per tile, for one tree size (the latest the shard served);
 *  - split at the tile's peak: in the tree of level-8 nodes (one per tile, the last one ephemeral
 *    while its tile is partial), tile t lies in one of the perfect subtrees the size decomposes into
 *    (its peak). Below the peak's root the path is the path inside that perfect subtree, which never
 *    changes while the peak stays a peak: it is kept per tile with the peak root it folds to. Above
 *    it (the hash of everything right of the peak, then the roots of the peaks left of it) the path
 *    is the same for every tile of the peak: kept once per peak for the latest size. A path is
 *    assembled from both only when the tile's inner path folds to the peak root that the size's
 *    part was checked from. The last peak holds the ephemeral node, so its tiles are kept whole only.
 * An assembled path refers to its two parts and copies neither: on a large tree the paths of all
 * its tiles are a large part of the server's heap, and every read through a tile copies its path
 * into the answer (the part above the peak, shared by the peak's tiles, stays in the CPU caches).
 */
import { bytesEqual, concatBytes, hexEncode } from '@scriba/sdk/encoding';
import { rootFromInclusionProof } from '@scriba/sdk/merkle';

/** Hashes packed (`path`), and the same as JSON (`,"hex"`… : each hash after a comma). */
type PackedHashes = { path: Uint8Array; json: string };
/** An upper path: the tile root it starts from, then its hashes in one packed part, or two. */
export type UpperPath = {
  top: Uint8Array;
  parts: readonly [PackedHashes] | readonly [PackedHashes, PackedHashes];
};

/** A tile's path inside its peak (a perfect subtree of `2^height` tiles from `start`), and that root. */
type InnerPath = PackedHashes & {
  top: Uint8Array;
  start: number;
  height: number;
  peakRoot: Uint8Array;
};
/** The path above a peak at one tree size, and the peak root it was checked from. */
type PeakPath = PackedHashes & { peakRoot: Uint8Array };

/** Appends the hashes of `upper` to `into` (views of its packed parts, no copy). */
export function appendUpperPath(upper: UpperPath, into: Uint8Array[]): void {
  for (const { path } of upper.parts)
    for (let k = 0; k < path.length; k += 32) into.push(path.subarray(k, k + 32));
}

/** The hashes of `upper` as JSON array elements, each after a comma (`,"hex"`…). */
export function upperPathJson(upper: UpperPath): string {
  const [first, second] = upper.parts;
  return second === undefined ? first.json : first.json + second.json;
}

/**
 * `hashes` packed, and as JSON. Every answer through the path copies this JSON out again, so it is
 * kept as one flat string: the hex of the packed path (one string), sliced, and the pieces joined
 * (Array.join writes one sequential string; `+=` would keep a tree of ~3 small strings per hash,
 * which each answer walks again and which holds twice the memory). Measured: a string of many
 * pieces cost Buffer.byteLength of the answers +100 ms per second; see README, bench:read.
 */
function pack(hashes: Uint8Array[]): PackedHashes {
  const path = concatBytes(...hashes);
  const hex = hexEncode(path);
  const pieces: string[] = [];
  for (let k = 0; k < hashes.length; k++) pieces.push(`,"${hex.slice(k * 64, k * 64 + 64)}"`);
  return { path, json: pieces.join('') };
}

/** An upper path from tile root `top` through `hashes` (copied and packed). */
export function packUpperPath(top: Uint8Array, hashes: Uint8Array[]): UpperPath {
  return { top: Uint8Array.from(top), parts: [pack(hashes)] };
}

/** The whole upper path: a tile's part inside its peak, then the part above the peak (both shared). */
function joined(inner: InnerPath, above: PeakPath): UpperPath {
  return { top: inner.top, parts: [inner, above] };
}

/**
 * The peak holding leaf `t` of a tree of `m` leaves: the perfect subtree of `2^height` leaves from
 * `start` in the decomposition of [0, m) into perfect subtrees, largest first; `last` for the one
 * holding leaf m - 1.
 */
export function peakOf(t: number, m: number): { start: number; height: number; last: boolean } {
  let height = 0;
  while (2 ** (height + 1) <= m) height++;
  let start = 0;
  for (; height >= 0; height--) {
    const size = 2 ** height;
    if (m - start < size) continue;
    if (t < start + size) return { start, height, last: start + size === m };
    start += size;
  }
  throw new RangeError(`leaf ${t} is not in a tree of ${m}`);
}

export class UpperPaths {
  /** Whole paths for `size` (the latest tree size kept). */
  private whole: { size: number; byTile: Map<number, UpperPath> } = { size: -1, byTile: new Map() };
  /** Paths above each peak (by its first tile) for `size`. */
  private abovePeaks: { size: number; byStart: Map<number, PeakPath> } = { size: -1, byStart: new Map() };
  /** Each tile's path inside its peak, whatever the size. */
  private readonly inner = new Map<number, InnerPath>();

  /** `limit`: tiles kept (each map; 65,536 cover 2^24 entries). */
  constructor(readonly limit = 65536) {}

  /**
   * The checked upper path of full level-0 tile `t` at tree size `size`: kept whole for that size,
   * or assembled from t's path inside its peak and the size's path above that peak (then kept whole).
   */
  get(size: number, t: number): UpperPath | undefined {
    if (this.whole.size === size) {
      const kept = this.whole.byTile.get(t);
      if (kept) return kept;
    }
    if (this.abovePeaks.size !== size) return undefined;
    const inner = this.inner.get(t);
    if (!inner) return undefined;
    const peak = peakOf(t, Math.ceil(size / 256));
    if (peak.last || peak.start !== inner.start || peak.height !== inner.height) return undefined;
    const above = this.abovePeaks.byStart.get(peak.start);
    if (!above || !bytesEqual(above.peakRoot, inner.peakRoot)) return undefined;
    const upper = joined(inner, above);
    this.keepWhole(size, t, upper);
    return upper;
  }

  /**
   * Keeps the upper path `hashes` of full level-0 tile `t` (root `top`) at tree size `size`, which
   * the caller checked leads to that size's root; returns it packed. The parts already kept (t's
   * part inside its peak, the size's part above it) are reused when they fold to the same peak root.
   */
  keep(size: number, t: number, top: Uint8Array, hashes: Uint8Array[]): UpperPath {
    const peak = peakOf(t, Math.ceil(size / 256));
    if (peak.last) {
      const upper = packUpperPath(top, hashes);
      this.keepWhole(size, t, upper);
      return upper;
    }
    const below = hashes.slice(0, peak.height);
    const peakRoot = rootFromInclusionProof(t - peak.start, 2 ** peak.height, top, below);
    let inner = this.inner.get(t);
    if (
      !inner ||
      inner.start !== peak.start ||
      inner.height !== peak.height ||
      !bytesEqual(inner.top, top) ||
      !bytesEqual(inner.peakRoot, peakRoot)
    ) {
      inner = { top: Uint8Array.from(top), start: peak.start, height: peak.height, peakRoot, ...pack(below) };
      if (this.inner.size >= this.limit && !this.inner.has(t))
        this.inner.delete(this.inner.keys().next().value!);
      this.inner.set(t, inner);
    }
    if (this.abovePeaks.size !== size) this.abovePeaks = { size, byStart: new Map() };
    let above = this.abovePeaks.byStart.get(peak.start);
    if (!above || !bytesEqual(above.peakRoot, peakRoot)) {
      above = { peakRoot, ...pack(hashes.slice(peak.height)) };
      this.abovePeaks.byStart.set(peak.start, above);
    }
    const upper = joined(inner, above);
    this.keepWhole(size, t, upper);
    return upper;
  }

  private keepWhole(size: number, t: number, upper: UpperPath): void {
    if (this.whole.size !== size) this.whole = { size, byTile: new Map() };
    const byTile = this.whole.byTile;
    if (byTile.size >= this.limit) byTile.delete(byTile.keys().next().value!);
    byTile.set(t, upper);
  }
}
