/**
 * Db over node-postgres: a connection pool against PostgreSQL 15+ (DATABASE_URL).
 *
 * The process survives its database: every client carries an 'error' listener (a connection lost
 * while a client is checked out emits 'error'; unhandled, it would kill the process), a lost
 * connection fails only the query or transaction that used it (that client is destroyed, never
 * reused), and every wait is bounded — connecting (`connectTimeoutMs`), each statement on the server
 * (`statement_timeout`) and in the driver (a server that accepts but never answers), and a
 * transaction left idle. Driver errors without a SQLSTATE become DbUnavailableError (db/errors.ts).
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { classifyDbError, DbUnavailableError, sqlState } from './errors.js';
import type { Db, Queryable, TxQueryable } from './types.js';

export type PostgresOptions = {
  /** Bound on opening one connection (TCP + startup + authentication), ms. */
  connectTimeoutMs?: number;
  /** Bound on one statement (server-side statement_timeout; the driver waits this + 5 s), ms. */
  statementTimeoutMs?: number;
  /**
   * How long a connection stays open unused before the pool closes it, ms (0: open until the pool
   * ends). A new connection is a new PostgreSQL backend, which starts with cold caches and prepares
   * every statement again; see DEFAULT_IDLE_TIMEOUT_MS.
   */
  idleTimeoutMs?: number;
  /** Called with each connection-level error (the process keeps running). */
  onError?: (err: Error) => void;
};

/** Driver errors without a SQLSTATE (connection lost, timeouts) become DbUnavailableError. */
function wrapError(e: unknown): unknown {
  if (sqlState(e) !== undefined || e instanceof TypeError || e instanceof RangeError) return e;
  if (e instanceof DbUnavailableError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new DbUnavailableError(`database unavailable: ${msg}`, { cause: e });
}

function wrapClient(client: pg.PoolClient): Queryable {
  return {
    query: async (sql, params) => {
      try {
        return (await client.query(sql, params as unknown[])) as never;
      } catch (e) {
        throw wrapError(e);
      }
    },
    exec: async (sql) => {
      try {
        await client.query(sql);
      } catch (e) {
        throw wrapError(e);
      }
    },
  };
}

/** Names of prepared statements by text, for at most 1000 texts (later ones run unnamed). */
const names = new Map<string, string>();
function statementName(sql: string): string | undefined {
  let name = names.get(sql);
  if (name === undefined && names.size < 1000) {
    name = `scriba_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    names.set(sql, name);
  }
  return name;
}

/**
 * `sql` as a statement prepared per connection (named by its text; past the names' bound, unnamed):
 * the reads that ask for it, and every batch write, whose many-CTE text PostgreSQL then parses and
 * plans once per backend instead of once per batch. In bench:append (64 clients, 7 alternated
 * pairs) that took PostgreSQL's CPU per append from 0.135-0.187 ms to 0.084-0.117
 * (docs/benchmarks.md).
 */
function preparedQuery(sql: string, params: unknown[] | undefined): pg.QueryConfig {
  const name = statementName(sql);
  const values = params as unknown[];
  return name ? { name, text: sql, values } : { text: sql, values };
}

/**
 * The pool's default idle timeout, ms: ten minutes, so a server that pauses between bursts (or a
 * load that comes and goes) finds its backends where it left them. With this pool's earlier 30 s
 * (node-postgres's own default is 10 s), a longer pause replaced every backend: on a 10^7 tree with
 * shared_buffers=4GB, entry reads after 35 s pauses cost PostgreSQL 105-119 µs of CPU each (1.3-1.5
 * page faults per read as each new backend mapped the shared buffers it touched) against 58-74 µs
 * with the backends kept (docs/benchmarks.md, bench:read, session 10).
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 600_000;

export function openPostgres(url: string, poolMax: number, opts: PostgresOptions = {}): Db {
  const connectTimeoutMs = opts.connectTimeoutMs ?? 5_000;
  const statementTimeoutMs = opts.statementTimeoutMs ?? 10_000;
  const onError = opts.onError ?? (() => {});
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    idleTimeoutMillis: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: statementTimeoutMs,
    // A server that accepts but never answers: the driver gives up a little after the server would.
    query_timeout: statementTimeoutMs + 5_000,
    // A transaction whose process vanished (network partition) releases the tree lock.
    idle_in_transaction_session_timeout: statementTimeoutMs * 2,
    keepAlive: true,
    // Generic plans for every prepared statement, made once per connection: left to PostgreSQL's
    // choice, the read statement (log-storage.ts) was planned afresh at each execution whenever the
    // reads coalesced into it were few (a process under light load, or one of several sharing the
    // load), at 700-1000 µs of PostgreSQL's CPU per statement against 100-240 µs generic (one entry,
    // 10^4 tree; docs/benchmarks.md, session 15). The log's statements are probes and ranges of
    // primary keys and indexed columns, which a generic plan serves as well as a custom one (appends:
    // no difference in bench:append). A connection string's own `options` replace this.
    options: '-c plan_cache_mode=force_generic_plan',
    // Queries given to one client without waiting are sent at once (a batch's write and its COMMIT
    // in one round trip); one at a time (every other use) they behave as without it.
    pipeline: true,
  });
  // An idle client losing its connection: the pool drops it; the next query opens a new one.
  pool.on('error', (err) => onError(err));
  // A checked-out client losing its connection emits 'error' too, and pg-pool listens only while the
  // client is idle: without this listener the process would exit on an unhandled 'error' event.
  pool.on('connect', (client) => {
    client.on('error', (err) => onError(err));
  });
  /** The connection overlapping commitInOne calls share while any is in flight. */
  let shared: { client: Promise<pg.PoolClient>; users: number; broken: boolean } | undefined;
  return {
    kind: 'postgres',
    query: async (sql, params, opts) => {
      try {
        const query = opts?.prepared
          ? preparedQuery(sql, params)
          : { text: sql, values: params as unknown[] };
        return (await pool.query(query)) as never;
      } catch (e) {
        throw wrapError(e);
      }
    },
    exec: async (sql) => {
      try {
        await pool.query(sql);
      } catch (e) {
        throw wrapError(e);
      }
    },
    async transaction(fn, opening) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (e) {
        throw wrapError(e);
      }
      // A client whose connection failed (or whose state is unknown) is destroyed, never reused.
      let destroy = false;
      try {
        // One simple-protocol message: BEGIN and the opening statements cost one round trip. Each
        // statement still takes its own snapshot (READ COMMITTED), exactly as if sent one by one.
        let first: pg.QueryResult | pg.QueryResult[];
        try {
          first = (await client.query(opening ? `BEGIN; ${opening}` : 'BEGIN')) as unknown as
            | pg.QueryResult
            | pg.QueryResult[];
        } catch (e) {
          throw wrapError(e);
        }
        const results = Array.isArray(first) ? first.slice(1).map((r) => r.rows) : [];
        let committed = false;
        const tx: TxQueryable = {
          ...wrapClient(client),
          // Pipelined (the pool's clients run in pg's pipeline mode): the statement and COMMIT leave
          // in one write. After a failed statement PostgreSQL answers that COMMIT with ROLLBACK.
          queryAndCommit: async (sql, params) => {
            const statement = client.query(preparedQuery(sql, params));
            const commit = client.query('COMMIT');
            try {
              const r = await statement;
              await commit;
              committed = true;
              return r as never;
            } catch (e) {
              await commit.catch(() => {});
              throw wrapError(e);
            }
          },
        };
        const result = await fn(tx, results);
        if (!committed) {
          try {
            await client.query('COMMIT');
          } catch (e) {
            throw wrapError(e);
          }
        }
        return result;
      } catch (e) {
        if (classifyDbError(e) === 'unavailable') {
          // Closing the connection makes PostgreSQL roll the transaction back.
          destroy = true;
        } else {
          destroy = !(await client.query('ROLLBACK').then(
            () => true,
            () => false,
          ));
        }
        throw e;
      } finally {
        client.release(destroy ? new Error('connection discarded') : undefined);
      }
    },
    async commitInOne(opening, sql, params) {
      // Overlapping calls share one connection, so their transactions run in the order they were
      // sent (a batch planned on top of another one queues right behind it, not for the lock).
      if (!shared) {
        const connecting = pool.connect();
        shared = { client: connecting, users: 0, broken: false };
      }
      const s = shared;
      s.users++;
      let client: pg.PoolClient | undefined;
      try {
        try {
          client = await s.client;
        } catch (e) {
          s.broken = true;
          throw wrapError(e);
        }
        // Pipelined: BEGIN with the opening (one simple-protocol message), the statement and
        // COMMIT leave in one write. After a failure PostgreSQL answers the rest with errors and
        // COMMIT with ROLLBACK, so nothing commits unless every statement succeeded.
        const first = client.query(`BEGIN; ${opening}`);
        const statement = client.query(preparedQuery(sql, params));
        const commit = client.query('COMMIT');
        const settled = await Promise.allSettled([first, statement, commit]);
        const failed = settled.find((r) => r.status === 'rejected');
        if (failed) {
          const e = wrapError((failed as PromiseRejectedResult).reason);
          // COMMIT not answered (the connection failed): the transaction's outcome is unknown here.
          if (settled[2].status === 'rejected' || classifyDbError(e) === 'unavailable') s.broken = true;
          throw e;
        }
        const ok = settled[2] as PromiseFulfilledResult<pg.QueryResult>;
        if (ok.value.command !== 'COMMIT')
          throw new Error(`transaction ended with ${ok.value.command}, not COMMIT`);
        return (settled[1] as PromiseFulfilledResult<pg.QueryResult>).value as never;
      } finally {
        if (s.broken && shared === s) shared = undefined;
        if (--s.users === 0) {
          if (shared === s) shared = undefined;
          client?.release(s.broken ? new Error('connection discarded') : undefined);
        }
      }
    },
    close: () => pool.end(),
  };
}
