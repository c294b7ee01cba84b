/**
 * A `scriba serve` child process for the HTTP benchmarks (bench/append, bench/overload,
 * bench/timestamp): the built CLI on a free loopback port with its own temporary data directory,
 * ready once `/readyz` answers 200. `stop()` sends SIGTERM (SIGKILL after 30 s) and removes the
 * data directory.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './pg.mjs';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'cli', 'dist', 'bin.js');

/**
 * Options: `env` (added to this process's environment; DATABASE_URL unset = embedded PGlite),
 * `logLevel` (default warn), `nodeArgs` (before the CLI, e.g. --cpu-prof), `args` (after `serve`,
 * e.g. `['--workers', '2']`), `inherit` (the server's output to this terminal instead of captured),
 * `prefix` of the data directory.
 * Returns `{ url, port, pid, output(), stop() }`.
 */
export async function startScribaServe({
  env = {},
  logLevel = 'warn',
  nodeArgs = [],
  args = [],
  inherit = false,
  prefix = 'scriba-bench-data-',
} = {}) {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'serve', ...args], {
    env: {
      ...process.env,
      SCRIBA_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: logLevel,
      ...env,
    },
    stdio: ['ignore', inherit ? 'inherit' : 'pipe', inherit ? 'inherit' : 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`scriba serve exited with ${child.exitCode}: ${out}`);
    if (i > 600) {
      child.kill('SIGKILL');
      throw new Error(`scriba serve not ready after 60 s: ${out}`);
    }
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    pid: child.pid,
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await new Promise((r) => child.once('exit', r));
        clearTimeout(killer);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
