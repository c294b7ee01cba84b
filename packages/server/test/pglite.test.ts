import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { type SpawnedServer, spawnServer, tempDir } from '../../../test/helpers/server.js';

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

  it('stops with one clear line on a bad configuration', async () => {
    const dir = await tempDir();
    cleanup.push(dir.remove);
    await expect(
      spawnServer({ DATABASE_URL: '', SCRIBA_DATA_DIR: dir.path, SCRIBA_BATCH_MAX_SIZE: 'lots' }),
    ).rejects.toThrow(/configuration error: SCRIBA_BATCH_MAX_SIZE must be an integer/);
  });
});
