/**
 * The real log the CLI's end-to-end tests run against: a Scriba server on a fresh PostgreSQL
 * database (test/helpers/postgres.ts) and a temporary data directory, with the trusted root it
 * publishes written to `<dir>/trusted_root.json`; and `scriba` run against it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestLog } from '../../../../test/helpers/server.js';
import type { RunningServer } from '../../../server/src/main.js';
import { scriba } from './cli.js';

export type Cleanups = (() => Promise<unknown>)[];

export type CliTestLog = { server: RunningServer; dir: string; root: string };

/**
 * Starts the log on database `database` in a temp dir named `prefix...` (its data directory is
 * `<dir>/log`); what stops and removes it goes into `cleanups`, to be run by `runCleanups` after
 * all (cleanups added to its front run before).
 */
export async function startCliTestLog(
  database: string,
  prefix: string,
  cleanups: Cleanups,
): Promise<CliTestLog> {
  const log = await startTestLog({
    database,
    dirPrefix: prefix,
    env: (dir) => ({ SCRIBA_DATA_DIR: join(dir, 'log') }),
  });
  cleanups.push(log.stop);
  const root = join(log.dir, 'trusted_root.json');
  await writeFile(root, await (await fetch(`${log.server.url}/api/v1/log/trusted-root`)).text());
  return { server: log.server, dir: log.dir, root };
}

/** Runs the cleanups in order, each failure ignored. */
export async function runCleanups(cleanups: Cleanups): Promise<void> {
  for (const c of cleanups) await c().catch(() => undefined);
}

/** `scriba COMMAND ARGS... --url <log> --trusted-root <its root>`. */
export function scribaAt(
  log: CliTestLog,
  command: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return scriba(command, ...args, '--url', log.server.url, '--trusted-root', log.root);
}

/**
 * `scriba sign` with the private CA's leaf `<dir>/<leaf>.key` and `<dir>/<leaf>.crt` (helpers/pki.ts)
 * against the log: the artifact is logged with its certificate and the bundle written.
 */
export function signWithCertificate(
  log: CliTestLog,
  leaf: string,
  artifact: string,
  bundle: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const at = (name: string) => join(log.dir, name);
  return scribaAt(
    log,
    'sign',
    '--key',
    at(`${leaf}.key`),
    '--certificate',
    at(`${leaf}.crt`),
    '--artifact',
    artifact,
    '--bundle',
    bundle,
  );
}
