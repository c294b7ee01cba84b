/**
 * C2SP tlog-tiles over real HTTP against a real server on PostgreSQL: the tiles a client fetches
 * rebuild exactly the root of the served checkpoint, at many tree sizes (partial tiles at every
 * level included); inclusion and consistency proofs built client-side verify; entry bundles hash into
 * the level-0 tiles; content types, cache lifetimes and 404s follow the spec.
 */
import { base64Encode } from '@scriba/sdk';
import { parsePublicKey } from '@scriba/sdk/crypto';
import { hashLeaf, verifyConsistency, verifyInclusion } from '@scriba/sdk/merkle';
import { type NoteVerifier, noteVerifierFromPublicKey, parseVerifierKey } from '@scriba/sdk/note';
import { TileClient } from '@scriba/sdk/tiles/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLog, type TestLog } from '../../../test/helpers/server.js';
import { appendBatch } from '../src/log/sequencer.js';
import type { RunningServer } from '../src/main.js';
import { fakeEntry } from './fixtures.js';

let server: RunningServer;
let log: TestLog | undefined;
let verifiers: NoteVerifier[];
const bodies: Uint8Array[] = [];

async function growTo(size: number): Promise<void> {
  while (bodies.length < size) {
    const n = Math.min(1000, size - bodies.length);
    const batch = Array.from({ length: n }, (_, i) => fakeEntry(`tiles-${bodies.length + i}`));
    await appendBatch(server.log.tree, server.log.signer, batch);
    bodies.push(...batch.map((e) => e.body));
  }
}

beforeAll(async () => {
  log = await startTestLog({ database: 'scriba_tiles' });
  server = log.server;
  const ecdsa = noteVerifierFromPublicKey(server.log.signer.name, parsePublicKey(server.log.key.spki));
  const vkeys = await (await fetch(`${server.url}/api/v2/log/vkeys`)).text();
  verifiers = [ecdsa, ...vkeys.trim().split('\n').map(parseVerifierKey)];
});

afterAll(async () => {
  await log?.stop();
});

const SIZES = [0, 1, 2, 3, 255, 256, 257, 511, 512, 513, 1000, 4096, 65535, 65536, 65537, 66000];

describe('GET /api/v2/tile/* rebuilds the checkpoint', () => {
  describe.each(SIZES)('when the tree has %i entries', (size) => {
    it('the served checkpoint verifies, tiles rebuild its root, proofs and entries check out', async () => {
      const previous = bodies.length;
      await growTo(size);
      const client = TileClient.http(`${server.url}/api/v2`);
      const { checkpoint, verified } = await client.fetchCheckpoint(verifiers);
      expect(checkpoint.size).toBe(size);
      // Both log signatures (ECDSA P-256 and Ed25519) verify.
      expect(verified).toHaveLength(2);
      await client.verifyCheckpointRoot(checkpoint);
      if (size === 0) return;
      for (const index of [0, Math.floor(size / 2), size - 1]) {
        const proof = await client.inclusionProof(index, size);
        verifyInclusion(index, size, hashLeaf(bodies[index]!), proof, checkpoint.rootHash);
      }
      if (previous > 0 && previous < size) {
        const old = await TileClient.http(`${server.url}/api/v2`)
          .rootHash(previous)
          .catch(() => undefined);
        const proof = await client.consistencyProof(previous, size);
        if (old) verifyConsistency(previous, size, proof, old, checkpoint.rootHash);
      }
      // The newest entries, streamed from bundles and checked against the level-0 tiles.
      const from = Math.max(0, size - 600);
      let n = from;
      for await (const e of client.entries(from, size, size, { checkLeafHashes: true })) {
        expect(e.index).toBe(n++);
        expect(e.data).toEqual(bodies[e.index]);
      }
      expect(n).toBe(size);
    });
  });
});

describe('tile HTTP semantics', () => {
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/api/v2/${path}`, { headers });

  describe('when fetching the checkpoint', () => {
    it('is text/plain; charset=utf-8 and cacheable for seconds only', async () => {
      const r = await get('checkpoint');
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(r.headers.get('cache-control')).toMatch(/max-age=[0-9]$/);
    });
  });

  describe('when fetching a full tile or bundle', () => {
    it.each(['tile/0/000', 'tile/1/000', 'tile/entries/000'])(
      '%s is immutable octet-stream',
      async (path) => {
        const r = await get(path);
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toBe('application/octet-stream');
        expect(r.headers.get('cache-control')).toContain('immutable');
        expect(r.headers.get('cache-control')).toContain('max-age=31536000');
      },
    );
    it('a full tile is exactly 8192 bytes', async () => {
      expect((await (await get('tile/0/001')).arrayBuffer()).byteLength).toBe(8192);
    });
  });

  describe('when fetching a partial tile or bundle', () => {
    it.each(['tile/0/257.p/208', 'tile/1/001.p/1', 'tile/2/000.p/1', 'tile/entries/257.p/208'])(
      '%s is cacheable for seconds only',
      async (path) => {
        const r = await get(path);
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toBe('application/octet-stream');
        expect(r.headers.get('cache-control')).not.toContain('immutable');
      },
    );
    it('a partial tile of width W is W hashes and a prefix of any wider one', async () => {
      const narrow = new Uint8Array(await (await get('tile/0/257.p/10')).arrayBuffer());
      const wide = new Uint8Array(await (await get('tile/0/257.p/208')).arrayBuffer());
      expect(narrow.length).toBe(320);
      expect(wide.subarray(0, 320)).toEqual(narrow);
    });
  });

  describe('when the resource is beyond the tree (size 66000)', () => {
    it.each([
      'tile/0/258',
      'tile/0/257',
      'tile/0/257.p/209',
      'tile/1/001',
      'tile/1/002.p/1',
      'tile/2/000',
      'tile/3/000.p/1',
      'tile/entries/257',
      'tile/entries/257.p/209',
      'tile/entries/999',
    ])('%s is 404', async (path) => {
      expect((await get(path)).status).toBe(404);
    });
  });

  describe('when the path is not a tile path', () => {
    it.each(['tile/0/1', 'tile/0/000.p/0', 'tile/0/000.p/256', 'tile/64/000', 'tile/x/000', 'tile/0/x001'])(
      '%s is 404',
      async (path) => {
        expect((await get(path)).status).toBe(404);
      },
    );
  });

  describe('when the client accepts gzip', () => {
    it('entry bundles are gzip-encoded and decode to the same bytes', async () => {
      const plain = new Uint8Array(await (await get('tile/entries/000')).arrayBuffer());
      const r = await get('tile/entries/000', { 'accept-encoding': 'gzip' });
      expect(r.headers.get('content-encoding')).toBe('gzip');
      // fetch decodes transparently.
      expect(new Uint8Array(await r.arrayBuffer())).toEqual(plain);
      expect(base64Encode(plain).length).toBeGreaterThan(0);
    });
  });
});
