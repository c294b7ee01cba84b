/**
 * Waiting for the database at start: a PostgreSQL that is still starting or recovering (SQLSTATE
 * 57P03, connection refused, a connection that times out) is retried with exponential backoff
 * (250 ms doubling to 5 s), each attempt reported through `onWait`, until `timeoutMs` has passed;
 * then the start fails with one DbUnavailableError. Errors that waiting cannot cure (wrong password,
 * no such database) fail at once.
 */
import { classifyDbError, DbUnavailableError, sqlState } from './errors.js';
import type { Db } from './types.js';

export async function waitForDatabase(
  db: Db,
  opts: {
    timeoutMs: number;
    onWait?: (info: { attempt: number; retryInMs: number; error: string }) => void;
  },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      await db.query('SELECT 1');
      return;
    } catch (e) {
      const state = sqlState(e)?.slice(0, 2);
      if (classifyDbError(e) !== 'unavailable' || state === '28' || state === '3D') throw e;
      const error = e instanceof Error ? e.message : String(e);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new DbUnavailableError(
          `the database did not become available within ${Math.round(opts.timeoutMs / 1000)} s (${attempt} attempts; last: ${error})`,
        );
      }
      const retryInMs = Math.min(delay, left);
      opts.onWait?.({ attempt, retryInMs, error });
      await new Promise((r) => setTimeout(r, retryInMs));
      delay = Math.min(delay * 2, 5_000);
    }
  }
}
