import { spawnSync } from 'node:child_process';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { type SpawnedServer, spawnServer, tempDir } from '../../../test/helpers/server.js';
import { generateLogKeyPem } from '../src/keys/logKey.js';

/** Smoke test of the embedded default: `scriba serve` with no DATABASE_URL runs on PGlite. */
describe('scriba serve on embedded PGlite', () => {
  let server: SpawnedServer | undefined;
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    await server?.stop('SIGKILL');
    for (const c of cleanup) await c();
  });

  it('creates its key (0600) and database under the data dir, appends, and keeps entries across a restart', async () => {
    const dir = await tempDir();
    cleanup.push(dir.remove);
    const env = { DATABASE_URL: '', SCRIBA_DATA_DIR: dir.path };
    server = await spawnServer(env);
    expect((await stat(join(dir.path, 'log-key.pem'))).mode & 0o777).toBe(0o600);
    const signer = newSigner();
    const uuids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await postEntry(server.url, hashedRekord(signer));
      expect(r.status).toBe(201);
      uuids.push(r.headers.get('etag')!);
    }
    const before = (await (await fetch(`${server.url}/api/v1/log`)).json()) as Record<string, unknown>;
    expect(await server.stop()).toBe(0);

    server = await spawnServer(env);
    // A new port means a new default key name, so the checkpoint is re-signed for the same tree.
    const after = (await (await fetch(`${server.url}/api/v1/log`)).json()) as Record<string, unknown>;
    expect(after).toMatchObject({ treeSize: 3, treeID: before.treeID, rootHash: before.rootHash });
    for (const u of uuids) expect((await fetch(`${server.url}/api/v1/log/entries/${u}`)).status).toBe(200);
    expect(await server.stop()).toBe(0);
  });

  /** Every entry under `dir` whose mode lets group or others in (dirs must be 0700, files 0600). */
  async function leaks(dir: string): Promise<string[]> {
    const out: string[] = [];
    const st = await stat(dir);
    if ((st.mode & 0o777) !== 0o700) out.push(`${dir} ${(st.mode & 0o777).toString(8)}`);
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) out.push(...(await leaks(p)));
      else if (e.isFile() && ((await stat(p)).mode & 0o777) !== 0o600)
        out.push(`${p} ${((await stat(p)).mode & 0o777).toString(8)}`);
    }
    return out;
  }

  it('keeps its data private: the data directory 0700 and every file 0600 (PGlite makes them 0666)', async () => {
    const dir = await tempDir();
    cleanup.push(dir.remove);
    const data = join(dir.path, 'data');
    const s = await spawnServer({ DATABASE_URL: '', SCRIBA_DATA_DIR: data });
    try {
      expect((await stat(data)).mode & 0o777).toBe(0o700);
      expect((await stat(join(data, 'pglite'))).mode & 0o777).toBe(0o700);
      expect((await postEntry(s.url, hashedRekord(newSigner()))).status).toBe(201);
    } finally {
      expect(await s.stop()).toBe(0);
    }
    const found = await leaks(data);
    expect(found).toEqual([]);
  });

  it('refuses a second process on the same data directory with one line naming the holder', async () => {
    const dir = await tempDir();
    cleanup.push(dir.remove);
    const env = { DATABASE_URL: '', SCRIBA_DATA_DIR: dir.path };
    const first = await spawnServer(env);
    try {
      const err = await spawnServer(env).then(
        (s) => s.stop('SIGKILL').then(() => 'started'),
        (e: Error) => e.message,
      );
      expect(err).toMatch(new RegExp(`in use by process ${first.child.pid}\\b`));
      expect(err).toMatch(/exited with 2 /);
      // The first process still serves and appends.
      expect((await postEntry(first.url, hashedRekord(newSigner()))).status).toBe(201);
    } finally {
      expect(await first.stop()).toBe(0);
    }
  });

  it('takes over the stale lock of a process that died (kill -9)', async () => {
    const dir = await tempDir();
    cleanup.push(dir.remove);
    const env = { DATABASE_URL: '', SCRIBA_DATA_DIR: dir.path };
    const first = await spawnServer(env);
    const uuid = (await postEntry(first.url, hashedRekord(newSigner()))).headers.get('etag');
    await first.stop('SIGKILL');
    const second = await spawnServer(env);
    try {
      expect((await fetch(`${second.url}/api/v1/log/entries/${uuid}`)).status).toBe(200);
    } finally {
      expect(await second.stop()).toBe(0);
    }
    // A lock naming a pid that no longer exists (e.g. from before a reboot) is taken over too.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(join(dir.path, 'scriba.lock'), `${dead}\n`);
    const third = await spawnServer(env);
    expect(await third.stop()).toBe(0);
  });

  it.each([
    ['group-readable', 0o640],
    ['world-readable', 0o644],
  ])('refuses a %s SCRIBA_LOG_KEY with one line (exit 2)', async (_n, mode) => {
    const dir = await tempDir();
    cleanup.push(dir.remove);
    const key = join(dir.path, 'key.pem');
    await writeFile(key, generateLogKeyPem(), { mode });
    await expect(
      spawnServer({ DATABASE_URL: '', SCRIBA_DATA_DIR: join(dir.path, 'd'), SCRIBA_LOG_KEY: key }),
    ).rejects.toThrow(
      /exited with 2 [\s\S]*configuration error: SCRIBA_LOG_KEY file .* is accessible by group or others/,
    );
  });

  it('stops with one clear line on a bad configuration', async () => {
    const dir = await tempDir();
    cleanup.push(dir.remove);
    await expect(
      spawnServer({ DATABASE_URL: '', SCRIBA_DATA_DIR: dir.path, SCRIBA_BATCH_MAX_SIZE: 'lots' }),
    ).rejects.toThrow(/configuration error: SCRIBA_BATCH_MAX_SIZE must be an integer/);
  });
});
