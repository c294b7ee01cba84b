/** Opens the configured database (PostgreSQL via DATABASE_URL, else PGlite under the data dir). */
import { join } from 'node:path';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import type { Db } from './types.js';

export { migrate } from './migrate.js';
export type { Db, Queryable } from './types.js';
export { toBytes, toNumber } from './types.js';

export async function openDb(opts: { databaseUrl?: string; dataDir: string; poolMax: number }): Promise<Db> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolMax);
  return openPglite(join(opts.dataDir, 'pglite'));
}
