/**
 * Tile client for C2SP tlog-tiles logs (https://c2sp.org/tlog-tiles): fetches and verifies the
 * signed checkpoint (C2SP signed-note / tlog-checkpoint), reads Merkle tiles and entry bundles from a
 * `TileSource` (HTTP or anything else), rebuilds the root of a tree from its tiles, and builds RFC 6962
 * inclusion and consistency proofs client-side, without any proof endpoint.
 *
 * Trust model: nothing a source returns is trusted. A tile is only as good as the root it rebuilds;
 * callers MUST compare what they derive (a root, a proof verified against a checkpoint root) with a
 * checkpoint whose signature they verified. `verifyCheckpointRoot` does exactly that.
 *
 * Per the spec, clients MUST NOT fetch partial tiles for sizes no verified checkpoint requires, and MAY
 * fall back to the full tile when a partial one is gone; this client does the fallback (the first W
 * hashes of a full tile are the W hashes of the partial tile).
 */
import { bytesEqual, utf8Decode } from '../encoding.js';
import { ScribaError } from '../errors.js';
import { hashLeaf, type NodeId, rangeNodes } from '../merkle/index.js';
import {
  type Checkpoint,
  type Note,
  type NoteSignature,
  type NoteVerifier,
  parseCheckpoint,
  verifyNote,
} from '../note/index.js';
import { type HostHttpResponse, hostHttpGet } from './host-http.js';
import {
  buildConsistencyProof,
  buildInclusionProof,
  decodeEntryBundle,
  encodeTile,
  entryBundlePath,
  nodeTileLocation,
  rootFromTiles,
  TILE_WIDTH,
  type TileGetter,
  type TileId,
  tileKey,
  tileNodeHash,
  tilePath,
  tileWidth,
} from './index.js';

export { type HostHttpGet, type HostHttpResponse, useHostHttp } from './host-http.js';

const HASH_SIZE = 32;

/** Where tiles come from. `get` resolves `undefined` when the resource does not exist (HTTP 404). */
export interface TileSource {
  get(path: string): Promise<Uint8Array | undefined>;
}

/** The subset of WHATWG `fetch` this client uses (so tests and other runtimes can inject one). */
export type FetchLike = (
  url: string,
  init?: { headers?: Record<string, string>; signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

export type HttpTileSourceOptions = {
  /** Defaults to `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Per-request timeout in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Extra request headers (e.g. a User-Agent). */
  headers?: Record<string, string>;
};

/**
 * A TileSource over HTTP: `<prefix>/checkpoint`, `<prefix>/tile/...`. `prefix` is the log's tlog-tiles
 * URL prefix (for Scriba, `https://host/api/v2`). 404 resolves `undefined`; any other failure throws
 * TILE_FETCH_FAILED. Without `options.fetch`, the host's GET is used when one is installed (under
 * Node, `node:http`, asking for identity encoding: on a fast link, decompressing entry bundles costs
 * more CPU than their bytes cost time; see ./host-http.ts), else `globalThis.fetch` (gzip accepted).
 */
export function httpTileSource(prefix: string, options: HttpTileSourceOptions = {}): TileSource {
  const base = prefix.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const host = options.fetch === undefined ? hostHttpGet() : undefined;
  if (host !== undefined) {
    const headers = { 'accept-encoding': 'identity', ...options.headers };
    return {
      async get(path: string): Promise<Uint8Array | undefined> {
        const url = `${base}/${path}`;
        let res: HostHttpResponse;
        try {
          res = await host(url, headers, timeoutMs);
        } catch (e) {
          throw new ScribaError('TILE_FETCH_FAILED', `GET ${url} failed`, { cause: e });
        }
        if (res.status === 404) return undefined;
        if (res.status < 200 || res.status > 299) {
          throw new ScribaError('TILE_FETCH_FAILED', `GET ${url} answered HTTP ${res.status}`);
        }
        return res.body;
      },
    };
  }
  const doFetch: FetchLike = options.fetch ?? (globalThis.fetch as unknown as FetchLike);
  return {
    async get(path: string): Promise<Uint8Array | undefined> {
      const url = `${base}/${path}`;
      let res: Awaited<ReturnType<FetchLike>>;
      try {
        res = await doFetch(url, {
          headers: { 'accept-encoding': 'gzip, identity', ...options.headers },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (e) {
        throw new ScribaError('TILE_FETCH_FAILED', `GET ${url} failed`, { cause: e });
      }
      if (res.status === 404) return undefined;
      if (!res.ok) throw new ScribaError('TILE_FETCH_FAILED', `GET ${url} answered HTTP ${res.status}`);
      try {
        return new Uint8Array(await res.arrayBuffer());
      } catch (e) {
        throw new ScribaError('TILE_FETCH_FAILED', `GET ${url}: reading the body failed`, { cause: e });
      }
    },
  };
}

/** A checkpoint whose note signature verified with at least one trusted key. */
export type VerifiedCheckpoint = {
  /** The whole signed note as served. */
  text: string;
  note: Note;
  checkpoint: Checkpoint;
  /** The signatures that verified. */
  verified: NoteSignature[];
};

/** One log entry read from an entry bundle. */
export type TileEntry = { index: number; data: Uint8Array };

/** Consecutive log entries from one entry bundle: entry `start + i` is `entries[i]`. */
export type EntryBatch = { start: number; entries: Uint8Array[] };

export type TileClientOptions = {
  /** Maximum number of tiles kept in memory (default 4096, ~32 MiB of full tiles). */
  cacheSize?: number;
  /** Entry bundles fetched ahead while streaming entries (default 8). */
  prefetch?: number;
};

function assertSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ScribaError('MERKLE_INVALID_SIZE', `${what} must be a non-negative safe integer`);
  }
}

/**
 * Reads a tiled log. Create with `new TileClient(source)` or `TileClient.http(prefix)`.
 * Full tiles and entry bundles are immutable and cached; partial tiles are cached under their own
 * path (a given partial path never changes content either).
 */
export class TileClient {
  readonly source: TileSource;
  private readonly cacheSize: number;
  private readonly prefetch: number;
  private readonly cache = new Map<string, Promise<Uint8Array[]>>();

  constructor(source: TileSource, options: TileClientOptions = {}) {
    this.source = source;
    this.cacheSize = options.cacheSize ?? 4096;
    this.prefetch = Math.max(1, options.prefetch ?? 8);
  }

  static http(prefix: string, options: HttpTileSourceOptions & TileClientOptions = {}): TileClient {
    return new TileClient(httpTileSource(prefix, options), options);
  }

  /**
   * Fetch `checkpoint`, verify its note signature with `verifiers` (at least one must verify; unknown
   * signers are ignored, per signed-note) and parse the body. Throws TILE_NOT_FOUND, NOTE_* or
   * CHECKPOINT_MALFORMED.
   */
  async fetchCheckpoint(verifiers: NoteVerifier[]): Promise<VerifiedCheckpoint> {
    const raw = await this.source.get('checkpoint');
    if (raw === undefined) throw new ScribaError('TILE_NOT_FOUND', 'the log serves no checkpoint');
    let text: string;
    try {
      text = utf8Decode(raw);
    } catch (e) {
      throw new ScribaError('NOTE_MALFORMED', 'checkpoint is not UTF-8', { cause: e });
    }
    return this.verifyCheckpointText(text, verifiers);
  }

  /** Verify an already fetched checkpoint note (as `fetchCheckpoint` does) and parse its body. */
  async verifyCheckpointText(text: string, verifiers: NoteVerifier[]): Promise<VerifiedCheckpoint> {
    const { note, verified } = await verifyNote(text, verifiers);
    return { text, note, checkpoint: parseCheckpoint(note.text), verified };
  }

  /** The hashes of one tile (width × 32 bytes), from the cache or the source. */
  readTile(tile: TileId): Promise<Uint8Array[]> {
    const path = tilePath(tile);
    const cached = this.cache.get(path);
    if (cached) return cached;
    const p = this.loadTile(tile, path);
    this.remember(path, p);
    return p;
  }

  private async loadTile(tile: TileId, path: string): Promise<Uint8Array[]> {
    let data = await this.source.get(path);
    if (data === undefined && tile.width < TILE_WIDTH) {
      // The partial tile may have been deleted once the full tile existed (tlog-tiles allows it).
      const full = await this.source.get(tilePath({ ...tile, width: TILE_WIDTH }));
      if (full !== undefined && full.length === TILE_WIDTH * HASH_SIZE) {
        data = full.subarray(0, tile.width * HASH_SIZE);
      }
    }
    if (data === undefined) throw new ScribaError('TILE_NOT_FOUND', `tile ${path} not found`);
    if (data.length !== tile.width * HASH_SIZE) {
      throw new ScribaError(
        'TILE_INVALID',
        `tile ${path} has ${data.length} bytes, want ${tile.width * HASH_SIZE}`,
      );
    }
    const hashes: Uint8Array[] = [];
    for (let i = 0; i < tile.width; i++) hashes.push(data.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE));
    return hashes;
  }

  private remember(path: string, p: Promise<Uint8Array[]>): void {
    this.cache.set(path, p);
    // A failed load must not poison the cache.
    p.catch(() => {
      if (this.cache.get(path) === p) this.cache.delete(path);
    });
    while (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }

  /** The hash of Merkle node `node` in the tree of `treeSize` leaves, folded from its tile. */
  async nodeHash(node: NodeId, treeSize: number): Promise<Uint8Array> {
    const loc = nodeTileLocation(node, treeSize);
    const hashes = await this.readTile(loc.tile);
    if (loc.end > hashes.length || loc.start >= loc.end) {
      throw new ScribaError(
        'TILE_INVALID',
        `tile ${tilePath(loc.tile)} lacks hashes [${loc.start}, ${loc.end})`,
      );
    }
    return tileNodeHash(hashes, loc.start, loc.end);
  }

  /** The RFC 6962 root of the first `treeSize` leaves, rebuilt from tiles. */
  async rootHash(treeSize: number): Promise<Uint8Array> {
    assertSize(treeSize, 'treeSize');
    const tiles = rangeNodes(treeSize).map((n) => nodeTileLocation(n, treeSize).tile);
    const rows = new Map(
      await Promise.all(
        tiles.map(async (t) => [tileKey(t.level, t.index), encodeTile(await this.readTile(t))] as const),
      ),
    );
    return rootFromTiles(treeSize, (level, index) => rows.get(tileKey(level, index))!);
  }

  /** Rebuild the root from tiles and compare it with the checkpoint's. Throws MERKLE_ROOT_MISMATCH. */
  async verifyCheckpointRoot(checkpoint: Checkpoint): Promise<void> {
    const root = await this.rootHash(checkpoint.size);
    if (!bytesEqual(root, checkpoint.rootHash)) {
      throw new ScribaError(
        'MERKLE_ROOT_MISMATCH',
        `tiles rebuild a different root than the checkpoint at size ${checkpoint.size}`,
      );
    }
  }

  /** The tiles of the tree of `treeSize` as rows (concatenated hashes), for the SDK's proof builder. */
  private tileGetter(treeSize: number): TileGetter {
    return async (keys) => {
      const out = new Map<string, Uint8Array>();
      await Promise.all(
        keys.map(async ({ level, index }) => {
          const width = tileWidth(level, index, treeSize);
          out.set(tileKey(level, index), encodeTile(await this.readTile({ level, index, width })));
        }),
      );
      return out;
    };
  }

  /** RFC 6962 inclusion proof of leaf `index` in the tree of `treeSize`, built from tiles. */
  async inclusionProof(index: number, treeSize: number): Promise<Uint8Array[]> {
    return buildInclusionProof(index, treeSize, this.tileGetter(treeSize));
  }

  /** RFC 6962 consistency proof from `size1` to `size2`, built from the tiles of the `size2` tree. */
  async consistencyProof(size1: number, size2: number): Promise<Uint8Array[]> {
    return buildConsistencyProof(size1, size2, this.tileGetter(size2));
  }

  /**
   * The entries of bundle `n` in the tree of `treeSize` (partial if it is the last, unfilled one),
   * falling back to the full bundle if the partial one is gone. Throws TILE_NOT_FOUND /
   * ENTRY_BUNDLE_INVALID.
   */
  async readEntryBundle(n: number, treeSize: number): Promise<Uint8Array[]> {
    assertSize(n, 'bundle index');
    assertSize(treeSize, 'treeSize');
    const start = n * TILE_WIDTH;
    if (start >= treeSize)
      throw new ScribaError('MERKLE_INVALID_INDEX', `bundle ${n} is beyond size ${treeSize}`);
    const width = Math.min(TILE_WIDTH, treeSize - start);
    const path = entryBundlePath(n, width);
    let data = await this.source.get(path);
    let entries: Uint8Array[] | undefined;
    if (data !== undefined) entries = decodeEntryBundle(data);
    else if (width < TILE_WIDTH) {
      data = await this.source.get(entryBundlePath(n, TILE_WIDTH));
      if (data !== undefined) entries = decodeEntryBundle(data).slice(0, width);
    }
    if (entries === undefined) throw new ScribaError('TILE_NOT_FOUND', `entry bundle ${path} not found`);
    if (entries.length !== width) {
      throw new ScribaError(
        'ENTRY_BUNDLE_INVALID',
        `entry bundle ${path} has ${entries.length} entries, want ${width}`,
      );
    }
    return entries;
  }

  /**
   * Stream entries [start, end) of the tree of `treeSize`, in order, fetching bundles ahead.
   * With `checkLeafHashes`, each entry's leaf hash MUST equal the level-0 tile hash at its index
   * (throws MERKLE_ROOT_MISMATCH otherwise); that binds entries to tiles, and tiles to the root only
   * once the caller verified the root or proofs from the same tiles.
   */
  async *entries(
    start: number,
    end: number,
    treeSize: number,
    options: { checkLeafHashes?: boolean } = {},
  ): AsyncGenerator<TileEntry> {
    for await (const batch of this.entryBatches(start, end, treeSize, options)) {
      for (let i = 0; i < batch.entries.length; i++)
        yield { index: batch.start + i, data: batch.entries[i]! };
    }
  }

  /**
   * The same entries as `entries` (same checks, same order), one entry bundle's share at a time:
   * `{ start, entries }` with entry `start + i` at `entries[i]`. A consumer looping over each batch
   * synchronously saves the per-entry turn of an async iterator (a monitor catching up on millions).
   */
  async *entryBatches(
    start: number,
    end: number,
    treeSize: number,
    options: { checkLeafHashes?: boolean } = {},
  ): AsyncGenerator<EntryBatch> {
    assertSize(start, 'start');
    assertSize(end, 'end');
    assertSize(treeSize, 'treeSize');
    if (start > end || end > treeSize) {
      throw new ScribaError(
        'MERKLE_INVALID_INDEX',
        `entry range [${start}, ${end}) is not within size ${treeSize}`,
      );
    }
    if (start === end) return;
    const first = Math.floor(start / TILE_WIDTH);
    const last = Math.floor((end - 1) / TILE_WIDTH);
    const pending: Promise<{ entries: Uint8Array[]; hashes?: Uint8Array[] }>[] = [];
    let next = first;
    const load = (n: number) => {
      const bundle = this.readEntryBundle(n, treeSize);
      if (!options.checkLeafHashes) return bundle.then((entries) => ({ entries }));
      const width = Math.min(TILE_WIDTH, treeSize - n * TILE_WIDTH);
      const tile = this.loadTile({ level: 0, index: n, width }, tilePath({ level: 0, index: n, width }));
      return Promise.all([bundle, tile]).then(([entries, hashes]) => ({ entries, hashes }));
    };
    const fill = () => {
      while (next <= last && pending.length < this.prefetch) pending.push(load(next++));
    };
    for (let n = first; n <= last; n++) {
      fill();
      const p = pending.shift()!;
      // Avoid unhandled rejections from prefetched bundles if the consumer stops early.
      for (const q of pending) q.catch(() => undefined);
      const { entries, hashes } = await p;
      const base = n * TILE_WIDTH;
      const from = Math.max(start, base) - base;
      const to = Math.min(end, base + entries.length) - base;
      if (hashes) {
        for (let i = from; i < to; i++) {
          if (!bytesEqual(hashLeaf(entries[i]!), hashes[i]!)) {
            throw new ScribaError(
              'MERKLE_ROOT_MISMATCH',
              `entry ${base + i} does not hash to its level-0 tile hash`,
            );
          }
        }
      }
      yield {
        start: base + from,
        entries: from === 0 && to === entries.length ? entries : entries.slice(from, to),
      };
    }
  }
}
