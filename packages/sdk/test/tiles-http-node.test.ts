/**
 * The tile client's HTTP GET under Node (src/native-node.ts installs it; tiles/host-http.ts): a real
 * node:http server on 127.0.0.1 answering as a tlog-tiles server would, and misbehaving.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../src/native-node.js';
import { httpTileSource, TileClient, useHostHttp } from '../src/tiles/client.js';
import { hostHttpGet } from '../src/tiles/host-http.js';
import { encodeEntryBundle } from '../src/tiles/index.js';

let server: Server;
let base: string;
const seen: { url?: string; encoding?: string | string[] }[] = [];
const BUNDLE = encodeEntryBundle([new Uint8Array([1, 2, 3]), new TextEncoder().encode('{"a":1}')]);

function handle(req: IncomingMessage, res: ServerResponse): void {
  seen.push({ url: req.url, encoding: req.headers['accept-encoding'] });
  switch (req.url) {
    case '/api/v2/tile/entries/000.p/2':
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(BUNDLE);
      return;
    case '/api/v2/chunked': // no Content-Length: the body grows as chunks arrive
      res.writeHead(200);
      res.write(BUNDLE.subarray(0, 5));
      setTimeout(() => res.end(BUNDLE.subarray(5)), 10);
      return;
    case '/api/v2/gzipped':
      res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(BUNDLE));
      return;
    case '/api/v2/moved':
      res.writeHead(302, { location: '/api/v2/tile/entries/000.p/2' }).end();
      return;
    case '/api/v2/loop':
      res.writeHead(307, { location: '/api/v2/loop' }).end();
      return;
    case '/api/v2/broken':
      res.writeHead(500).end('no');
      return;
    case '/api/v2/bad-gzip':
      res.writeHead(200, { 'content-encoding': 'gzip' }).end('not gzip');
      return;
    case '/api/v2/stalled': // headers, then part of the body, then silence
      res.writeHead(200, { 'content-length': '100' });
      res.write('0123456789');
      return;
    case '/api/v2/slow':
      setTimeout(() => res.end('late'), 2_000);
      return;
    default:
      res.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  base = `http://127.0.0.1:${addr.port}/api/v2`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('httpTileSource under Node (node:http GET)', () => {
  it('is installed by the node entry', () => {
    expect(hostHttpGet()).toBeTypeOf('function');
  });

  describe('when the server answers 200', () => {
    it('returns the body, asking for identity encoding', async () => {
      seen.length = 0;
      const got = await httpTileSource(`${base}/`).get('tile/entries/000.p/2');
      expect(got).toEqual(BUNDLE);
      expect(got?.constructor).toBe(Uint8Array);
      expect(seen).toEqual([{ url: '/api/v2/tile/entries/000.p/2', encoding: 'identity' }]);
    });

    it('decodes a gzip answer the server sent anyway', async () => {
      expect(await httpTileSource(base).get('gzipped')).toEqual(BUNDLE);
    });

    it('reads a chunked body without a Content-Length', async () => {
      expect(await httpTileSource(base).get('chunked')).toEqual(BUNDLE);
    });

    it('follows redirects', async () => {
      expect(await httpTileSource(base).get('moved')).toEqual(BUNDLE);
    });

    it('serves TileClient.entries', async () => {
      const got: number[][] = [];
      for await (const e of TileClient.http(base).entries(0, 2, 2)) got.push([e.index, e.data.length]);
      expect(got).toEqual([
        [0, 3],
        [1, 7],
      ]);
    });
  });

  describe('when the resource is missing', () => {
    it('resolves undefined on 404', async () => {
      await expect(httpTileSource(base).get('tile/0/000')).resolves.toBe(undefined);
    });
  });

  describe('when the server fails', () => {
    it.each([
      ['an HTTP 500', 'broken', /answered HTTP 500/],
      ['endless redirects', 'loop', /failed/],
      ['a body that is not the gzip it claims', 'bad-gzip', /failed/],
    ])('throws TILE_FETCH_FAILED on %s', async (_, path, message) => {
      await expect(httpTileSource(base).get(path)).rejects.toMatchObject({
        code: 'TILE_FETCH_FAILED',
        message,
      });
    });

    it.each([
      ['no answer', 'slow'],
      ['a body that stops', 'stalled'],
    ])('throws TILE_FETCH_FAILED after the timeout on %s', async (_, path) => {
      await expect(httpTileSource(base, { timeoutMs: 200 }).get(path)).rejects.toMatchObject({
        code: 'TILE_FETCH_FAILED',
      });
    });

    it('throws TILE_FETCH_FAILED when nothing listens', async () => {
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const port = (closed.address() as { port: number }).port;
      await new Promise((r) => closed.close(r));
      await expect(httpTileSource(`http://127.0.0.1:${port}`).get('checkpoint')).rejects.toMatchObject({
        code: 'TILE_FETCH_FAILED',
      });
    });
  });

  describe('when a caller passes its own fetch or removes the host GET', () => {
    it('uses fetch instead', async () => {
      const urls: string[] = [];
      const fetch = (async (url: string) => {
        urls.push(url);
        return { ok: true, status: 200, arrayBuffer: async () => new Uint8Array([9]).buffer };
      }) as never;
      expect(await httpTileSource(base, { fetch }).get('x')).toEqual(new Uint8Array([9]));
      const host = hostHttpGet();
      useHostHttp(undefined);
      try {
        seen.length = 0;
        expect(await httpTileSource(base).get('tile/entries/000.p/2')).toEqual(BUNDLE);
        expect(seen[0]?.encoding).toBe('gzip, identity');
      } finally {
        useHostHttp(host);
      }
      expect(urls).toEqual([`${base}/x`]);
    });
  });
});
