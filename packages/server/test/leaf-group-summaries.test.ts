/**
 * log/leaf-groups.ts LeafGroupSummaries: summaries kept in shared slabs, one slot per tile. Each
 * tile's proof levels come from its own summary however many tiles were kept, forgotten and kept
 * again (slots reused), the oldest tile goes at the limit, and a stored summary is used only once
 * checked against its tile root (one that fails is forgotten).
 */
import { randomBytes } from 'node:crypto';
import { TileNodeCache } from '@scriba/sdk/tiles';
import { describe, expect, it } from 'vitest';
import { LeafGroupSummaries, SUMMARY_BYTES, summarizeTile } from '../src/log/leaf-groups.js';

/** A random full level-0 tile, its levels, its summary and its root. */
function tile() {
  const leaves = new Uint8Array(randomBytes(256 * 32));
  const levels = new TileNodeCache({ level0: 0, upper: 0, partial: 0 }).levels('0/0', leaves, 256);
  const summary = summarizeTile(leaves);
  return { leaves, levels, summary, root: summary.subarray(SUMMARY_BYTES - 32) };
}

/** The nodes a proof of leaf `i` takes from a tile's levels: its siblings at heights 0..7, as hex. */
function expected(levels: { buf: Uint8Array; offsets: number[] }, i: number) {
  return Array.from({ length: 8 }, (_, h) => {
    const o = (levels.offsets[h]! + ((i >> h) ^ 1)) * 32;
    return Buffer.from(levels.buf.subarray(o, o + 32)).toString('hex');
  });
}

/** The same siblings from the sparse levels of leaf `i`'s group, if the tile's summary is kept. */
function siblings(summaries: LeafGroupSummaries, t: number, leaves: Uint8Array, i: number) {
  const group = Math.floor(i / 8);
  const sparse = summaries.sparseLevels(t, group, leaves.subarray(group * 256, group * 256 + 256));
  return sparse && expected(sparse, i);
}

describe('LeafGroupSummaries', () => {
  it('gives each tile its own summary across slabs, forgotten tiles and reused slots', () => {
    const summaries = new LeafGroupSummaries(1000);
    const tiles = Array.from({ length: 600 }, tile); // three slabs of 256
    for (const [t, x] of tiles.entries()) summaries.keep(t, x.levels);
    for (const t of [0, 255, 256, 599])
      expect(siblings(summaries, t, tiles[t]!.leaves, 77)).toEqual(expected(tiles[t]!.levels, 77));
    // Forget some, keep new tiles in their slots: the others are untouched, the new ones their own.
    for (const t of [10, 300]) summaries.forget(t);
    expect(summaries.has(10)).toBe(false);
    expect(siblings(summaries, 10, tiles[10]!.leaves, 3)).toBeUndefined();
    const later = [tile(), tile()];
    for (const [k, x] of later.entries()) summaries.keep(600 + k, x.levels);
    expect(summaries.size).toBe(600);
    for (const [k, x] of later.entries())
      expect(siblings(summaries, 600 + k, x.leaves, 200)).toEqual(expected(x.levels, 200));
    for (const t of [9, 11, 299, 301])
      expect(siblings(summaries, t, tiles[t]!.leaves, 130)).toEqual(expected(tiles[t]!.levels, 130));
  });

  it('forgets the oldest tile at the limit', () => {
    const summaries = new LeafGroupSummaries(3);
    const tiles = Array.from({ length: 4 }, tile);
    for (const [t, x] of tiles.entries()) summaries.keep(t, x.levels);
    expect([0, 1, 2, 3].map((t) => summaries.has(t))).toEqual([false, true, true, true]);
    for (const t of [1, 2, 3])
      expect(siblings(summaries, t, tiles[t]!.leaves, 255)).toEqual(expected(tiles[t]!.levels, 255));
  });

  it('uses a stored summary once checked against its tile root, and forgets one that fails', () => {
    const summaries = new LeafGroupSummaries();
    const [a, b] = [tile(), tile()];
    expect(summaries.keepStored(1, a.summary)).toBe(true);
    expect(summaries.isChecked(1)).toBe(false);
    expect(summaries.check(1, a.root)).toBe(true);
    expect(summaries.isChecked(1)).toBe(true);
    expect(siblings(summaries, 1, a.leaves, 40)).toEqual(expected(a.levels, 40));
    // Another tile's summary stored for tile 2, checked against tile 2's real root: forgotten.
    expect(summaries.keepStored(2, a.summary)).toBe(true);
    expect(summaries.check(2, b.root)).toBe(false);
    expect(summaries.has(2)).toBe(false);
    // A byte flipped inside: the nodes no longer hold together.
    const flipped = Uint8Array.from(b.summary);
    flipped[100]! ^= 1;
    summaries.keepStored(3, flipped);
    expect(summaries.check(3, b.root)).toBe(false);
    expect(summaries.keepStored(4, b.summary.subarray(1))).toBe(false);
    // The leaves of another group than the summary's node above them: no levels.
    summaries.keep(5, b.levels);
    expect(summaries.sparseLevels(5, 0, b.leaves.subarray(256, 512))).toBeUndefined();
  });
});
