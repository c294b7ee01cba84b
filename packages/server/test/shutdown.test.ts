import { afterAll, describe, expect, it } from 'vitest';
import { hashedRekord, newSigner, postEntry } from '../../../test/helpers/entries.js';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { startTestServer, tempDir } from '../../../test/helpers/server.js';
import { openPostgres } from '../src/storage/postgres.js';

describe('graceful shutdown', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup) await c();
  });

  describe('when close() is called while appends are in flight', () => {
    it('answers every accepted request, and every 201 is durable', async () => {
      const db = await createTestDatabase();
      const dir = await tempDir();
      cleanup.push(db.drop, dir.remove);
      // A batch wait makes requests queue in the sequencer when the shutdown starts.
      const server = await startTestServer({
        DATABASE_URL: db.url,
        SCRIBA_DATA_DIR: dir.path,
        SCRIBA_BATCH_MAX_WAIT_MS: '200',
      });
      let received = 0;
      const allReceived = new Promise<void>((resolve) =>
        server.app.server.on('request', () => {
          if (++received === 20) resolve();
        }),
      );
      const signer = newSigner();
      const pending = Array.from({ length: 20 }, () => postEntry(server.url, hashedRekord(signer)));
      await allReceived; // every request is accepted (and waits on the 200 ms batch timer)
      const closing = server.close();
      const responses = await Promise.all(pending);
      await closing;
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
      const check = openPostgres(db.url, 1);
      try {
        const { rows } = await check.query<{ n: number }>('SELECT count(*)::int AS n FROM entries');
        expect(rows[0]!.n).toBe(20);
      } finally {
        await check.close();
      }
    });
  });
});
