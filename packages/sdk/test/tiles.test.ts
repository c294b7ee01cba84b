/**
 * C2SP tlog-tiles: path encoding/parsing, tile index math against a brute-force reference built
 * from the spec's definition (tile n at level l holds MTH(D[(n·256+i)·256^l : (n·256+i+1)·256^l])),
 * node location folding against a full reference tree, and entry-bundle encoding.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { hexEncode } from '../src/encoding.js';
import { hashChildren } from '../src/merkle/index.js';
import {
  decodeEntryBundle,
  decodeTile,
  encodeEntryBundle,
  encodeTile,
  entryBundlePath,
  nodeTileLocation,
  parseEntryBundlePath,
  parseTilePath,
  TILE_HEIGHT,
  TILE_WIDTH,
  type TileId,
  tileHashesToParentHash,
  tileNodeHash,
  tilePath,
  tilesForTreeSize,
  tilesTouchedByAppend,
} from '../src/tiles/index.js';
import { makeLeaves, refNodeHash } from './vectors/reference-merkle.js';

const hex = hexEncode;
const key = (t: TileId) => `${t.level}/${t.index}/${t.width}`;

describe('tilePath', () => {
  describe('when given a tile', () => {
    it.each([
      [{ level: 0, index: 0, width: 256 }, 'tile/0/000'],
      [{ level: 0, index: 1234067, width: 256 }, 'tile/0/x001/x234/067'],
      [{ level: 0, index: 1234067, width: 5 }, 'tile/0/x001/x234/067.p/5'],
      [{ level: 3, index: 999, width: 255 }, 'tile/3/999.p/255'],
      [{ level: 1, index: 1000, width: 1 }, 'tile/1/x001/000.p/1'],
      [{ level: 63, index: 1000000, width: 256 }, 'tile/63/x001/x000/000'],
      [{ level: 2, index: 2 ** 53 - 1, width: 256 }, 'tile/2/x009/x007/x199/x254/x740/991'],
    ])('%j -> %s', (tile, path) => {
      expect(tilePath(tile)).toBe(path);
      expect(parseTilePath(path)).toEqual(tile);
    });
  });

  describe('when the tile is invalid', () => {
    it.each([
      [{ level: -1, index: 0, width: 256 }],
      [{ level: 64, index: 0, width: 256 }],
      [{ level: 0, index: -1, width: 256 }],
      [{ level: 0, index: 2 ** 53, width: 256 }],
      [{ level: 0, index: 1.5, width: 256 }],
      [{ level: 0, index: 0, width: 0 }],
      [{ level: 0, index: 0, width: 257 }],
    ])('%j throws TILE_INVALID', (tile) => {
      expect(() => tilePath(tile)).toThrow(expect.objectContaining({ code: 'TILE_INVALID' }));
    });
  });

  it('round-trips random tiles', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 63 }),
        fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.maxSafeNat()),
        fc.integer({ min: 1, max: 256 }),
        (level, index, width) => {
          const tile = { level, index, width };
          expect(parseTilePath(tilePath(tile))).toEqual(tile);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('parseTilePath', () => {
  describe('when the path is not canonical', () => {
    it.each([
      'tile/0/x000/067', // leading zero group
      'tile/0/1',
      'tile/0/01',
      'tile/0/0001',
      'tile/0/x001',
      'tile/0/001/234',
      'tile/0/x001/x234/067/',
      'tile/0/067.p/256',
      'tile/0/067.p/0',
      'tile/0/067.p/05',
      'tile/0/067.p/',
      'tile/0/067.p/1000',
      'tile/0/067.p/-1',
      'tile/00/067',
      'tile/01/067',
      'tile/64/067',
      'tile/100/067',
      'tile/-1/067',
      'tile//067',
      'tile/0/',
      'tile/entries/067',
      'tile/0/x1/067',
      'tile/0/X001/067',
      'tile/0/x00a/067',
      'tile/0/06a',
      '/tile/0/067',
      'tile/0/067 ',
      'tile/0/067\n',
      'tiles/0/067',
      'tile/0/x009/x007/x199/x254/x740/992', // 2^53
      'tile/0/x999/x999/x999/x999/x999/x999/999',
      '',
    ])('%j throws TILE_INVALID_PATH', (path) => {
      expect(() => parseTilePath(path)).toThrow(expect.objectContaining({ code: 'TILE_INVALID_PATH' }));
    });

    it('rejects a non-string', () => {
      expect(() => parseTilePath(42 as unknown as string)).toThrow(
        expect.objectContaining({ code: 'TILE_INVALID_PATH' }),
      );
    });
  });
});

describe('entryBundlePath', () => {
  describe('when given an index and width', () => {
    it.each([
      [0, 256, 'tile/entries/000'],
      [1234067, 256, 'tile/entries/x001/x234/067'],
      [1234067, 17, 'tile/entries/x001/x234/067.p/17'],
    ])('(%s, %s) -> %s', (index, width, path) => {
      expect(entryBundlePath(index, width)).toBe(path);
      expect(parseEntryBundlePath(path)).toEqual({ index, width });
    });

    it('defaults to a full bundle', () => {
      expect(entryBundlePath(5)).toBe('tile/entries/005');
    });
  });

  describe('when the input is invalid', () => {
    it.each([
      [-1, 256],
      [0, 0],
      [0, 257],
      [2 ** 53, 256],
    ])('(%s, %s) throws TILE_INVALID', (index, width) => {
      expect(() => entryBundlePath(index, width)).toThrow(expect.objectContaining({ code: 'TILE_INVALID' }));
    });

    it.each([
      'tile/0/000',
      'tile/entries/x000/001',
      'tile/entries/000.p/256',
      'tile/entries/',
      'tile/entries/1',
    ])('%j throws TILE_INVALID_PATH', (path) => {
      expect(() => parseEntryBundlePath(path)).toThrow(
        expect.objectContaining({ code: 'TILE_INVALID_PATH' }),
      );
    });
  });

  it('round-trips random bundles', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.integer({ min: 1, max: 256 }), (index, width) => {
        expect(parseEntryBundlePath(entryBundlePath(index, width))).toEqual({ index, width });
      }),
      { numRuns: 300 },
    );
  });
});

/** Brute force from the spec's definition: every tile of a tree of size s, with its width. */
function naiveTiles(s: number): TileId[] {
  const out: TileId[] = [];
  for (let level = 0; 256 ** level <= s; level++) {
    const span = 256 ** level;
    for (let n = 0; n * 256 * span < s; n++) {
      let width = 0;
      for (let i = 0; i < 256; i++) if ((n * 256 + i + 1) * span <= s) width = i + 1;
      if (width > 0) out.push({ level, index: n, width });
    }
  }
  return out;
}

const naiveCache = new Map<number, Map<string, TileId>>();
function naiveTilesCached(s: number): Map<string, TileId> {
  let m = naiveCache.get(s);
  if (!m) {
    m = new Map(naiveTiles(s).map((t) => [`${t.level}/${t.index}`, t]));
    naiveCache.set(s, m);
  }
  return m;
}

describe('tilesForTreeSize', () => {
  describe('when compared with the spec examples', () => {
    it('size 70,000: 273 full + partial 112 at level 0, full + partial 17 at level 1, partial 1 at level 2', () => {
      const tiles = tilesForTreeSize(70000);
      const l0 = tiles.filter((t) => t.level === 0);
      expect(l0.filter((t) => t.width === 256).length).toBe(273);
      expect(l0.filter((t) => t.width < 256)).toEqual([{ level: 0, index: 273, width: 112 }]);
      expect(tiles.filter((t) => t.level === 1)).toEqual([
        { level: 1, index: 0, width: 256 },
        { level: 1, index: 1, width: 17 },
      ]);
      expect(tiles.filter((t) => t.level === 2)).toEqual([{ level: 2, index: 0, width: 1 }]);
      expect(tiles.length).toBe(274 + 2 + 1);
    });

    it('size 256: one full level-0 tile and a level-1 tile of width 1', () => {
      expect(tilesForTreeSize(256)).toEqual([
        { level: 0, index: 0, width: 256 },
        { level: 1, index: 0, width: 1 },
      ]);
    });

    it('size 0 has no tiles', () => {
      expect(tilesForTreeSize(0)).toEqual([]);
    });
  });

  it('matches a naive enumeration for random sizes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 140000 })), (s) => {
        expect(tilesForTreeSize(s).map(key).sort()).toEqual(naiveTiles(s).map(key).sort());
      }),
      { numRuns: 30 },
    );
  });

  it.each([[-1], [2 ** 53], [0.5]])('rejects size %s', (s) => {
    expect(() => tilesForTreeSize(s)).toThrow(expect.objectContaining({ code: 'MERKLE_INVALID_SIZE' }));
  });
});

describe('tilesTouchedByAppend', () => {
  it('is exactly the tiles of the new size that the old size lacks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 80000 }), fc.integer({ min: 0, max: 70000 }), (a, d) => {
        const before = new Set(naiveTiles(a).map(key));
        const want = naiveTiles(a + d)
          .map(key)
          .filter((k) => !before.has(k))
          .sort();
        expect(
          tilesTouchedByAppend(a, a + d)
            .map(key)
            .sort(),
        ).toEqual(want);
      }),
      { numRuns: 60 },
    );
  });

  it.each([
    [10, 9, 'MERKLE_INVALID_SIZE'],
    [-1, 9, 'MERKLE_INVALID_SIZE'],
  ])('(%s, %s) throws %s', (a, b, code) => {
    expect(() => tilesTouchedByAppend(a, b)).toThrow(expect.objectContaining({ code }));
  });

  it('handles large sizes', () => {
    expect(tilesTouchedByAppend(2 ** 53 - 2, 2 ** 53 - 1)).toEqual([
      { level: 0, index: 2 ** 45 - 1, width: 255 },
    ]);
    const t = tilesTouchedByAppend(2 ** 48 - 1, 2 ** 48);
    expect(t.map(key)).toEqual([
      `0/${2 ** 40 - 1}/256`,
      `1/${2 ** 32 - 1}/256`,
      `2/${2 ** 24 - 1}/256`,
      `3/${2 ** 16 - 1}/256`,
      `4/255/256`,
      `5/0/256`,
      `6/0/1`,
    ]);
  });
});

describe('nodeTileLocation', () => {
  // A full reference tree of N leaves, level by level (levels[L][i] = node {L, i}).
  const N = 70000;
  let levels: Uint8Array[][] = [];
  beforeAll(() => {
    levels = [makeLeaves(N)];
    while (levels[levels.length - 1]!.length > 1) {
      const prev = levels[levels.length - 1]!;
      const next: Uint8Array[] = [];
      // hashChildren is checked against SHA-256 directly in merkle.proofs.test.ts; it is ~5x faster here.
      for (let i = 0; i + 1 < prev.length; i += 2) next.push(hashChildren(prev[i]!, prev[i + 1]!));
      levels.push(next);
    }
  });

  /** Tile contents from the spec definition: stored hashes of tile level l are nodes at level 8l. */
  function tileContents(tile: TileId): Uint8Array[] {
    const stored = levels[tile.level * TILE_HEIGHT]!;
    return stored.slice(tile.index * TILE_WIDTH, tile.index * TILE_WIDTH + tile.width);
  }

  function checkNode(level: number, index: number, size: number): void {
    const loc = nodeTileLocation({ level, index }, size);
    const naive = naiveTilesCached(size).get(`${loc.tile.level}/${loc.tile.index}`);
    expect(naive).toEqual(loc.tile);
    expect(loc.end - loc.start).toBe(2 ** (level % 8));
    expect(loc.end).toBeLessThanOrEqual(loc.tile.width);
    expect(hex(tileNodeHash(tileContents(loc.tile), loc.start, loc.end))).toBe(hex(levels[level]![index]!));
  }

  it('folds to node hashes on every level of a tree of 70,000 leaves', () => {
    for (let level = 0; level < levels.length; level++) {
      const count = Math.floor(N / 2 ** level);
      // ~300 nodes per level (every node of the upper levels), always including the last one
      const step = Math.max(1, Math.floor(count / 300));
      for (let index = 0; index < count; index += step) checkNode(level, index, N);
      checkNode(level, count - 1, N);
    }
  });

  it('folds to the node hash for random nodes of random tree sizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: N }), fc.nat(), fc.nat(), (size, l, r) => {
        const level = l % (Math.floor(Math.log2(size)) + 1);
        const index = r % Math.floor(size / 2 ** level);
        checkNode(level, index, size);
      }),
      { numRuns: 300 },
    );
  });

  it('places a node of level 16 in a level-2 tile', () => {
    expect(nodeTileLocation({ level: 16, index: 3 }, 2 ** 40)).toEqual({
      tile: { level: 2, index: 0, width: 256 },
      start: 3,
      end: 4,
    });
    expect(nodeTileLocation({ level: 20, index: 17 }, 2 ** 40)).toEqual({
      tile: { level: 2, index: 1, width: 256 },
      start: 16,
      end: 32,
    });
  });

  describe('when the node is not complete in the tree', () => {
    it.each([
      [{ level: 0, index: 5 }, 5],
      [{ level: 3, index: 1 }, 15],
      [{ level: -1, index: 0 }, 10],
      [{ level: 0, index: -1 }, 10],
      [{ level: 0, index: 0.5 }, 10],
      [{ level: 54, index: 0 }, 2 ** 53 - 1],
    ])('%j in size %s throws MERKLE_INVALID_INDEX', (node, size) => {
      expect(() => nodeTileLocation(node, size)).toThrow(
        expect.objectContaining({ code: 'MERKLE_INVALID_INDEX' }),
      );
    });
  });
});

describe('tileHashesToParentHash', () => {
  const leaves = makeLeaves(512);

  it('equals the Merkle root of the 256 hashes', () => {
    let layer = leaves.slice(256, 512);
    while (layer.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i < layer.length; i += 2) next.push(refNodeHash(layer[i]!, layer[i + 1]!));
      layer = next;
    }
    expect(hex(tileHashesToParentHash(leaves.slice(256, 512)))).toBe(hex(layer[0]!));
  });

  it.each([
    ['255 hashes', () => leaves.slice(0, 255), 'TILE_INVALID'],
    ['a short hash', () => [...leaves.slice(0, 255), new Uint8Array(31)], 'TILE_INVALID'],
  ])('rejects %s', (_, make, code) => {
    expect(() => tileHashesToParentHash(make())).toThrow(expect.objectContaining({ code }));
  });
});

describe('tileNodeHash', () => {
  const hs = makeLeaves(8);
  it.each([
    [0, 3],
    [1, 3],
    [2, 2],
    [-1, 1],
    [4, 12],
  ])('rejects [%s, %s) with TILE_INVALID', (start, end) => {
    expect(() => tileNodeHash(hs, start, end)).toThrow(expect.objectContaining({ code: 'TILE_INVALID' }));
  });
});

describe('decodeTile / encodeTile', () => {
  it('round-trips', () => {
    const hs = makeLeaves(17);
    expect(decodeTile(encodeTile(hs), 17).map(hex)).toEqual(hs.map(hex));
  });

  it.each([
    ['empty data', new Uint8Array(0), undefined],
    ['a partial hash', new Uint8Array(33), undefined],
    ['257 hashes', new Uint8Array(257 * 32), undefined],
    ['the wrong width', new Uint8Array(64), 3],
  ])('decodeTile rejects %s with TILE_INVALID', (_, data, width) => {
    expect(() => decodeTile(data, width)).toThrow(expect.objectContaining({ code: 'TILE_INVALID' }));
  });

  it.each([
    ['no hashes', []],
    ['a short hash', [new Uint8Array(31)]],
  ])('encodeTile rejects %s with TILE_INVALID', (_, hashes) => {
    expect(() => encodeTile(hashes)).toThrow(expect.objectContaining({ code: 'TILE_INVALID' }));
  });
});

describe('encodeEntryBundle / decodeEntryBundle', () => {
  describe('when given valid entries', () => {
    it('round-trips random bundles', () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 256 }), (entries) => {
          const bundle = encodeEntryBundle(entries);
          expect(decodeEntryBundle(bundle, entries.length).map(hex)).toEqual(entries.map(hex));
        }),
        { numRuns: 100 },
      );
    });

    it('uses big-endian uint16 length prefixes', () => {
      const bundle = encodeEntryBundle([new Uint8Array([7]), new Uint8Array(258)]);
      expect(Array.from(bundle.slice(0, 5))).toEqual([0, 1, 7, 1, 2]);
      expect(bundle.length).toBe(3 + 2 + 258);
    });

    it('accepts an entry of exactly 65535 bytes', () => {
      const e = new Uint8Array(65535).fill(9);
      expect(decodeEntryBundle(encodeEntryBundle([e]))[0]!.length).toBe(65535);
    });
  });

  describe('when encoding invalid entries', () => {
    it.each([
      ['an oversized entry', [new Uint8Array(65536)]],
      ['257 entries', Array.from({ length: 257 }, () => new Uint8Array(1))],
      ['a non-bytes entry', ['abc']],
    ])('rejects %s with ENTRY_BUNDLE_INVALID', (_, entries) => {
      expect(() => encodeEntryBundle(entries as Uint8Array[])).toThrow(
        expect.objectContaining({ code: 'ENTRY_BUNDLE_INVALID' }),
      );
    });
  });

  describe('when decoding invalid bundles', () => {
    it.each([
      ['a truncated length prefix', new Uint8Array([0, 1, 5, 0])],
      ['a truncated entry', new Uint8Array([0, 3, 1, 2])],
      ['a length beyond the end', new Uint8Array([0xff, 0xff, 1])],
      ['257 empty entries', new Uint8Array(257 * 2)],
    ])('rejects %s with ENTRY_BUNDLE_INVALID', (_, bundle) => {
      expect(() => decodeEntryBundle(bundle)).toThrow(
        expect.objectContaining({ code: 'ENTRY_BUNDLE_INVALID' }),
      );
    });

    it('rejects the wrong entry count', () => {
      expect(() => decodeEntryBundle(encodeEntryBundle([new Uint8Array(1)]), 2)).toThrow(
        expect.objectContaining({ code: 'ENTRY_BUNDLE_INVALID' }),
      );
    });

    it('rejects every truncation of a valid bundle', () => {
      const bundle = encodeEntryBundle([new Uint8Array(3), new Uint8Array(0), new Uint8Array(5)]);
      const valid = new Set([0, 5, 7, 14]); // lengths that end exactly on an entry boundary
      for (let len = 0; len < bundle.length; len++) {
        if (valid.has(len)) continue;
        expect(() => decodeEntryBundle(bundle.slice(0, len))).toThrow(
          expect.objectContaining({ code: 'ENTRY_BUNDLE_INVALID' }),
        );
      }
    });

    it('rejects non-bytes', () => {
      expect(() => decodeEntryBundle('x' as unknown as Uint8Array)).toThrow(
        expect.objectContaining({ code: 'ENTRY_BUNDLE_INVALID' }),
      );
    });
  });
});
