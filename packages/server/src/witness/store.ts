/**
 * The witness's own state (C2SP tlog-witness): for each log origin, the latest checkpoint it
 * cosigned. The check of the old size and the update MUST be atomic (the spec's rollback race), so
 * every update is a single compare-and-swap statement on (size, root) — correct on PostgreSQL with
 * any number of connections or processes, and on PGlite.
 *
 * The witness keeps its own database (PGlite in a data directory, or a PostgreSQL URL) and creates its
 * two tables itself; it never shares the log's tables.
 */

/** The part of `pg.Pool`/`pg.Client`/PGlite the store uses. */
export interface Queryable {
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export type WitnessState = { origin: string; size: number; rootHash: Uint8Array; checkpoint: string };

export const WITNESS_SCHEMA = `
CREATE TABLE IF NOT EXISTS witness_checkpoints (
  origin      text PRIMARY KEY,
  size        bigint NOT NULL CHECK (size >= 0),
  root_hash   bytea NOT NULL,
  checkpoint  text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS witness_refusals (
  id          bigserial PRIMARY KEY,
  origin      text NOT NULL,
  status      integer NOT NULL,
  reason      text NOT NULL,
  request     text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
`;

function toNumber(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(String(v));
  if (!Number.isSafeInteger(n)) throw new Error(`stored size ${String(v)} is not a safe integer`);
  return n;
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return new Uint8Array(v);
  throw new Error('stored root_hash is not bytea');
}

export class WitnessStore {
  constructor(private readonly db: Queryable) {}

  /** Create the tables if absent. Statements run one by one (PGlite's extended protocol wants that). */
  async init(): Promise<void> {
    for (const stmt of WITNESS_SCHEMA.split(';')) {
      if (stmt.trim()) await this.db.query(stmt);
    }
  }

  async get(origin: string): Promise<WitnessState | undefined> {
    const { rows } = await this.db.query(
      'SELECT origin, size, root_hash, checkpoint FROM witness_checkpoints WHERE origin = $1',
      [origin],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      origin,
      size: toNumber(r.size),
      rootHash: toBytes(r.root_hash),
      checkpoint: String(r.checkpoint),
    };
  }

  /**
   * Atomically replace the state of `origin` if it still is `expected` (undefined: no state yet).
   * Returns false when another request changed it first; the caller then answers 409.
   */
  async compareAndSwap(expected: WitnessState | undefined, next: WitnessState): Promise<boolean> {
    if (expected === undefined) {
      const { rows } = await this.db.query(
        `INSERT INTO witness_checkpoints (origin, size, root_hash, checkpoint) VALUES ($1, $2, $3, $4)
         ON CONFLICT (origin) DO NOTHING RETURNING origin`,
        [next.origin, next.size, next.rootHash, next.checkpoint],
      );
      return rows.length === 1;
    }
    const { rows } = await this.db.query(
      `UPDATE witness_checkpoints SET size = $2, root_hash = $3, checkpoint = $4, updated_at = now()
       WHERE origin = $1 AND size = $5 AND root_hash = $6 RETURNING origin`,
      [next.origin, next.size, next.rootHash, next.checkpoint, expected.size, expected.rootHash],
    );
    return rows.length === 1;
  }

  /** Keep a refused, correctly signed checkpoint: it may be evidence of log misbehaviour. */
  async recordRefusal(origin: string, status: number, reason: string, request: string): Promise<void> {
    await this.db.query(
      'INSERT INTO witness_refusals (origin, status, reason, request) VALUES ($1, $2, $3, $4)',
      [origin, status, reason, request],
    );
  }

  async refusals(origin: string): Promise<{ status: number; reason: string; request: string }[]> {
    const { rows } = await this.db.query(
      'SELECT status, reason, request FROM witness_refusals WHERE origin = $1 ORDER BY id',
      [origin],
    );
    return rows.map((r) => ({
      status: Number(r.status),
      reason: String(r.reason),
      request: String(r.request),
    }));
  }
}
