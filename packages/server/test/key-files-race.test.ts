/**
 * Processes starting together on one fresh data directory (several `scriba serve` on one
 * PostgreSQL, or a supervisor and a lone server) each create-or-load the log key and the TSA
 * material: all must end with the same key, and none may read a file another is still writing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/server.js';
import { loadOrCreateLogKey } from '../src/keys/logKey.js';
import { loadOrCreateTsaMaterial } from '../src/tsa/keys.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

const ROUNDS = 20;
const TOGETHER = 8;

describe('creating the key files on a fresh data directory, concurrently', () => {
  it('the log key: every caller gets the one key written', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const d = await tempDir();
      cleanups.push(d.remove);
      const keys = await Promise.all(
        Array.from({ length: TOGETHER }, () => loadOrCreateLogKey({ dataDir: d.path })),
      );
      expect(new Set(keys.map((k) => k.logIdHex)).size).toBe(1);
    }
  });

  it('the TSA key and chain: every caller gets the one pair written', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const d = await tempDir();
      cleanups.push(d.remove);
      const all = await Promise.all(
        Array.from({ length: TOGETHER }, () =>
          loadOrCreateTsaMaterial({ dataDir: d.path, curve: 'P-256', organization: 'Test' }),
        ),
      );
      expect(new Set(all.map((m) => m.chainPem)).size).toBe(1);
      const keys = all.map((m) => m.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
      expect(keys[0]).toContain('PRIVATE KEY');
      expect(new Set(keys).size).toBe(1);
    }
  });
});
