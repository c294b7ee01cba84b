import { afterAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { type SpawnedServer, spawnServer, tempDir } from '../../../test/helpers/server.js';

/** Per-request log lines cost the event loop: at debug, not at the default level (info), but errors. */
describe('request log lines', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  async function serve(level: string): Promise<SpawnedServer> {
    const dir = await tempDir();
    const s = await spawnServer({
      LOG_LEVEL: level,
      SCRIBA_DATA_DIR: dir.path,
      SCRIBA_PUBLIC_URL: 'http://scriba.test',
    });
    cleanup.push(dir.remove, () => s.stop('SIGKILL'));
    return s;
  }

  /**
   * Status codes of the 'request completed' lines after a 200, a 404, an append (201) and a read of
   * it (200: a read the read lane takes, but for the request log at debug).
   */
  async function completedAt(level: string): Promise<number[]> {
    const s = await serve(level);
    expect((await fetch(`${s.url}/api/v1/log`)).status).toBe(200);
    expect((await fetch(`${s.url}/api/v1/log/entries?logIndex=99`)).status).toBe(404);
    expect((await postEntry(s.url, hashedRekord(newSigner()))).status).toBe(201);
    expect((await fetch(`${s.url}/api/v1/log/entries?logIndex=0`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200)); // let the child's output arrive
    return s
      .output()
      .split('\n')
      .filter((l) => l.includes('"msg":"request completed"'))
      .map((l) => (JSON.parse(l) as { res: { statusCode: number } }).res.statusCode);
  }

  it('at LOG_LEVEL=info, only answers of status 400 and up are logged', async () => {
    expect(await completedAt('info')).toEqual([404]);
  });

  it('at LOG_LEVEL=debug, every answer is logged', async () => {
    // (first, the readiness probe's 200)
    expect((await completedAt('debug')).slice(-4)).toEqual([200, 404, 201, 200]);
  });
});
