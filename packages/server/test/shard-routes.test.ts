/**
 * Rekor v2 / C2SP per shard (issue 11), real PostgreSQL and real HTTP: every shard is served as its
 * own C2SP log under /api/v2/shards/<treeId>/ (checkpoint, tiles, entry bundles), the root paths serve
 * the active shard and switch to the new one after a rotation on every frontend, a frozen shard's
 * responses are immutable (partial tiles and bundles too) and verify through the SDK's tile client,
 * v2 appends land in the active shard with tree-local indices and the shard's checkpoint, and the
 * immutable tile cache never answers one shard's path with another shard's tile.
 */
import { base64Decode } from '@scriba/sdk';
import { parsePublicKey } from '@scriba/sdk/crypto';
import { hashLeaf, verifyInclusion } from '@scriba/sdk/merkle';
import {
  type NoteVerifier,
  noteVerifierFromPublicKey,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  verifyNote,
} from '@scriba/sdk/note';
import { decodeEntryBundle, decodeTile } from '@scriba/sdk/tiles';
import { TileClient } from '@scriba/sdk/tiles/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hashedRekord,
  hashedRekordV2,
  newSigner,
  postEntry,
  postEntryV2,
} from '../../../test/helpers/entries.js';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { startTestServer, tempDir } from '../../../test/helpers/server.js';
import { rotateShard } from '../../../test/helpers/shard-rotate.js';
import { until } from '../../../test/helpers/witness.js';
import type { RunningServer } from '../src/main.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Entries in the first shard: one full level-0 tile and bundle, then a partial one of width 44. */
const N = 300;

let server: RunningServer;
let env: Record<string, string>;
let verifiers: NoteVerifier[];
let v2Entry: Record<string, unknown>;
let v2Index: number;
const cleanups: (() => Promise<void>)[] = [];

const get = (base: string, path: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { headers });
const text = async (base: string, path: string) => (await get(base, path)).text();
const bytes = async (r: Response) => new Uint8Array(await r.arrayBuffer());

beforeAll(async () => {
  const db = await createTestDatabase('scriba_shard_routes');
  const dir = await tempDir('scriba-shard-routes-');
  cleanups.push(db.drop, dir.remove);
  // One public URL for every frontend of the log (the key name and origin derive from it).
  env = { DATABASE_URL: db.url, SCRIBA_DATA_DIR: dir.path, SCRIBA_PUBLIC_URL: 'http://scriba.test' };
  server = await startTestServer(env);
  cleanups.unshift(() => server.close());
  verifiers = [
    noteVerifierFromPublicKey(server.log.signer.name, parsePublicKey(server.log.key.spki)),
    parseVerifierKey((await text(server.url, '/api/v2/log/vkeys')).trim()),
  ];
  const signer = newSigner();
  v2Entry = hashedRekordV2(signer);
  const v2 = await postEntryV2(server.url, v2Entry);
  expect(v2.status).toBe(201);
  v2Index = Number(((await v2.json()) as { logIndex: string }).logIndex);
  for (let done = 1; done < N; ) {
    const batch = Math.min(30, N - done);
    const rs = await Promise.all(
      Array.from({ length: batch }, () => postEntry(server.url, hashedRekord(signer))),
    );
    for (const r of rs) expect(r.status).toBe(201);
    done += batch;
  }
});

afterAll(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

describe('GET /api/v2/shards/<treeId>/...', () => {
  describe('when the shard is the active one', () => {
    it('serves what the root paths serve, cacheable for seconds only', async () => {
      const id = server.log.active.treeId;
      const atRoot = await get(server.url, '/api/v2/checkpoint');
      const atPrefix = await get(server.url, `/api/v2/shards/${id}/checkpoint`);
      expect(atPrefix.status).toBe(200);
      expect(await atPrefix.text()).toBe(await atRoot.text());
      expect(atPrefix.headers.get('cache-control')).toBe('public, max-age=2');
      const partial = await get(server.url, `/api/v2/shards/${id}/tile/0/001.p/44`);
      expect(partial.status).toBe(200);
      expect(partial.headers.get('cache-control')).toBe('public, max-age=5');
      expect(await bytes(partial)).toEqual(await bytes(await get(server.url, '/api/v2/tile/0/001.p/44')));
    });
  });

  describe('when the log rotated', () => {
    let frozen: string;
    let active: string;
    let origin: string;
    let frozenOrigin: string;
    let after: RunningServer;

    beforeAll(async () => {
      frozenOrigin = parseCheckpoint(parseNote(await text(server.url, '/api/v2/checkpoint')).text).origin;
      ({ frozen, active, origin } = await rotateShard(server));
      // A frontend started after the rotation appends to the new shard.
      after = await startTestServer(env);
      cleanups.unshift(() => after.close());
    });

    it('the root paths serve the new, empty shard on every frontend', async () => {
      for (const s of [after, server]) {
        const cp = await until('the root checkpoint to be the new shard', async () => {
          const c = parseCheckpoint(parseNote(await text(s.url, '/api/v2/checkpoint')).text);
          return c.origin === origin ? c : undefined;
        });
        expect(cp.size).toBe(0);
        expect((await get(s.url, '/api/v2/tile/0/000.p/1')).status).toBe(404);
        expect((await get(s.url, '/api/v2/tile/entries/000.p/1')).status).toBe(404);
      }
    });

    it("serves the frozen shard's final checkpoint under its prefix, immutable and signed under its origin", async () => {
      for (const s of [server, after]) {
        const r = await get(s.url, `/api/v2/shards/${frozen}/checkpoint`);
        expect(r.status).toBe(200);
        expect(r.headers.get('cache-control')).toBe(IMMUTABLE);
        const { note, verified } = await verifyNote(await r.text(), verifiers);
        // The ECDSA log signature and the Ed25519 signature both verify over the shard's origin.
        expect(verified).toHaveLength(2);
        const cp = parseCheckpoint(note.text);
        expect(cp.origin).toBe(frozenOrigin);
        expect(cp.size).toBe(N);
      }
    });

    it.each([
      ['a full tile', '/tile/0/000', 256 * 32],
      ['a partial tile', '/tile/0/001.p/44', 44 * 32],
      ['a narrower partial tile', '/tile/0/001.p/7', 7 * 32],
      ['a partial upper-level tile', '/tile/1/000.p/1', 32],
      ['a full entry bundle', '/tile/entries/000', undefined],
      ['a partial entry bundle', '/tile/entries/001.p/44', undefined],
    ])('serves %s of the frozen shard as immutable', async (_what, path, length) => {
      for (const gzip of [false, true]) {
        const r = await get(
          server.url,
          `/api/v2/shards/${frozen}${path}`,
          gzip ? { 'accept-encoding': 'gzip' } : { 'accept-encoding': 'identity' },
        );
        expect(r.status).toBe(200);
        expect(r.headers.get('cache-control')).toBe(IMMUTABLE);
        const body = await bytes(r);
        if (length !== undefined) expect(body.length).toBe(length);
        else expect(decodeEntryBundle(body).length).toBe(path.endsWith('44') ? 44 : 256);
      }
    });

    it.each(['/tile/0/002.p/1', '/tile/0/001.p/45', '/tile/0/001', '/tile/entries/001', '/tile/2/000.p/1'])(
      'answers 404 for %s beyond the frozen shard, not cacheable',
      async (path) => {
        const r = await get(server.url, `/api/v2/shards/${frozen}${path}`);
        expect(r.status).toBe(404);
        expect(r.headers.get('cache-control')).toBe('no-store');
      },
    );

    it('a tile client verifies every entry of the frozen shard against its final checkpoint', async () => {
      const client = TileClient.http(`${server.url}/api/v2/shards/${frozen}`);
      const { checkpoint } = await client.fetchCheckpoint(verifiers);
      await client.verifyCheckpointRoot(checkpoint);
      let count = 0;
      for await (const e of client.entries(0, checkpoint.size, checkpoint.size, { checkLeafHashes: true })) {
        expect(e.index).toBe(count++);
      }
      expect(count).toBe(N);
      const proof = await client.inclusionProof(v2Index, checkpoint.size);
      const [leaf] = await client.readEntryBundle(0, checkpoint.size).then((b) => b.slice(v2Index));
      verifyInclusion(v2Index, checkpoint.size, hashLeaf(leaf!), proof, checkpoint.rootHash);
    });

    it("a v2 append lands in the new shard: tree-local index, the shard's checkpoint", async () => {
      const r = await postEntryV2(after.url, hashedRekordV2(newSigner()));
      expect(r.status).toBe(201);
      const tle = (await r.json()) as {
        logIndex: string;
        inclusionProof: {
          logIndex: string;
          treeSize: string;
          rootHash: string;
          hashes: string[];
          checkpoint: { envelope: string };
        };
        canonicalizedBody: string;
      };
      expect(tle.logIndex).toBe('0');
      expect(tle.inclusionProof.logIndex).toBe('0');
      const { note, verified } = await verifyNote(tle.inclusionProof.checkpoint.envelope, verifiers);
      expect(verified).toHaveLength(2);
      const cp = parseCheckpoint(note.text);
      expect(cp.origin).toBe(origin);
      expect(cp.size).toBe(1);
      const p = tle.inclusionProof;
      verifyInclusion(
        0,
        cp.size,
        hashLeaf(base64Decode(tle.canonicalizedBody)),
        p.hashes.map(base64Decode),
        cp.rootHash,
      );
      // Every frontend's root and the shard's prefix now serve that checkpoint.
      for (const s of [server, after]) {
        for (const path of ['/api/v2/checkpoint', `/api/v2/shards/${active}/checkpoint`]) {
          const c = parseCheckpoint(parseNote(await text(s.url, path)).text);
          expect([c.origin, c.size]).toEqual([origin, 1]);
        }
      }
      expect(
        decodeTile(await bytes(await get(server.url, `/api/v2/shards/${active}/tile/0/000.p/1`))),
      ).toEqual([hashLeaf(base64Decode(tle.canonicalizedBody))]);
    });

    it("a v2 duplicate of a frozen shard's entry is refused with its tree-local index and shard", async () => {
      const r = await postEntryV2(after.url, v2Entry);
      expect(r.status).toBe(409);
      expect(r.headers.get('x-log-index')).toBe(String(v2Index));
      expect(r.headers.get('x-log-tree-id')).toBe(frozen);
      expect(((await r.json()) as { message: string }).message).toContain(`shard ${frozen}`);
    });

    it("the immutable tile cache never answers one shard's path with another shard's tile", async () => {
      // The frozen shard's full tile and bundle are now in this frontend's cache.
      for (const path of ['/tile/0/000', '/tile/entries/000']) {
        expect((await get(server.url, `/api/v2/shards/${frozen}${path}`)).status).toBe(200);
        // The active shard has one entry: it has no such full tile or bundle.
        expect((await get(server.url, `/api/v2/shards/${active}${path}`)).status).toBe(404);
        expect((await get(server.url, `/api/v2${path}`)).status).toBe(404);
      }
    });

    it.each([
      ['an unknown tree id', '/api/v2/shards/123/checkpoint'],
      ['a tree id with a leading zero', '/api/v2/shards/01/checkpoint'],
      ['a tree id that is not a number', '/api/v2/shards/abc/tile/0/000'],
      ['a tree id past int64', '/api/v2/shards/99999999999999999999/checkpoint'],
    ])('answers 404 for %s', async (_what, path) => {
      const r = await get(server.url, path);
      expect(r.status).toBe(404);
      expect(((await r.json()) as { reason: string }).reason).toBe('NOT_FOUND');
    });

    it('answers 404 for a path that is no tile under a shard prefix', async () => {
      const r = await get(server.url, `/api/v2/shards/${frozen}/tile/0/x`);
      expect(r.status).toBe(404);
    });
  });
});
