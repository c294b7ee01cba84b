/** Db over node-postgres: a connection pool against PostgreSQL 15+ (DATABASE_URL). */
import pg from 'pg';
import type { Db, Queryable } from './types.js';

function wrapClient(client: pg.PoolClient): Queryable {
  return {
    query: async (sql, params) => client.query(sql, params as unknown[]) as never,
    exec: async (sql) => {
      await client.query(sql);
    },
  };
}

export function openPostgres(url: string, poolMax: number): Db {
  const pool = new pg.Pool({ connectionString: url, max: poolMax, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection MUST NOT crash the process; the next query reconnects.
  pool.on('error', () => {});
  return {
    kind: 'postgres',
    query: async (sql, params) => pool.query(sql, params as unknown[]) as never,
    exec: async (sql) => {
      await pool.query(sql);
    },
    async transaction(fn, opening) {
      const client = await pool.connect();
      try {
        // One simple-protocol message: BEGIN and the opening statements cost one round trip. Each
        // statement still takes its own snapshot (READ COMMITTED), exactly as if sent one by one.
        const first = (await client.query(opening ? `BEGIN; ${opening}` : 'BEGIN')) as unknown as
          | pg.QueryResult
          | pg.QueryResult[];
        const results = Array.isArray(first) ? first.slice(1).map((r) => r.rows) : [];
        const result = await fn(wrapClient(client), results);
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
