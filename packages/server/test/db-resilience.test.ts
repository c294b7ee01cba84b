import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { freePort } from '../../../test/helpers/ports.js';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { CLI_BIN, type SpawnedServer, spawnServer, tempDir } from '../../../test/helpers/server.js';
import { tcpProxy } from '../../../test/helpers/tcp-proxy.js';
import { classifyDbError, DbUnavailableError } from '../src/storage/errors.js';

/** A database URL with its host and port replaced (to go through a proxy). */
function via(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

async function until(what: string, f: () => Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await f().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('classifyDbError', () => {
  it.each([
    ['22021', 'client'], // character_not_in_repertoire (a NUL in text)
    ['22003', 'client'], // numeric_value_out_of_range
    ['23505', 'client'], // unique_violation
    ['08006', 'unavailable'], // connection_failure
    ['53300', 'unavailable'], // too_many_connections
    ['57P01', 'unavailable'], // admin_shutdown
    ['57014', 'unavailable'], // query_canceled (statement timeout)
    ['58030', 'unavailable'], // io_error
    ['40001', 'unavailable'], // serialization_failure
    ['3D000', 'unavailable'], // invalid_catalog_name (database dropped)
    ['42601', 'internal'], // syntax_error: a bug of ours
    ['42P01', 'internal'], // undefined_table
  ])('SQLSTATE %s -> %s', (code, cls) => {
    expect(classifyDbError(Object.assign(new Error('x'), { code, severity: 'ERROR' }))).toBe(cls);
  });
  it('a lost connection or a driver timeout is unavailable; other errors are not database errors', () => {
    expect(classifyDbError(new DbUnavailableError('Connection terminated unexpectedly'))).toBe('unavailable');
    expect(classifyDbError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(
      'unavailable',
    );
    expect(classifyDbError(new TypeError('x'))).toBeUndefined();
    // A code without a severity is not a PostgreSQL error.
    expect(classifyDbError(Object.assign(new Error('x'), { code: '22021' }))).toBeUndefined();
  });
});

describe('the server and its database', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });

  describe('when PostgreSQL terminates the connections while appends are in flight', () => {
    it('keeps running: those requests get 503 with Retry-After (never 201), and it resumes by itself', async () => {
      const db = await createTestDatabase();
      const dir = await tempDir();
      cleanup.push(db.drop, dir.remove);
      const server: SpawnedServer = await spawnServer({ DATABASE_URL: db.url, SCRIBA_DATA_DIR: dir.path });
      cleanup.push(() => server.stop('SIGKILL'));
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      cleanup.push(() => admin.end());
      const dbName = new URL(db.url).pathname.slice(1);

      const signer = newSigner();
      const statuses = new Map<number, number>();
      let missingRetryAfter = 0;
      let stop = false;
      const clients = Array.from({ length: 8 }, async () => {
        while (!stop) {
          const r = await postEntry(server.url, hashedRekord(signer)).catch(() => undefined);
          if (!r) continue;
          await r.arrayBuffer();
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status === 503 && r.headers.get('retry-after') === null) missingRetryAfter++;
        }
      });
      for (let i = 0; i < 6; i++) {
        await new Promise((r) => setTimeout(r, 300));
        // "terminating connection due to administrator command" (57P01) on every server connection.
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [dbName],
        );
      }
      stop = true;
      await Promise.all(clients);

      expect(server.child.exitCode).toBeNull(); // before the fix: exit 1, unhandled 'error' event
      expect([...statuses.keys()].every((s) => s === 201 || s === 503)).toBe(true);
      expect(statuses.get(201)).toBeGreaterThan(0);
      expect(missingRetryAfter).toBe(0);
      // It resumes by itself.
      await until(
        'an append to succeed again',
        async () => (await postEntry(server.url, hashedRekord(signer))).status === 201,
      );
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    });
  });

  describe('when PostgreSQL is down, then back', () => {
    it('answers /readyz 503, appends 503 with Retry-After and reads 503 while down, and resumes when it is back', async () => {
      const db = await createTestDatabase();
      const dir = await tempDir();
      cleanup.push(db.drop, dir.remove);
      const u = new URL(db.url);
      const proxy = await tcpProxy({ host: u.hostname, port: Number(u.port) });
      cleanup.push(() => proxy.close());
      const server = await spawnServer({
        DATABASE_URL: via(db.url, proxy.port),
        SCRIBA_DATA_DIR: dir.path,
        SCRIBA_DB_CONNECT_TIMEOUT_MS: '1000',
        SCRIBA_DB_STATEMENT_TIMEOUT_MS: '1000',
      });
      cleanup.push(() => server.stop('SIGKILL'));
      const signer = newSigner();
      expect((await postEntry(server.url, hashedRekord(signer))).status).toBe(201);

      for (const mode of ['refuse', 'silent'] as const) {
        proxy.mode(mode);
        expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
        const r = await postEntry(server.url, hashedRekord(signer));
        expect(r.status).toBe(503);
        expect(r.headers.get('retry-after')).toMatch(/^[0-9]+$/);
        expect(await r.json()).toMatchObject({ code: 503, reason: 'UNAVAILABLE' });
        expect((await fetch(`${server.url}/api/v1/log`)).status).toBe(503);
        expect((await fetch(`${server.url}/api/v1/log/entries?logIndex=0`)).status).toBe(503);
        expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
        proxy.mode('pass');
        await until('/readyz to turn 200', async () => (await fetch(`${server.url}/readyz`)).status === 200);
        expect((await postEntry(server.url, hashedRekord(signer))).status).toBe(201);
      }
      expect(server.child.exitCode).toBeNull();
    });
  });

  describe('when the database is not up yet at start', () => {
    it('waits for it with logged backoff, then starts', async () => {
      const db = await createTestDatabase();
      const dir = await tempDir();
      cleanup.push(db.drop, dir.remove);
      const u = new URL(db.url);
      const proxy = await tcpProxy({ host: u.hostname, port: Number(u.port) });
      cleanup.push(() => proxy.close());
      proxy.mode('refuse');
      // Back once the server has tried twice (so it has logged a wait), however slowly it starts.
      const up = setInterval(() => {
        if (proxy.refused() >= 2) proxy.mode('pass');
      }, 20);
      cleanup.push(async () => clearInterval(up));
      // Before the fix: exit 1 at once ("cannot start"), no retry.
      const server = await spawnServer({ DATABASE_URL: via(db.url, proxy.port), SCRIBA_DATA_DIR: dir.path });
      clearInterval(up);
      cleanup.push(() => server.stop('SIGKILL'));
      expect(server.output()).toMatch(/waiting for the database \(attempt 1, next in [0-9]+ ms\)/);
      expect((await postEntry(server.url, hashedRekord(newSigner()))).status).toBe(201);
    });
  });

  describe('when the database accepts connections but never answers', () => {
    it('fails the start with one clear line (exit 1) instead of hanging', async () => {
      const silent = await tcpProxy();
      cleanup.push(() => silent.close());
      const dir = await tempDir();
      cleanup.push(dir.remove);
      const port = await freePort();
      const child = spawn(process.execPath, [CLI_BIN, 'serve'], {
        env: {
          ...process.env,
          DATABASE_URL: `postgres://u:p@127.0.0.1:${silent.port}/db`,
          SCRIBA_DATA_DIR: dir.path,
          PORT: String(port),
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 55_000);
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      clearTimeout(timer);
      expect(code).toBe(1);
      const lines = stderr.trim().split('\n');
      expect(lines.at(-1)).toMatch(
        /^scriba serve: cannot start: the database did not become available within 20 s/,
      );
      expect(lines.filter((l) => l.includes('cannot start'))).toHaveLength(1);
      expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    }, 60_000);
  });
});
