import { describe, expect, it } from 'vitest';
import { utf8Encode } from '../src/encoding.js';
import { hashLeaf, rootFromLeafHashes, verifyConsistency, verifyInclusion } from '../src/merkle/index.js';
import { ed25519Signer, formatCheckpoint, parseVerifierKey, signNote } from '../src/note/index.js';
import { formatVerifierKey, NOTE_KEY_TYPE_ED25519 } from '../src/note/verifier.js';
import { httpTileSource, TileClient, type TileSource } from '../src/tiles/client.js';
import { encodeEntryBundle, entryBundlePath, tilePath } from '../src/tiles/index.js';

/**
 * An in-memory tiled log built independently of the client: level-0 tiles hold leaf hashes; a
 * level-k stored hash is the Merkle root of 256 consecutive level-(k-1) stored hashes; partial tiles
 * and bundles are served under their `.p/W` paths.
 */
function buildLog(size: number, opts: { partials?: boolean; fulls?: boolean } = {}) {
  const entries = Array.from({ length: size }, (_, i) => utf8Encode(`entry ${i}`));
  const leaves = entries.map(hashLeaf);
  const files = new Map<string, Uint8Array>();
  let level = leaves;
  for (let l = 0; level.length > 0; l++) {
    const next: Uint8Array[] = [];
    for (let n = 0; n * 256 < level.length; n++) {
      const chunk = level.slice(n * 256, (n + 1) * 256);
      const data = new Uint8Array(chunk.length * 32);
      chunk.forEach((h, i) => {
        data.set(h, i * 32);
      });
      const full = chunk.length === 256;
      if (full && opts.fulls !== false) files.set(tilePath({ level: l, index: n, width: 256 }), data);
      if (!full && opts.partials !== false)
        files.set(tilePath({ level: l, index: n, width: chunk.length }), data);
      if (full) next.push(rootFromLeafHashes(chunk));
      if (l === 0) {
        const b = encodeEntryBundle(entries.slice(n * 256, (n + 1) * 256));
        if (full) files.set(entryBundlePath(n, 256), b);
        else if (opts.partials !== false) files.set(entryBundlePath(n, chunk.length), b);
      }
    }
    level = next;
  }
  const root = rootFromLeafHashes(leaves);
  const fetched: string[] = [];
  const source: TileSource = {
    async get(path) {
      fetched.push(path);
      return files.get(path);
    },
  };
  return { entries, leaves, files, root, source, fetched };
}

const SIZES = [0, 1, 2, 3, 7, 8, 255, 256, 257, 511, 512, 513, 1000, 65535, 65536, 65537, 70000];

describe('TileClient.rootHash', () => {
  describe('when the tiles are honest', () => {
    it.each(SIZES)('rebuilds the root of a tree of size %i', async (size) => {
      const log = buildLog(size);
      const client = new TileClient(log.source);
      expect(await client.rootHash(size)).toEqual(log.root);
    });
  });

  describe('when a tile was altered', () => {
    it('no longer matches the checkpoint root (MERKLE_ROOT_MISMATCH)', async () => {
      const log = buildLog(1000);
      const path = tilePath({ level: 0, index: 3, width: 1000 - 768 });
      const t = log.files.get(path)!.slice();
      t[5]! ^= 1;
      log.files.set(path, t);
      const client = new TileClient(log.source);
      await expect(
        client.verifyCheckpointRoot({ origin: 'o', size: 1000, rootHash: log.root, extensions: [] }),
      ).rejects.toMatchObject({ code: 'MERKLE_ROOT_MISMATCH' });
    });
  });

  describe('when a tile has the wrong length', () => {
    it('throws TILE_INVALID', async () => {
      const log = buildLog(300);
      log.files.set(tilePath({ level: 0, index: 1, width: 44 }), new Uint8Array(43 * 32));
      await expect(new TileClient(log.source).rootHash(300)).rejects.toMatchObject({ code: 'TILE_INVALID' });
    });
  });

  describe('when a tile is missing', () => {
    it('throws TILE_NOT_FOUND', async () => {
      const log = buildLog(300);
      log.files.delete(tilePath({ level: 1, index: 0, width: 1 }));
      await expect(new TileClient(log.source).rootHash(300)).rejects.toMatchObject({
        code: 'TILE_NOT_FOUND',
      });
    });
  });

  describe('when the partial tile is gone but the full tile exists', () => {
    it('falls back to the first W hashes of the full tile', async () => {
      const big = buildLog(512);
      const small = buildLog(300);
      // The 512-tree's tiles plus the 300-tree's level-1 partial: its partial 0/1.p/44 is gone.
      const l1 = tilePath({ level: 1, index: 0, width: 1 });
      big.files.set(l1, small.files.get(l1)!);
      const client = new TileClient(big.source);
      expect(await client.rootHash(300)).toEqual(small.root);
      expect(big.fetched).toContain(tilePath({ level: 0, index: 1, width: 44 }));
      expect(big.fetched).toContain(tilePath({ level: 0, index: 1, width: 256 }));
    });
  });

  describe('when the size is not a safe integer', () => {
    it.each([-1, 1.5, Number.MAX_SAFE_INTEGER + 1])('rejects %d', async (size) => {
      await expect(new TileClient(buildLog(0).source).rootHash(size)).rejects.toMatchObject({
        code: 'MERKLE_INVALID_SIZE',
      });
    });
  });
});

describe('TileClient.inclusionProof', () => {
  describe('when built from tiles', () => {
    const log = buildLog(70000);
    const client = new TileClient(log.source);
    it.each([
      [0, 1],
      [0, 70000],
      [255, 256],
      [256, 257],
      [69999, 70000],
      [12345, 70000],
      [65535, 65536],
      [65536, 65537],
      [500, 513],
    ])('verifies for index %i in size %i', async (index, size) => {
      const sub = size === 70000 ? log : buildLog(size);
      const proof = await (size === 70000 ? client : new TileClient(sub.source)).inclusionProof(index, size);
      expect(() => verifyInclusion(index, size, sub.leaves[index]!, proof, sub.root)).not.toThrow();
    });
  });

  describe('when the index is beyond the tree', () => {
    it('throws MERKLE_INVALID_INDEX', async () => {
      const log = buildLog(10);
      await expect(new TileClient(log.source).inclusionProof(10, 10)).rejects.toMatchObject({
        code: 'MERKLE_INVALID_INDEX',
      });
    });
  });
});

describe('TileClient.consistencyProof', () => {
  describe('when built from the tiles of the larger tree', () => {
    const log = buildLog(70000);
    const client = new TileClient(log.source);
    it.each([
      [1, 70000],
      [255, 70000],
      [256, 70000],
      [257, 70000],
      [1000, 70000],
      [65536, 70000],
      [69999, 70000],
      [70000, 70000],
    ])('proves %i -> %i', async (size1, size2) => {
      const old = buildLog(size1);
      const proof = await client.consistencyProof(size1, size2);
      expect(() => verifyConsistency(size1, size2, proof, old.root, log.root)).not.toThrow();
    });
  });

  describe('when the old tree was different (a fork)', () => {
    it('the proof does not verify against the forked old root', async () => {
      const log = buildLog(1000);
      const forkedLeaves = buildLog(600).leaves;
      forkedLeaves[17] = hashLeaf(utf8Encode('rewritten'));
      const forkedRoot = rootFromLeafHashes(forkedLeaves);
      const proof = await new TileClient(log.source).consistencyProof(600, 1000);
      expect(() => verifyConsistency(600, 1000, proof, forkedRoot, log.root)).toThrow(
        'consistency proof does not lead to root1',
      );
    });
  });
});

describe('TileClient.entries', () => {
  describe('when streaming a range', () => {
    it.each([
      [0, 0, 0],
      [0, 1, 1],
      [0, 513, 513],
      [100, 700, 1000],
      [255, 257, 300],
      [999, 1000, 1000],
    ])('yields [%i, %i) of size %i in order', async (start, end, size) => {
      const log = buildLog(size);
      const out: number[] = [];
      for await (const e of new TileClient(log.source, { prefetch: 3 }).entries(start, end, size, {
        checkLeafHashes: true,
      })) {
        expect(e.data).toEqual(log.entries[e.index]);
        out.push(e.index);
      }
      expect(out).toEqual(Array.from({ length: end - start }, (_, i) => start + i));
    });
  });

  describe('when streaming a range one bundle at a time (entryBatches)', () => {
    it.each([
      [0, 0, 0, []],
      [
        0,
        513,
        513,
        [
          [0, 256],
          [256, 256],
          [512, 1],
        ],
      ],
      [
        100,
        700,
        1000,
        [
          [100, 156],
          [256, 256],
          [512, 188],
        ],
      ],
      [
        255,
        257,
        300,
        [
          [255, 1],
          [256, 1],
        ],
      ],
    ])('yields [%i, %i) of size %i as %j', async (start, end, size, shape) => {
      const log = buildLog(size);
      const got: number[][] = [];
      for await (const b of new TileClient(log.source, { prefetch: 2 }).entryBatches(start, end, size, {
        checkLeafHashes: true,
      })) {
        got.push([b.start, b.entries.length]);
        b.entries.forEach((data, i) => {
          expect(data).toEqual(log.entries[b.start + i]);
        });
      }
      expect(got).toEqual(shape);
    });
  });

  describe('when a bundle entry was altered', () => {
    it('is caught against the level-0 tile (MERKLE_ROOT_MISMATCH)', async () => {
      const log = buildLog(300);
      const entries = log.entries.slice(0, 256);
      entries[7] = utf8Encode('forged');
      log.files.set(entryBundlePath(0, 256), encodeEntryBundle(entries));
      const run = async () => {
        for await (const _ of new TileClient(log.source).entries(0, 300, 300, { checkLeafHashes: true })) {
          // drain
        }
      };
      await expect(run()).rejects.toMatchObject({ code: 'MERKLE_ROOT_MISMATCH' });
    });
  });

  describe('when a bundle has the wrong number of entries', () => {
    it('throws ENTRY_BUNDLE_INVALID', async () => {
      const log = buildLog(300);
      log.files.set(entryBundlePath(1, 44), encodeEntryBundle(log.entries.slice(256, 299)));
      const run = async () => {
        for await (const _ of new TileClient(log.source).entries(256, 300, 300)) {
          // drain
        }
      };
      await expect(run()).rejects.toMatchObject({ code: 'ENTRY_BUNDLE_INVALID' });
    });
  });

  describe('when the range is outside the tree', () => {
    it.each([
      [5, 4, 10],
      [0, 11, 10],
    ])('rejects [%i, %i) of size %i', async (start, end, size) => {
      const gen = new TileClient(buildLog(size).source).entries(start, end, size);
      await expect(gen.next()).rejects.toMatchObject({ code: 'MERKLE_INVALID_INDEX' });
    });
  });
});

describe('TileClient.fetchCheckpoint', () => {
  const seed = new Uint8Array(32).fill(7);
  const signer = ed25519Signer('example.com/log', seed);
  const verifier = parseVerifierKey(
    formatVerifierKey('example.com/log', NOTE_KEY_TYPE_ED25519, signer.publicKey),
  );

  describe('when the checkpoint is signed by a trusted key', () => {
    it('returns the parsed checkpoint', async () => {
      const log = buildLog(300);
      const body = formatCheckpoint({
        origin: 'example.com/log',
        size: 300,
        rootHash: log.root,
        extensions: [],
      });
      log.files.set('checkpoint', utf8Encode(await signNote(body, [signer])));
      const client = new TileClient(log.source);
      const v = await client.fetchCheckpoint([verifier]);
      expect(v.checkpoint.size).toBe(300);
      await expect(client.verifyCheckpointRoot(v.checkpoint)).resolves.toBeUndefined();
    });
  });

  describe('when the checkpoint is signed by another key', () => {
    it('throws NOTE_NO_VERIFIED_SIGNATURE', async () => {
      const log = buildLog(3);
      const other = ed25519Signer('example.com/log', new Uint8Array(32).fill(9));
      const body = formatCheckpoint({
        origin: 'example.com/log',
        size: 3,
        rootHash: log.root,
        extensions: [],
      });
      log.files.set('checkpoint', utf8Encode(await signNote(body, [other])));
      await expect(new TileClient(log.source).fetchCheckpoint([verifier])).rejects.toMatchObject({
        code: 'NOTE_NO_VERIFIED_SIGNATURE',
      });
    });
  });

  describe('when there is no checkpoint', () => {
    it('throws TILE_NOT_FOUND', async () => {
      await expect(new TileClient(buildLog(0).source).fetchCheckpoint([verifier])).rejects.toMatchObject({
        code: 'TILE_NOT_FOUND',
      });
    });
  });
});

describe('httpTileSource', () => {
  const respond = (status: number, body = new Uint8Array(0)) =>
    (async () => ({
      ok: status >= 200 && status < 300,
      status,
      arrayBuffer: async () => body.buffer,
    })) as never;

  describe('when the server answers 404', () => {
    it('resolves undefined', async () => {
      await expect(
        httpTileSource('http://x/api/v2/', { fetch: respond(404) }).get('tile/0/000'),
      ).resolves.toBe(undefined);
    });
  });

  describe('when the server fails', () => {
    it.each([500, 503, 403])('throws TILE_FETCH_FAILED on %i', async (status) => {
      await expect(
        httpTileSource('http://x', { fetch: respond(status) }).get('checkpoint'),
      ).rejects.toMatchObject({
        code: 'TILE_FETCH_FAILED',
      });
    });
    it('throws TILE_FETCH_FAILED when fetch rejects', async () => {
      const fetch = (async () => {
        throw new TypeError('connection refused');
      }) as never;
      await expect(httpTileSource('http://x', { fetch }).get('checkpoint')).rejects.toMatchObject({
        code: 'TILE_FETCH_FAILED',
      });
    });
  });

  describe('when the server answers 200', () => {
    it('requests <prefix>/<path> and returns the body', async () => {
      const urls: string[] = [];
      const fetch = (async (url: string) => {
        urls.push(url);
        return { ok: true, status: 200, arrayBuffer: async () => new Uint8Array([1, 2]).buffer };
      }) as never;
      expect(await httpTileSource('http://x/api/v2/', { fetch }).get('tile/0/001')).toEqual(
        new Uint8Array([1, 2]),
      );
      expect(urls).toEqual(['http://x/api/v2/tile/0/001']);
    });
  });
});
