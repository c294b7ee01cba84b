import { afterAll, describe, expect, it } from 'vitest';
import { type SpawnedServer, spawnServer, tempDir } from '../../../test/helpers/server.js';

/** Per-request log lines cost the event loop: at debug, not at the default level (info). */
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

  it.each([
    ['info', false],
    ['debug', true],
  ])('at LOG_LEVEL=%s, a request is logged: %s', async (level, logged) => {
    const s = await serve(level);
    expect((await fetch(`${s.url}/api/v1/log`)).status).toBe(200);
    expect((await fetch(`${s.url}/api/v1/log/entries?logIndex=99`)).status).toBe(404);
    await new Promise((r) => setTimeout(r, 200)); // let the child's output arrive
    expect(s.output().includes('"msg":"request completed"')).toBe(logged);
  });
});
