/**
 * The PostgreSQL / PGlite storage implementation: opens the configured database (PostgreSQL via
 * DATABASE_URL, else PGlite under the data dir), applies the migrations in sql/, and implements the
 * log's storage port (log-storage.ts). All of the server's SQL lives in this folder.
 */
import { openPglite } from './pglite.js';
import { openPostgres, type PostgresOptions } from './postgres.js';
import type { Db } from './types.js';

export { classifyDbError, type DbErrorClass, DbUnavailableError } from './errors.js';
export { SqlLogStorage } from './log-storage.js';
export { type MigrationSet, migrate } from './migrate.js';
export { NoDatabaseError, openPglite } from './pglite.js';
export { openPostgres, type PostgresOptions } from './postgres.js';
export type { Db, Queryable } from './types.js';
export { toBytes, toNumber } from './types.js';
export { waitForDatabase } from './wait.js';

/**
 * PostgreSQL when `databaseUrl` is set, else PGlite under `dataDir` (`pglite`: its folder and the
 * data dir's lock file, for an app other than the log — the witness).
 */
export async function openDb(
  opts: { databaseUrl?: string | undefined; dataDir: string; poolMax: number } & PostgresOptions & {
      pglite?: { subdir?: string; lockFile?: string; existing?: boolean };
    },
): Promise<Db> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolMax, opts);
  return openPglite(opts.dataDir, opts.pglite);
}
