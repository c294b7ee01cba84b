/**
 * The small database interface the log code uses, implemented over node-postgres (a pool) and over
 * PGlite (in-process, one connection). Only src/db and src/log write SQL. Values differ by driver
 * (pg returns int8 as string and bytea as Buffer; PGlite as number/bigint and Uint8Array), so
 * readers MUST normalize with `toNumber` / `toBytes`.
 */
export interface Queryable {
  /**
   * `prepared`: the statement is kept prepared per connection under a name derived from its text
   * (PostgreSQL parses and plans it once per connection; for hot reads of a few fixed shapes).
   */
  query<R = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    opts?: { prepared?: boolean },
  ): Promise<{ rows: R[] }>;
  /** Runs SQL text with several statements and no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** A transaction's connection (Db.transaction). */
export interface TxQueryable extends Queryable {
  /**
   * Runs `sql` and commits the transaction in ONE round trip (the driver sends COMMIT right behind
   * the statement). The statement MUST fail (raise) for every outcome that must not commit: by the
   * time its result arrives, the commit is on its way. Resolves with its rows after the commit; on
   * its failure nothing is committed. Nothing may be queried on `tx` afterwards. `sql` is a fixed
   * text (a batch write), prepared per connection where the driver allows it.
   */
  queryAndCommit<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK on throw). `opening` (SQL text without
   * parameters, one or more statements) runs right after BEGIN in the same round trip where the
   * driver allows it; `fn` receives each of its statements' rows in order.
   */
  transaction<T>(
    fn: (tx: TxQueryable, opening: Record<string, unknown>[][]) => Promise<T>,
    opening?: string,
  ): Promise<T>;
  /**
   * A whole transaction in ONE round trip where the driver allows it: BEGIN, `opening` (SQL text
   * without parameters, e.g. a lock), then `sql` with `params`, then COMMIT, sent in one write. Each
   * statement still takes its own snapshot (READ COMMITTED), so `sql` sees every commit made before
   * `opening` returned. `sql` MUST fail (raise) for every outcome that must not commit. Resolves
   * with its rows after the commit; on any failure nothing is committed. `sql` is a fixed text,
   * prepared per connection where the driver allows it.
   */
  commitInOne<R = Record<string, unknown>>(
    opening: string,
    sql: string,
    params: unknown[],
  ): Promise<{ rows: R[] }>;
  close(): Promise<void>;
}

/** int8 / numeric column value → safe JS number. */
export function toNumber(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v as string | bigint);
  if (!Number.isSafeInteger(n)) throw new Error(`database returned a non-integer value: ${String(v)}`);
  return n;
}

/** bytea column value → Uint8Array (a Buffer is one, but normalized to a plain view). */
export function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  throw new Error('database returned a non-bytea value');
}
