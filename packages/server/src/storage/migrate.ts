/**
 * Forward-only schema migrations: sql/NNNN_name.sql applied in order at server start. All pending
 * files run in ONE transaction holding a transaction-scoped advisory lock, so two processes
 * starting at once serialize (the second sees the first one's rows and applies nothing). A
 * recorded checksum that no longer matches its file stops the start: applied migrations MUST NOT
 * be edited.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './types.js';

/** Arbitrary constant identifying Scriba's migration lock among advisory locks. */
const MIGRATION_LOCK_KEY = 0x5c21ba;

/** The repository's sql/ directory (same relative place from src/storage and dist/storage). */
export const DEFAULT_SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'sql');

export type Migration = { version: number; name: string; sql: string; checksum: string };

export async function loadMigrations(dir: string = DEFAULT_SQL_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^[0-9]{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const sql = await readFile(join(dir, file), 'utf8');
    out.push({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  return out;
}

/**
 * Another schema's bookkeeping (e.g. the witness's, packages/witness/sql/): its own table of applied
 * versions and its own advisory lock key, so that two schemas may share a database.
 */
export type MigrationSet = { table: string; lockKey: number };

const LOG_SCHEMA: MigrationSet = { table: 'schema_migrations', lockKey: MIGRATION_LOCK_KEY };

/** Applies pending migrations; returns the versions applied by this call. */
export async function migrate(db: Db, dir?: string, set: MigrationSet = LOG_SCHEMA): Promise<number[]> {
  if (!/^[a-z_]+$/.test(set.table)) throw new Error(`bad migrations table name ${set.table}`);
  const migrations = await loadMigrations(dir);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [set.lockKey]);
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS ${set.table} (
         version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await tx.query<{ version: number; checksum: string }>(
      `SELECT version, checksum FROM ${set.table}`,
    );
    const applied = new Map(rows.map((r) => [Number(r.version), r.checksum]));
    const done: number[] = [];
    for (const m of migrations) {
      const sum = applied.get(m.version);
      if (sum !== undefined) {
        if (sum !== m.checksum) {
          throw new Error(`migration ${m.version}_${m.name}.sql was edited after it was applied`);
        }
        continue;
      }
      await tx.exec(m.sql);
      await tx.query(`INSERT INTO ${set.table} (version, name, checksum) VALUES ($1, $2, $3)`, [
        m.version,
        m.name,
        m.checksum,
      ]);
      done.push(m.version);
    }
    return done;
  });
}
