/**
 * Real servers over real HTTP for tests: `startTestServer` runs the server in-process on a free port
 * (`startTestLog`: on a fresh test database and data directory of its own); `spawnServer` runs the
 * built CLI (`node packages/cli/dist/bin.js serve`) as a child process, for the PGlite smoke test,
 * multi-process and restart tests. Both wait for /readyz.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../packages/server/src/config.js';
import { type RunningServer, startServer } from '../../packages/server/src/main.js';
import { freePort } from './ports.js';
import { createTestDatabase } from './postgres.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_BIN = join(REPO_ROOT, 'packages', 'cli', 'dist', 'bin.js');

export async function tempDir(prefix = 'scriba-test-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Variables a test may set in this process's environment for in-process servers (witness pushing,
 * tile cache, native addon, validation workers): the server reads no environment itself, so they are
 * passed into its configuration here, under what the test gives explicitly.
 */
const INHERITED = [
  'SCRIBA_WITNESSES',
  'SCRIBA_WITNESS_INTERVAL_MS',
  'SCRIBA_WITNESS_TIMEOUT_MS',
  'SCRIBA_TILE_CACHE_MB',
  'SCRIBA_LOG_ED25519_KEY',
  'SCRIBA_NATIVE',
  'SCRIBA_VALIDATION_WORKERS',
];

/** Starts the server in this process. `env` is the config environment (PORT is chosen here). */
export async function startTestServer(env: Record<string, string | undefined>): Promise<RunningServer> {
  const port = await freePort();
  const inherited = Object.fromEntries(INHERITED.map((k) => [k, process.env[k]]));
  const config = loadConfig({ HOST: '127.0.0.1', ...inherited, ...env, PORT: String(port) });
  return startServer(config, { logger: false });
}

/** A server started by `startTestLog`, with what it runs on. */
export type TestLog = {
  server: RunningServer;
  databaseUrl: string;
  /** A fresh directory: the server's data directory, unless `env` names another (inside it, say). */
  dir: string;
  /** Closes the server, then drops its database and removes its data directory. */
  stop(): Promise<void>;
};

export type TestLogOptions = {
  /** Prefix of the database's name (createTestDatabase). */
  database?: string;
  /** Prefix of the data directory's name (tempDir). */
  dirPrefix?: string;
  /**
   * Configuration beyond the database and data directory (it may replace either), or a function of
   * the fresh directory making it (key files written there, a data directory inside it).
   */
  env?:
    | Record<string, string | undefined>
    | ((dir: string) => Record<string, string | undefined> | Promise<Record<string, string | undefined>>);
};

/**
 * Starts the server in this process on a fresh PostgreSQL database and data directory. What was
 * made is removed again if the server does not start, and by `stop()`.
 */
export async function startTestLog(options: TestLogOptions = {}): Promise<TestLog> {
  const db = await createTestDatabase(options.database);
  let dir: { path: string; remove(): Promise<void> };
  try {
    dir = await tempDir(options.dirPrefix);
  } catch (e) {
    await db.drop();
    throw e;
  }
  const removeBoth = async () => {
    try {
      await db.drop();
    } finally {
      await dir.remove();
    }
  };
  let server: RunningServer;
  try {
    const env = typeof options.env === 'function' ? await options.env(dir.path) : options.env;
    server = await startTestServer({ DATABASE_URL: db.url, SCRIBA_DATA_DIR: dir.path, ...env });
  } catch (e) {
    await removeBoth();
    throw e;
  }
  return {
    server,
    databaseUrl: db.url,
    dir: dir.path,
    async stop() {
      try {
        await server.close();
      } finally {
        await removeBoth();
      }
    },
  };
}

export type SpawnedServer = {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
};

export async function waitReady(
  url: string,
  child?: ChildProcess,
  output?: () => string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`server exited with ${child.exitCode} before ready:\n${output?.()}`);
    }
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${url} not ready after ${timeoutMs} ms:\n${output?.()}`);
}

/** Spawns `scriba serve` from the built CLI with `env` added to this process's environment. */
export async function spawnServer(
  env: Record<string, string | undefined>,
  args: string[] = [],
): Promise<SpawnedServer> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const child = spawn(process.execPath, [CLI_BIN, 'serve', ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitReady(url, child, () => out);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    url,
    child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
