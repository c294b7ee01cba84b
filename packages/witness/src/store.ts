/**
 * The witness's own state (C2SP tlog-witness): for each log origin, the latest checkpoint it
 * cosigned. The check of the old size and the update MUST be atomic (the spec's rollback race), so
 * every update is a single compare-and-swap statement on (size, root) — correct on PostgreSQL with
 * any number of connections or processes, and on PGlite.
 *
 * The witness keeps its own database (PGlite in a data directory, or a PostgreSQL URL) through the
 * server's shared database helpers (@scriba/server/storage); its schema is packages/witness/sql/,
 * applied by the shared migrator under its own bookkeeping table. It never touches the log's tables.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Db, type MigrationSet, migrate, toBytes, toNumber } from '@scriba/server/storage';

export type WitnessState = { origin: string; size: number; rootHash: Uint8Array; checkpoint: string };

/** The witness's migrations (packages/witness/sql/, same relative place from src/ and dist/). */
export const WITNESS_SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'sql');

/** The witness schema's own bookkeeping, so that it may share a database with a log. */
const WITNESS_MIGRATIONS: MigrationSet = { table: 'witness_schema_migrations', lockKey: 0x5c21bb };

export class WitnessStore {
  constructor(private readonly db: Db) {}

  /** Applies the witness's migrations (sql/) with the shared migrator. Idempotent. */
  async init(): Promise<void> {
    await migrate(this.db, WITNESS_SQL_DIR, WITNESS_MIGRATIONS);
  }

  async get(origin: string): Promise<WitnessState | undefined> {
    const { rows } = await this.db.query<Record<string, unknown>>(
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
      const { rows } = await this.db.query<Record<string, unknown>>(
        `INSERT INTO witness_checkpoints (origin, size, root_hash, checkpoint) VALUES ($1, $2, $3, $4)
         ON CONFLICT (origin) DO NOTHING RETURNING origin`,
        [next.origin, next.size, next.rootHash, next.checkpoint],
      );
      return rows.length === 1;
    }
    const { rows } = await this.db.query<Record<string, unknown>>(
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
    const { rows } = await this.db.query<Record<string, unknown>>(
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
