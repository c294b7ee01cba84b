import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { loadMigrations, migrate } from '../src/storage/migrate.js';
import { openPostgres } from '../src/storage/postgres.js';
import type { Db } from '../src/storage/types.js';

describe('migrate', () => {
  let dbs: Db[] = [];
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const t = await createTestDatabase();
    drop = t.drop;
    dbs = [openPostgres(t.url, 2), openPostgres(t.url, 2), openPostgres(t.url, 2)];
  });
  afterAll(async () => {
    for (const d of dbs) await d.close();
    await drop?.();
  });

  describe('when several processes migrate at once', () => {
    it('applies every migration exactly once', async () => {
      const results = await Promise.all(dbs.map((d) => migrate(d)));
      const all = (await loadMigrations()).map((m) => m.version);
      expect(results.flat().sort()).toEqual(all);
      const { rows } = await dbs[0]!.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      expect(rows.map((r) => Number(r.version))).toEqual(all);
    });
  });

  describe('when run again', () => {
    it('applies nothing', async () => {
      expect(await migrate(dbs[1]!)).toEqual([]);
    });
  });

  describe('when an applied migration was edited', () => {
    it('refuses to start', async () => {
      await dbs[0]!.query("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1");
      await expect(migrate(dbs[0]!)).rejects.toThrow(/edited after it was applied/);
    });
  });
});
