import { describe, expect, it } from 'vitest';
import { hashLeaf, rootFromLeafHashes } from '../src/merkle/index.js';
import { integrate, rightEdgeTiles, type StoredTile, tileKey } from '../src/tiles/index.js';

function leafHashes(n: number, salt = 'leaf'): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => hashLeaf(new TextEncoder().encode(`${salt}-${i}`)));
}

/** Runs integrate over `splits` batches, keeping the tile store in a Map, like the database does. */
function integrateAll(batches: number[]): {
  sizes: number[];
  roots: Uint8Array[];
  store: Map<string, StoredTile>;
} {
  const total = batches.reduce((a, b) => a + b, 0);
  const leaves = leafHashes(total);
  const store = new Map<string, StoredTile>();
  let size = 0;
  const sizes: number[] = [];
  const roots: Uint8Array[] = [];
  for (const n of batches) {
    const stored = rightEdgeTiles(size).map((t) => store.get(tileKey(t.level, t.index))!);
    const r = integrate(size, stored, leaves.slice(size, size + n));
    for (const t of r.changed) store.set(tileKey(t.level, t.index), t);
    size = r.newSize;
    sizes.push(size);
    roots.push(r.rootHash);
  }
  return { sizes, roots, store };
}

describe('integrate', () => {
  describe('when batches of various sizes are appended', () => {
    it.each([
      ['single leaves', Array(20).fill(1)],
      ['a full tile then one', [256, 1]],
      ['crossing tile boundaries', [255, 2, 300, 1, 511]],
      ['large batches', [1000, 3000, 1]],
      ['tile level 2 (65,536 leaves)', [65535, 1, 2]],
    ])('%s: every root equals the SDK root of the same leaves', (_name, batches) => {
      const { sizes, roots } = integrateAll(batches as number[]);
      const leaves = leafHashes(sizes[sizes.length - 1]!);
      sizes.forEach((s, i) => {
        expect(Buffer.from(roots[i]!).toString('hex')).toBe(
          Buffer.from(rootFromLeafHashes(leaves.slice(0, s))).toString('hex'),
        );
      });
    });
  });

  describe('when tiles are stored', () => {
    it('keeps full tiles at width 256 and the right edge partial', () => {
      const { store } = integrateAll([256 * 3 + 5]);
      expect(store.get('0/0')!.hashes.length).toBe(256 * 32);
      expect(store.get('0/3')!.hashes.length).toBe(5 * 32);
      expect(store.get('1/0')!.hashes.length).toBe(3 * 32);
    });
  });

  describe('when a stored right-edge tile is missing', () => {
    it('throws instead of computing a wrong root', () => {
      expect(() => integrate(5, [], leafHashes(1))).toThrow();
    });
  });

  describe('rightEdgeTiles', () => {
    it.each([
      [0, []],
      [1, [{ level: 0, index: 0, width: 1 }]],
      [256, [{ level: 1, index: 0, width: 1 }]],
      [
        257,
        [
          { level: 0, index: 1, width: 1 },
          { level: 1, index: 0, width: 1 },
        ],
      ],
      [65536, [{ level: 2, index: 0, width: 1 }]],
    ])('size %i -> %j', (size, tiles) => {
      expect(rightEdgeTiles(size)).toEqual(tiles);
    });
  });
});
