/**
 * log/upper-paths.ts: the peak of a tile, and upper paths kept across tree sizes, checked against an
 * independent RFC 6962 §2.1.1 reference (MTH and PATH written out recursively here) over random tile
 * roots; a path is assembled only from parts that agree, and never for the last peak.
 */
import { randomBytes } from 'node:crypto';
import { hashChildren, verifyInclusion } from '@scriba/sdk/merkle';
import { describe, expect, it } from 'vitest';
import {
  appendUpperPath,
  peakOf,
  type UpperPath,
  UpperPaths,
  upperPathJson,
} from '../src/log/upper-paths.js';

/** RFC 6962 MTH over `d` (already leaf-level nodes: here the level-8 nodes, one per tile). */
function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 1) return d[0]!;
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return hashChildren(mth(d.slice(0, k)), mth(d.slice(k)));
}

/** RFC 6962 PATH(m, d). */
function path(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return m < k
    ? [...path(m, d.slice(0, k)), mth(d.slice(k))]
    : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}

const roots = (n: number) => Array.from({ length: n }, () => new Uint8Array(randomBytes(32)));
/** A tree size whose last level-8 node is a partial tile's (ephemeral). */
const sizeOf = (tiles: number) => tiles * 256 - 100;
const unpack = (upper: UpperPath) => {
  const hashes: Uint8Array[] = [];
  appendUpperPath(upper, hashes);
  return hashes.map((h) => Uint8Array.from(h));
};

describe('peakOf', () => {
  it('finds the perfect subtree of the size that holds a leaf, and marks the last one', () => {
    expect([0, 3].map((t) => peakOf(t, 6))).toEqual([
      { start: 0, height: 2, last: false },
      { start: 0, height: 2, last: false },
    ]);
    expect(peakOf(5, 6)).toEqual({ start: 4, height: 1, last: true });
    expect(peakOf(4, 7)).toEqual({ start: 4, height: 1, last: false });
    expect(peakOf(6, 7)).toEqual({ start: 6, height: 0, last: true });
    expect(peakOf(5, 8)).toEqual({ start: 0, height: 3, last: true });
    expect(peakOf(2 ** 40, 2 ** 40 + 3)).toEqual({ start: 2 ** 40, height: 1, last: false });
    expect(() => peakOf(7, 7)).toThrow(RangeError);
  });
});

describe('UpperPaths', () => {
  // 37 = 32 + 4 + 1 tiles at the first size, 39 = 32 + 4 + 2 + 1 at the second: tiles 0..31 and
  // 32..35 keep their peaks, the right edge (and so every path above those peaks) changes.
  const tree = roots(39);
  const [size1, size2] = [sizeOf(37), sizeOf(39)];
  const checkedPath = (t: number, tiles: number) => {
    const p = path(t, tree.slice(0, tiles));
    verifyInclusion(t, tiles, tree[t]!, p, mth(tree.slice(0, tiles)));
    return p;
  };

  it('assembles a tile’s path at a new size from its part inside its peak and the size’s part above it', () => {
    const kept = new UpperPaths();
    for (const t of [3, 33]) kept.keep(size1, t, tree[t]!, checkedPath(t, 37));
    expect(kept.get(size2, 3)).toBeUndefined(); // nothing above the peak is known for size2 yet
    kept.keep(size2, 17, tree[17]!, checkedPath(17, 39)); // another tile of tile 3's peak
    kept.keep(size2, 34, tree[34]!, checkedPath(34, 39)); // and of tile 33's
    for (const t of [3, 33]) {
      const got = kept.get(size2, t)!;
      expect(got.top).toEqual(tree[t]);
      expect(unpack(got)).toEqual(path(t, tree.slice(0, 39)));
      expect(JSON.parse(`[${upperPathJson(got).slice(1)}]`)).toEqual(
        path(t, tree.slice(0, 39)).map((h) => Buffer.from(h).toString('hex')),
      );
      verifyInclusion(t, 39, tree[t]!, unpack(got), mth(tree.slice(0, 39)));
    }
    expect(kept.get(size2, 5)).toBeUndefined(); // a tile never kept
  });

  it('does not assemble from a part inside the peak that folds to another peak root', () => {
    const kept = new UpperPaths();
    // Tile 3's path kept from a different tree (another tile 2 beside it): its peak root differs.
    const other = [...tree];
    other[2] = new Uint8Array(randomBytes(32));
    kept.keep(size1, 3, other[3]!, path(3, other.slice(0, 37)));
    kept.keep(size2, 17, tree[17]!, checkedPath(17, 39));
    expect(kept.get(size2, 3)).toBeUndefined();
    // Kept again from the real tree: the path returned and kept is the real one, not the old part.
    const real = checkedPath(3, 39);
    expect(unpack(kept.keep(size2, 3, tree[3]!, real))).toEqual(real);
    expect(unpack(kept.get(size2, 3)!)).toEqual(real);
  });

  it('keeps the last peak’s tiles for their size only, and a peak that merged is built again', () => {
    const kept = new UpperPaths();
    // 37 tiles: tile 36 is the last peak (with the ephemeral node) — only kept whole.
    kept.keep(size1, 36, tree[36]!, checkedPath(36, 37));
    expect(kept.get(size1, 36)).toBeDefined();
    kept.keep(size2, 34, tree[34]!, checkedPath(34, 39));
    expect(kept.get(size2, 36)).toBeUndefined();
    // At 40 tiles (32 + 8) tile 33's peak is 32..39, not 32..35: its kept inner part no longer fits.
    kept.keep(size1, 33, tree[33]!, checkedPath(33, 37));
    const wider = [...tree, ...roots(1)];
    kept.keep(sizeOf(40), 35, wider[35]!, path(35, wider.slice(0, 40)));
    expect(kept.get(sizeOf(40), 33)).toBeUndefined();
  });
});
