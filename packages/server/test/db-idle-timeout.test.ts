import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { openPostgres } from '../src/storage/postgres.js';
import type { Db } from '../src/storage/types.js';

/**
 * The pool's idle timeout (storage/postgres.ts, SCRIBA_DB_IDLE_TIMEOUT_MS): a connection left unused
 * is closed after it, and kept before it, so a server pausing between bursts keeps its backends. Each
 * case asks PostgreSQL (pg_stat_activity, from a separate connection) whether the backend that served
 * a query is still there after a pause.
 */
describe('the database pool keeps idle connections for its idle timeout', () => {
  let url: string;
  let drop: () => Promise<void>;
  let observer: pg.Client;
  const opened: Db[] = [];

  beforeAll(async () => {
    const t = await createTestDatabase();
    url = t.url;
    drop = t.drop;
    observer = new pg.Client({ connectionString: url });
    await observer.connect();
  });
  afterAll(async () => {
    for (const db of opened) await db.close();
    await observer?.end();
    await drop?.();
  });

  /** The pid of the backend serving `db`'s next query, and whether it is alive after `pauseMs`. */
  async function backendAfterPause(db: Db, pauseMs: number): Promise<{ pid: number; alive: boolean }> {
    const { rows } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const pid = rows[0]!.pid;
    await new Promise((r) => setTimeout(r, pauseMs));
    const seen = await observer.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
    return { pid, alive: seen.rowCount === 1 };
  }

  it('closes a connection left unused for longer than the timeout', async () => {
    const db = openPostgres(url, 2, { idleTimeoutMs: 200 });
    opened.push(db);
    const { alive } = await backendAfterPause(db, 1_500);
    expect(alive).toBe(false);
  });

  it('keeps it by default, and the next query runs on the same backend', async () => {
    const db = openPostgres(url, 2);
    opened.push(db);
    const { pid, alive } = await backendAfterPause(db, 1_500);
    expect(alive).toBe(true);
    const again = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    expect(again.rows[0]!.pid).toBe(pid);
  });

  it('keeps it for ever with 0', async () => {
    const db = openPostgres(url, 2, { idleTimeoutMs: 0 });
    opened.push(db);
    expect((await backendAfterPause(db, 1_500)).alive).toBe(true);
  });
});
