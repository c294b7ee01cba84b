import { afterAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { startTestServer, tempDir } from '../../../test/helpers/server.js';

describe('database unavailable', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup) await c();
  });

  describe('when the database goes away under a running server', () => {
    it('answers 503 (retryable) to appends and reads, and /readyz turns 503 while /healthz stays 200', async () => {
      const db = await createTestDatabase();
      const dir = await tempDir();
      cleanup.push(dir.remove);
      const server = await startTestServer({ DATABASE_URL: db.url, SCRIBA_DATA_DIR: dir.path });
      cleanup.push(() => server.close().catch(() => {}));
      expect((await postEntry(server.url, hashedRekord(newSigner()))).status).toBe(201);
      await db.drop(); // terminates the server's connections and removes the database
      const r = await postEntry(server.url, hashedRekord(newSigner()));
      expect(r.status).toBe(503);
      expect(await r.json()).toMatchObject({ code: 503, reason: 'UNAVAILABLE' });
      expect((await fetch(`${server.url}/api/v1/log`)).status).toBe(503);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    });
  });
});
