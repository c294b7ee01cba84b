import { describe, expect, it } from 'vitest';
import { type CompactRange, hashLeaf, rootFromLeafHashes } from '../src/merkle/index.js';
import {
  type IntegrationResult,
  integrate,
  rightEdgeTiles,
  rootFromTiles,
  type StoredTile,
  tileKey,
} from '../src/tiles/index.js';

function leafHashes(n: number, salt = 'leaf'): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => hashLeaf(new TextEncoder().encode(`${salt}-${i}`)));
}

/**
 * Runs integrate over `splits` batches, keeping the tile store in a Map, like the database does;
 * `carry`: each batch gets the previous one's compact range (as the server's sequencer does), else it
 * folds the stored right edge again.
 */
function integrateAll(
  batches: number[],
  carry = false,
): {
  sizes: number[];
  roots: Uint8Array[];
  store: Map<string, StoredTile>;
  results: IntegrationResult[];
} {
  const total = batches.reduce((a, b) => a + b, 0);
  const leaves = leafHashes(total);
  const store = new Map<string, StoredTile>();
  let size = 0;
  let range: CompactRange | undefined;
  const sizes: number[] = [];
  const roots: Uint8Array[] = [];
  const results: IntegrationResult[] = [];
  for (const n of batches) {
    const stored = rightEdgeTiles(size).map((t) => store.get(tileKey(t.level, t.index))!);
    const r = integrate(size, stored, leaves.slice(size, size + n), carry ? range : undefined);
    for (const t of r.changed) store.set(tileKey(t.level, t.index), t);
    size = r.newSize;
    range = r.range;
    sizes.push(size);
    roots.push(r.rootHash);
    results.push(r);
  }
  return { sizes, roots, store, results };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('integrate', () => {
  it.each([
    ['31 bytes', new Uint8Array(31)],
    ['33 bytes', new Uint8Array(33)],
    ['not bytes', 'x'],
  ])('refuses a leaf hash of %s with MERKLE_INVALID_HASH', (_name, bad) => {
    const good = hashLeaf(new Uint8Array([1]));
    expect(() => integrate(0, [], [good, bad as Uint8Array])).toThrow(
      expect.objectContaining({ code: 'MERKLE_INVALID_HASH' }),
    );
  });

  describe('when batches of various sizes are appended', () => {
    it.each([
      ['single leaves', Array(20).fill(1)],
      ['a full tile then one', [256, 1]],
      ['crossing tile boundaries', [255, 2, 300, 1, 511]],
      ['large batches', [1000, 3000, 1]],
      ['tile level 2 (65,536 leaves)', [65535, 1, 2]],
    ])('%s: every root equals the SDK root of the same leaves', (_name, batches) => {
      for (const carry of [false, true]) {
        const { sizes, roots } = integrateAll(batches as number[], carry);
        const leaves = leafHashes(sizes[sizes.length - 1]!);
        sizes.forEach((s, i) => {
          expect(hex(roots[i]!)).toBe(hex(rootFromLeafHashes(leaves.slice(0, s))));
        });
      }
    });

    it('with the range carried, writes the same tiles and edges as without it', () => {
      const batches = [1, 3, 250, 2, 1, 256, 17, 65000, 300, 1, 1];
      const folded = integrateAll(batches).results;
      const carried = integrateAll(batches, true).results;
      carried.forEach((r, i) => {
        const f = folded[i]!;
        expect(r.changed.map((t) => [t.level, t.index, hex(t.hashes)])).toEqual(
          f.changed.map((t) => [t.level, t.index, hex(t.hashes)]),
        );
        expect(r.edge.map((t) => [t.level, t.index, hex(t.hashes)])).toEqual(
          f.edge.map((t) => [t.level, t.index, hex(t.hashes)]),
        );
        // The same root as folding the stored right edge (the tile client's rebuild).
        const edge = new Map(r.edge.map((t) => [tileKey(t.level, t.index), t.hashes]));
        expect(hex(r.rootHash)).toBe(hex(rootFromTiles(r.newSize, (l, x) => edge.get(tileKey(l, x))!)));
      });
    });

    it('ignores a range of another size (folds the stored edge instead)', () => {
      const { store, results } = integrateAll([300, 5]);
      const stale = results[0]!.range; // size 300, the tree is at 305
      const stored = rightEdgeTiles(305).map((t) => store.get(tileKey(t.level, t.index))!);
      const leaves = leafHashes(306).slice(305);
      const r = integrate(305, stored, leaves, stale);
      expect(hex(r.rootHash)).toBe(hex(rootFromLeafHashes(leafHashes(306))));
      // The range given is left as it was: integrating from it twice gives the same tree.
      const carried = results[1]!.range;
      const once = integrate(305, stored, leaves, carried);
      const twice = integrate(305, stored, leaves, carried);
      expect(carried.size).toBe(305);
      expect(hex(twice.rootHash)).toBe(hex(once.rootHash));
      expect(hex(once.rootHash)).toBe(hex(rootFromLeafHashes(leafHashes(306))));
    });

    it('with no new leaves, answers the root of the old size from its range', () => {
      const { store, results } = integrateAll([1000]);
      const stored = rightEdgeTiles(1000).map((t) => store.get(tileKey(t.level, t.index))!);
      const r = integrate(1000, stored, [], results[0]!.range);
      expect(hex(r.rootHash)).toBe(hex(results[0]!.rootHash));
      expect(r.changed).toEqual([]);
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
      expect(() => integrate(5, [], leafHashes(1))).toThrow('missing stored tile 0/0');
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
