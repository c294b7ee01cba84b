import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { rawHttp as raw } from '../../../test/helpers/raw-http.js';
import { type SpawnedServer, spawnServer, startTestServer, tempDir } from '../../../test/helpers/server.js';
import type { RunningServer } from '../src/main.js';

describe('HTTP hardening', () => {
  let server: SpawnedServer;
  /** The same, as `--workers 2`: connections accepted by the supervisor and handed to a worker. */
  let workers: SpawnedServer;
  const cleanup: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    const start = async (args: string[]) => {
      const db = await createTestDatabase();
      const dir = await tempDir();
      // Info-level logs, to check that client errors log no stack trace.
      const s = await spawnServer(
        {
          DATABASE_URL: db.url,
          SCRIBA_DATA_DIR: dir.path,
          LOG_LEVEL: 'info',
          SCRIBA_HEADERS_TIMEOUT_MS: '1000',
          SCRIBA_REQUEST_TIMEOUT_MS: '2000',
          SCRIBA_IDLE_TIMEOUT_MS: '1000',
        },
        args,
      );
      cleanup.push(() => s.stop('SIGKILL'), db.drop, dir.remove);
      return s;
    };
    [server, workers] = await Promise.all([start([]), start(['--workers', '2'])]);
  });
  afterAll(async () => {
    for (const c of cleanup) await c().catch(() => {});
  });

  describe.each([
    ['one process', () => server],
    ['2 workers', () => workers],
  ])('stalled and hostile requests (%s)', (_, serverOf) => {
    let server: SpawnedServer;
    beforeAll(() => {
      server = serverOf();
    });
    it('a chunk size of ffffffffffffffff is answered or closed promptly (not held until a long timeout)', async () => {
      const r = await raw(
        server.url,
        'POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n',
      );
      expect(r.closed).toBe(true);
      if (r.reply !== '') expect(r.reply).toMatch(/^HTTP\/1\.1 4[0-9][0-9] /);
    });
    it('a header section that never ends is answered 408 or closed', async () => {
      const r = await raw(server.url, 'GET /api/v1/log HTTP/1.1\r\nHost: x\r\nX-Slow: a');
      expect(r.closed).toBe(true);
      if (r.reply !== '') expect(r.reply).toMatch(/^HTTP\/1\.1 408 /);
    });
    it('a body that stops halfway is answered or closed', async () => {
      const r = await raw(
        server.url,
        'POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"kind":',
      );
      expect(r.closed).toBe(true);
      if (r.reply !== '') expect(r.reply).toMatch(/^HTTP\/1\.1 4[0-9][0-9] /);
    });
    it('a 4 MB body sent by Node fetch (a real SBOM attestation size) reads its 413 every time', async () => {
      const body = JSON.stringify({ kind: 'hashedrekord', padding: 'x'.repeat(4 * 1024 * 1024) });
      for (let i = 0; i < 5; i++) {
        // Before the fix: fetch failed with EPIPE most of the time (the server closed mid-upload).
        const r = await fetch(`${server.url}/api/v1/log/entries`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        expect(r.status).toBe(413);
        expect(await r.json()).toMatchObject({ code: 413, reason: 'PAYLOAD_TOO_LARGE' });
      }
    });
    it('a client error writes no stack trace to the log', async () => {
      await fetch(`${server.url}/api/v1/log/entries?logIndex=1e309`);
      await fetch(`${server.url}/api/v1/index/retrieve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'a\u0000b' }),
      });
      await postEntry(server.url, { kind: 'hashedrekord' });
      expect(server.output()).toContain('"statusCode":400');
      expect(server.output()).not.toMatch(/"stack"|\n\s+at /);
    });
  });

  describe('CORS', () => {
    const origin = 'https://page.example';
    it.each([
      '/api/v1/log',
      '/api/v1/log/entries?logIndex=0',
      '/api/v1/log/proof?firstSize=0',
      '/api/v1/log/publicKey',
      '/api/v1/log/trusted-root',
      '/api/v2/checkpoint',
      '/api/v2/tile/0/000.p/1',
      '/api/v2/tile/entries/000.p/1',
      '/api/v2/log/vkeys',
    ])('GET %s answers a cross-origin request (Allow-Origin *, no credentials)', async (path) => {
      if (path.includes('tile'))
        expect((await postEntry(server.url, hashedRekord(newSigner()))).status).toBeLessThan(500);
      const r = await fetch(`${server.url}${path}`, { headers: { origin } });
      expect(r.status).toBeLessThan(500);
      expect(r.headers.get('access-control-allow-origin')).toBe('*');
      expect(r.headers.get('access-control-allow-credentials')).toBeNull();
    });
    it.each([
      ['GET', '/api/v2/checkpoint'],
      ['GET', '/api/v2/tile/0/000'],
      ['GET', '/api/v1/log/entries/ab'],
      ['POST', '/api/v1/log/entries'],
      ['POST', '/api/v2/log/entries'],
      ['POST', '/api/v1/index/retrieve'],
    ])('a preflight of %s %s is answered 204 without credentials', async (method, path) => {
      const r = await fetch(`${server.url}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': method,
          'access-control-request-headers': 'content-type',
        },
      });
      expect(r.status).toBe(204);
      expect(r.headers.get('access-control-allow-origin')).toBe('*');
      expect(r.headers.get('access-control-allow-methods')).toContain(method);
      expect(r.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
      expect(r.headers.get('access-control-allow-credentials')).toBeNull();
    });
    it('a 201 exposes Location and ETag to the page', async () => {
      const r = await fetch(`${server.url}/api/v1/log/entries`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: JSON.stringify(hashedRekord(newSigner())),
      });
      expect(r.status).toBe(201);
      expect(r.headers.get('access-control-allow-origin')).toBe('*');
      expect(r.headers.get('access-control-expose-headers')).toMatch(/Location/);
      expect(r.headers.get('access-control-expose-headers')).toMatch(/ETag/);
    });
  });
});

describe('a bounded append queue', () => {
  let server: RunningServer;
  const cleanup: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    const db = await createTestDatabase();
    const dir = await tempDir();
    // Batches wait 300 ms, so appends pile up in the queue.
    server = await startTestServer({
      DATABASE_URL: db.url,
      SCRIBA_DATA_DIR: dir.path,
      SCRIBA_APPEND_QUEUE_MAX: '4',
      SCRIBA_BATCH_MAX_WAIT_MS: '300',
    });
    cleanup.push(() => server.close(), db.drop, dir.remove);
  });
  afterAll(async () => {
    for (const c of cleanup) await c().catch(() => {});
  });

  it('refuses appends past it with 503 + Retry-After, counts them in /metrics, and every 201 is in the log', async () => {
    const signer = newSigner();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => postEntry(server.url, hashedRekord(signer))),
    );
    const statuses = responses.map((r) => r.status);
    const refused = responses.filter((r) => r.status === 503);
    expect(statuses.every((s) => s === 201 || s === 503)).toBe(true);
    expect(refused.length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.headers.get('retry-after')).toMatch(/^[0-9]+$/);
      expect(await r.json()).toMatchObject({ code: 503, reason: 'OVERLOADED' });
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(`scriba_appends_refused_total ${refused.length}`);
    expect(metrics).toMatch(/scriba_append_queue_length 0/);
    for (const r of responses.filter((x) => x.status === 201)) {
      const uuid = r.headers.get('etag')!;
      expect((await fetch(`${server.url}/api/v1/log/entries/${uuid}`)).status).toBe(200);
    }
    const info = (await (await fetch(`${server.url}/api/v1/log`)).json()) as { treeSize: number };
    expect(info.treeSize).toBe(statuses.filter((s) => s === 201).length);
  });
});
