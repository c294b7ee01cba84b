/**
 * `scriba witness --log-url URL` on a sharded Scriba log (issue 11): it learns the origin of every
 * shard, the frozen ones from GET /api/v1/log, so a witness started after a rotation cosigns both the
 * active shard's checkpoint and the frozen shard's final checkpoint the log keeps pushing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { freePort } from '../../../test/helpers/ports.js';
import type { RunningServer } from '../../server/src/main.js';
import { runCleanups, startCliTestLog } from './helpers/log-server.js';

const BIN = join(import.meta.dirname, '../bin/scriba.js');
let server: RunningServer;
let dir: string;
let frozen: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  ({ server, dir } = await startCliTestLog('scriba_cli_witness_shards', 'scriba-witness-shards-', cleanups));
  const signer = newSigner();
  for (let i = 0; i < 3; i++) expect((await postEntry(server.url, hashedRekord(signer))).status).toBe(201);
  frozen = (await server.log.rotate()).frozen.treeId;
  expect((await postEntry(server.url, hashedRekord(signer))).status).toBe(201);
});
afterAll(() => runCleanups(cleanups));

/** `scriba witness --log-url <log>` on a free port, once it listens; its output. */
async function witness(dataDir = 'w'): Promise<{ url: string; output: () => string }> {
  const port = await freePort();
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      BIN,
      'witness',
      '--name',
      'witness.example/w1',
      '--data-dir',
      join(dir, dataDir),
      '--port',
      String(port),
    ].concat(['--log-url', server.url]),
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
  return { url: `http://127.0.0.1:${port}`, output: () => out };
}

async function push(witnessUrl: string, path: string): Promise<Response> {
  const checkpoint = await (await fetch(`${server.url}${path}`)).text();
  return fetch(`${witnessUrl}/add-checkpoint`, { method: 'POST', body: `old 0\n\n${checkpoint}` });
}

describe('scriba witness --log-url on a sharded log', () => {
  it("follows every shard's origin: the active shard's checkpoint and the frozen shard's final one are cosigned", async () => {
    const w = await witness();
    const frozenOrigin = (
      await (await fetch(`${server.url}/api/v2/shards/${frozen}/checkpoint`)).text()
    ).split('\n')[0]!;
    const activeOrigin = (await (await fetch(`${server.url}/api/v2/checkpoint`)).text()).split('\n')[0]!;
    expect(frozenOrigin).not.toBe(activeOrigin);
    expect(w.output()).toContain(`following ${frozenOrigin}`);
    expect(w.output()).toContain(`following ${activeOrigin}`);
    for (const path of [`/api/v2/shards/${frozen}/checkpoint`, '/api/v2/checkpoint']) {
      const r = await push(w.url, path);
      expect(r.status).toBe(200);
      expect(await r.text()).toMatch(/^— witness\.example\/w1 \S+\n$/);
    }
  }, 120_000);

  it('follows a shard the log rotated to after the witness started, and nothing else', async () => {
    const w = await witness('w-later');
    const before = (await (await fetch(`${server.url}/api/v2/checkpoint`)).text()).split('\n')[0]!;
    expect(w.output()).toContain(`following ${before}`);
    await server.log.rotate();
    expect((await postEntry(server.url, hashedRekord(newSigner()))).status).toBe(201);
    const checkpoint = await (await fetch(`${server.url}/api/v2/checkpoint`)).text();
    const newOrigin = checkpoint.split('\n')[0]!;
    expect(newOrigin).not.toBe(before);
    expect(w.output()).not.toContain(`following ${newOrigin}`);
    const r = await push(w.url, '/api/v2/checkpoint');
    expect(r.status).toBe(200);
    expect(await r.text()).toMatch(/^— witness\.example\/w1 \S+\n$/);
    // An origin the log does not list is still unknown (signed or not).
    const forged = checkpoint.replace(newOrigin, `${newOrigin}-not-a-shard`);
    const bad = await fetch(`${w.url}/add-checkpoint`, { method: 'POST', body: `old 0\n\n${forged}` });
    expect(bad.status).toBe(404);
  }, 120_000);
});
