import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  foldTileBytes as foldPerfect,
  TileNodeCache,
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
      expect(() => tileNodeHash('0/0', tile, 10, start, end, new TileNodeCache())).toThrow();
    });
  });
});
