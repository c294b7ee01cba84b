/**
 * `scriba witness --log VKEY --origin ORIGIN` (the origin given) cosigns a Scriba log's checkpoint;
 * `--log VKEY` alone takes the key name as the origin, which is not a Scriba log's origin
 * (`<name> - <treeID>`), so its checkpoints get 404 unknown log origin — as the README says.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/helpers/ports.js';
import type { RunningServer } from '../../server/src/main.js';
import { runCleanups, startCliTestLog } from './helpers/log-server.js';

const BIN = join(import.meta.dirname, '../bin/scriba.js');
let server: RunningServer;
let dir: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  ({ server, dir } = await startCliTestLog('scriba_cli_witness_origin', 'scriba-witness-origin-', cleanups));
});
afterAll(() => runCleanups(cleanups));

async function witness(name: string, args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const child = spawn(
    process.execPath,
    [
      BIN,
      'witness',
      '--name',
      'witness.example/w1',
      '--data-dir',
      join(dir, name),
      '--port',
      String(port),
      ...args,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  cleanups.unshift(async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  });
  let out = '';
  child.stdout?.on('data', (c) => {
    out += c;
  });
  child.stderr?.on('data', (c) => {
    out += c;
  });
  const deadline = Date.now() + 60_000;
  while (!/listening on/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`witness did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `http://127.0.0.1:${port}`, child };
}

async function push(url: string): Promise<Response> {
  const checkpoint = await (await fetch(`${server.url}/api/v2/checkpoint`)).text();
  return fetch(`${url}/add-checkpoint`, { method: 'POST', body: `old 0\n\n${checkpoint}` });
}

describe('scriba witness --log VKEY', () => {
  it('cosigns with --origin set to the checkpoint origin; answers 404 without it', async () => {
    const vkey = (await (await fetch(`${server.url}/api/v2/log/vkeys`)).text()).trim();
    const origin = (await (await fetch(`${server.url}/api/v2/checkpoint`)).text()).split('\n')[0] as string;
    expect(origin).toMatch(/^127\.0\.0\.1:\d+ - \d+$/);
    const given = await witness('given', ['--log', vkey, '--origin', origin]);
    const r = await push(given.url);
    expect(r.status).toBe(200);
    expect(await r.text()).toMatch(/^— witness\.example\/w1 \S+\n$/);
    const keyName = await witness('keyname', ['--log', vkey]);
    const r2 = await push(keyName.url);
    expect(r2.status).toBe(404);
    expect(await r2.text()).toBe('unknown log origin\n');
  }, 120_000);
});
