/**
 * `scriba shard list | rotate` on the embedded database (PGlite): refused in one line while a server
 * holds the data directory; with the server stopped, the rotation freezes the shard and reports it;
 * the restarted server appends to the new shard and answers an entry of the frozen one as a
 * duplicate pointing at it. Bad options and key files are one line and exit 2.
 */
import { spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { CLI_BIN, type SpawnedServer, spawnServer, tempDir } from '../../../test/helpers/server.js';

/** The built CLI as a child process, on the embedded database only (DATABASE_URL removed). */
function shard(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.DATABASE_URL;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_BIN, 'shard', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const treeOf = (uuid: string) => BigInt(`0x${uuid.slice(0, 16)}`).toString();

describe('scriba shard on the embedded database', () => {
  let dir: { path: string; remove(): Promise<void> };
  let server: SpawnedServer | undefined;
  const env = () => ({ SCRIBA_DATA_DIR: dir.path, DATABASE_URL: '', SCRIBA_PUBLIC_URL: 'http://shard.test' });
  const entry = hashedRekord(newSigner());
  let firstUuid: string;

  beforeAll(async () => {
    dir = await tempDir('scriba-shard-cli-');
    server = await spawnServer(env());
    const r = await postEntry(server.url, entry);
    expect(r.status).toBe(201);
    firstUuid = Object.keys((await r.json()) as Record<string, unknown>)[0]!;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await dir.remove();
  });

  it('refuses in one line while the server holds the data directory', async () => {
    const r = await shard('rotate', '--data-dir', dir.path);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error DATA_DIR_IN_USE: .*stop it first, or let it rotate by policy/);
  });

  it('rotates with the server stopped, and the restarted server appends to the new shard', async () => {
    expect(await server!.stop()).toBe(0);
    server = undefined;
    const r = await shard('rotate', '--json', '--data-dir', dir.path);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { frozen, active } = JSON.parse(r.stdout);
    expect(frozen).toMatchObject({ treeId: treeOf(firstUuid), size: 1, offset: 0, state: 'frozen' });
    expect(frozen.checkpoint).toMatch(/^shard\.test - \d+\n1\n/);
    expect(active).toMatchObject({
      size: 0,
      offset: 1,
      state: 'active',
      origin: `shard.test - ${active.treeId}`,
    });

    const list = await shard('list', '--data-dir', dir.path);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^frozen tree ${frozen.treeId} +offset 0 +size 1 `, 'm'));
    expect(list.stdout).toMatch(new RegExp(`^active tree ${active.treeId} +offset 1 +size 0 `, 'm'));

    server = await spawnServer(env());
    const again = await postEntry(server.url, entry);
    expect(again.status).toBe(409);
    expect(again.headers.get('location')).toBe(`/api/v1/log/entries/${firstUuid}`);
    const next = await postEntry(server.url, hashedRekord(newSigner()));
    expect(next.status).toBe(201);
    expect(treeOf(Object.keys((await next.json()) as Record<string, unknown>)[0]!)).toBe(active.treeId);
  });

  it('refuses in one line on a data directory without a log, and creates nothing there', async () => {
    const empty = await tempDir('scriba-shard-empty-');
    try {
      for (const args of [
        ['list'],
        ['rotate'],
        ['export', '--tree-id', '1', '--out', join(empty.path, 'out')],
      ]) {
        const r = await shard(...args, '--data-dir', empty.path);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(/^error CONFIG: no log in .*start `scriba serve`/);
      }
      expect(await readdir(empty.path)).toEqual([]);
    } finally {
      await empty.remove();
    }
  });

  it('reports bad subcommands, options and key files in one line (exit 2)', async () => {
    const bad = join(dir.path, 'not-a-key.pem');
    await writeFile(bad, 'nope', { mode: 0o600 });
    for (const args of [['frob'], ['list', '--key', bad], ['rotate', '--key', bad, '--data-dir', dir.path]]) {
      const r = await shard(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error (USAGE|CONFIG): /);
    }
  });
});
