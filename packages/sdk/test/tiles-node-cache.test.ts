import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildConsistencyProof,
  buildInclusionProof,
  consistencyProofTiles,
  foldTileBytes as foldPerfect,
  inclusionProofTiles,
  integrate,
  type TileGetter,
  TileNodeCache,
  tileKey,
  cachedTileNodeHash as tileNodeHash,
} from '../src/tiles/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('tileNodeHash', () => {
  describe('when a cache is given', () => {
    it.each([1, 2, 3, 5, 64, 128, 200, 255, 256])(
      'equals direct folding for every aligned node of a width-%i tile',
      (width) => {
        const tile = new Uint8Array(randomBytes(256 * 32));
        const cache = new TileNodeCache({ level0: 2, upper: 2, partial: 2 });
        for (let j = 0; 2 ** j <= width; j++) {
          const n = 2 ** j;
          for (let start = 0; start + n <= width; start += n) {
            const got = tileNodeHash('0/0', tile, width, start, start + n, cache);
            expect(hex(got)).toBe(hex(foldPerfect(tile, start, start + n)));
          }
        }
      },
    );

    it('extends a growing tile from its narrower levels to the same nodes as folding it anew', () => {
      const tile = new Uint8Array(randomBytes(256 * 32));
      const cache = new TileNodeCache({ level0: 4, upper: 4, partial: 4 });
      // Growing by batches (each width extends the widest before it), up to full, then back to older widths.
      for (const width of [1, 3, 7, 8, 9, 100, 127, 128, 200, 255, 256, 50, 130]) {
        for (let j = 0; 2 ** j <= width; j++) {
          const n = 2 ** j;
          for (let start = 0; start + n <= width; start += n) {
            const got = tileNodeHash('0/3', tile, width, start, start + n, cache);
            expect(hex(got), `width ${width} [${start}, ${start + n})`).toBe(
              hex(foldPerfect(tile, start, start + n)),
            );
          }
        }
      }
    });

    it('keeps widths of one partial tile apart (a row grows in place)', () => {
      const tile = new Uint8Array(randomBytes(256 * 32));
      const cache = new TileNodeCache();
      const a = tileNodeHash('0/7', tile, 2, 0, 2, cache);
      tile.set(randomBytes(32), 32 * 3); // the row grows: hash 3 appears
      const b = tileNodeHash('0/7', tile, 4, 0, 4, cache);
      expect(hex(b)).toBe(hex(foldPerfect(tile, 0, 4)));
      expect(hex(tileNodeHash('0/7', tile, 2, 0, 2, cache))).toBe(hex(a));
    });

    it('returns copies that cannot alter the cache', () => {
      const tile = new Uint8Array(randomBytes(256 * 32));
      const cache = new TileNodeCache();
      const first = tileNodeHash('1/0', tile, 256, 0, 256, cache);
      first.fill(0);
      expect(hex(tileNodeHash('1/0', tile, 256, 0, 256, cache))).toBe(hex(foldPerfect(tile, 0, 256)));
    });
  });

  describe('when a limit is 0', () => {
    it('computes without keeping (level-0 tiles uncached, upper tiles cached)', () => {
      const tile = new Uint8Array(randomBytes(256 * 32));
      const cache = new TileNodeCache({ level0: 0 });
      expect(hex(tileNodeHash('0/3', tile, 256, 0, 128, cache))).toBe(hex(foldPerfect(tile, 0, 128)));
      expect(cache.get('0/3', 256)).toBeUndefined();
      tileNodeHash('1/3', tile, 256, 0, 128, cache);
      expect(cache.get('1/3', 256)).toBeDefined();
    });
  });

  describe('when the range is not a complete node', () => {
    it.each([
      [0, 3],
      [1, 3],
      [0, 0],
      [4, 12],
    ])('[%i, %i) throws', (start, end) => {
      const tile = new Uint8Array(256 * 32);
      expect(() => tileNodeHash('0/0', tile, 10, start, end, new TileNodeCache())).toThrow(
        'cannot fold tile range',
      );
    });
  });
});

describe('inclusionProofTiles / consistencyProofTiles', () => {
  // Stored tiles of a tree of `size` random leaves, through the SDK's integrator.
  const size = 70_000;
  const tiles = new Map<string, Uint8Array>();
  for (const t of integrate(
    0,
    [],
    Array.from({ length: size }, () => new Uint8Array(randomBytes(32))),
  ).changed) {
    tiles.set(tileKey(t.level, t.index), t.hashes);
  }
  /** A getter recording which tiles a proof asked for. */
  const recording = () => {
    const asked: string[] = [];
    const get: TileGetter = async (keys) => {
      asked.push(...keys.map((k) => tileKey(k.level, k.index)));
      return new Map(keys.map((k) => [tileKey(k.level, k.index), tiles.get(tileKey(k.level, k.index))!]));
    };
    return { asked, get };
  };
  const keys = (ts: { level: number; index: number }[]) => ts.map((t) => tileKey(t.level, t.index)).sort();

  it.each([0, 255, 256, 65_535, 65_536, 69_999])(
    'lists exactly the tiles the inclusion proof of %i reads, and none once they are cached',
    async (index) => {
      const cache = new TileNodeCache();
      const { asked, get } = recording();
      const planned = inclusionProofTiles(index, size, cache);
      await buildInclusionProof(index, size, get, cache);
      expect(keys(planned)).toEqual([...new Set(asked)].sort());
      expect(inclusionProofTiles(index, size, cache)).toEqual([]);
    },
  );

  it.each([
    [1, size],
    [300, size],
    [65_537, 69_999],
  ])('lists exactly the tiles the consistency proof %i -> %i reads', async (a, b) => {
    const cache = new TileNodeCache();
    const { asked, get } = recording();
    const planned = consistencyProofTiles(a, b, cache);
    await buildConsistencyProof(a, b, get, cache);
    expect(keys(planned)).toEqual([...new Set(asked)].sort());
    expect(consistencyProofTiles(a, b, cache)).toEqual([]);
  });
});
