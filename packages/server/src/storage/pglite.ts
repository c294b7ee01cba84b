/**
 * Db over PGlite (PostgreSQL compiled to WASM, in-process) with its data under `<dataDir>/pglite`:
 * the embedded default when no DATABASE_URL is set. PGlite is a single connection; its own mutex
 * serializes queries and transactions, which is the "pool of one" DESIGN.md asks for.
 *
 * The data directory is this process's alone (datadir-lock.ts) and private: created 0700, and since
 * PGlite (Emscripten's NODEFS) chmods the files it creates to 0666 whatever the umask, every file is
 * set to 0600 and every directory to 0700 after opening and again at close. The 0700 directory is
 * what keeps other users out of files created in between.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { ConfigError } from '../config.js';
import { lockDataDir } from './datadir-lock.js';
import type { Db, Queryable } from './types.js';

function wrap(q: PGlite | Transaction): Queryable {
  return {
    query: async (sql, params) => (await q.query(sql, params as unknown[])) as never,
    exec: async (sql) => {
      await q.exec(sql);
    },
  };
}

/** Sets every directory under `dir` (itself included) to 0700 and every file to 0600. */
export async function makePrivate(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  for (const ent of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, ent.name);
    if (ent.isDirectory()) await makePrivate(p);
    else if (ent.isFile()) await chmod(p, 0o600).catch(() => {});
  }
}

/** The embedded database was asked for as existing (an operator command) and the data dir has none. */
export class NoDatabaseError extends ConfigError {
  constructor(readonly dir: string) {
    super(
      `no log in ${dir}: the data directory holds no embedded database (start \`scriba serve\` with this SCRIBA_DATA_DIR first, or set DATABASE_URL)`,
    );
    this.name = 'NoDatabaseError';
  }
}

/**
 * `subdir`: the database's folder under the data dir; `lockFile`: the data dir's lock file name;
 * `existing`: refuse (NoDatabaseError) rather than create a database when there is none.
 */
export async function openPglite(
  dataDir: string,
  opts: { subdir?: string; lockFile?: string; existing?: boolean } = {},
): Promise<Db> {
  const dir = join(dataDir, opts.subdir ?? 'pglite');
  if (opts.existing && !existsSync(join(dir, 'PG_VERSION'))) throw new NoDatabaseError(dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  const lock = await lockDataDir(dataDir, opts.lockFile);
  let db: PGlite;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    db = await PGlite.create(dir);
    await makePrivate(dir);
  } catch (e) {
    await lock.release();
    throw e;
  }
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
        // PGlite runs in this process: no round trip to save; the wrapper commits after `fn`.
        const q = wrap(tx);
        return fn({ ...q, queryAndCommit: q.query }, results);
      }),
    // In this process: no round trip to save; one transaction, committed after the statement.
    commitInOne: (opening, sql, params) =>
      db.transaction(async (tx) => {
        await tx.exec(opening);
        return wrap(tx).query(sql, params);
      }) as never,
    async close() {
      try {
        await db.close();
        await makePrivate(dir);
      } finally {
        await lock.release();
      }
    },
  };
}
