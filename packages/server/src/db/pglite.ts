/**
 * Db over PGlite (PostgreSQL compiled to WASM, in-process) with its data under a directory: the
 * embedded default when no DATABASE_URL is set. PGlite is a single connection; its own mutex
 * serializes queries and transactions, which is the "pool of one" DESIGN.md asks for.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Db, Queryable } from './types.js';

function wrap(q: PGlite | Transaction): Queryable {
  return {
    query: async (sql, params) => (await q.query(sql, params as unknown[])) as never,
    exec: async (sql) => {
      await q.exec(sql);
    },
  };
}

export async function openPglite(dir: string): Promise<Db> {
  await mkdir(dir, { recursive: true });
  const db = await PGlite.create(dir);
  const base = wrap(db);
  return {
    kind: 'pglite',
    query: base.query,
    exec: base.exec,
    transaction: (fn, opening) =>
      db.transaction(async (tx) => {
        const results = opening
          ? (await tx.exec(opening)).map((r) => r.rows as Record<string, unknown>[])
          : [];
        return fn(wrap(tx), results);
      }),
    close: () => db.close(),
  };
}
