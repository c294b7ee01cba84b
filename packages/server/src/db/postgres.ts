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
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrapClient(client));
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
