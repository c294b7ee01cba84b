/**
 * The read statement's plans and shapes (storage/postgres.ts, storage/log-storage.ts): the pool's
 * connections plan prepared statements generic, so a read of one entry is not planned afresh at each
 * execution, and a read holds only the parts it asks for. PostgreSQL says which plans it made
 * (pg_prepared_statements: generic_plans, custom_plans, per connection; the pools here hold one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/postgres.js';
import { SqlLogStorage } from '../src/storage/log-storage.js';
import { migrate } from '../src/storage/migrate.js';
import { openPostgres } from '../src/storage/postgres.js';
import type { Db } from '../src/storage/types.js';

/** A read of one entry and its leaf group, the common shape (no tree there: it finds nothing). */
const oneEntry = {
  by: { indices: [3] },
  tiles: [],
  leafGroups: [{ tile: 0, group: 0 }],
  entryTiles: false,
  withTree: false,
};

type Plans = { statement: string; generic_plans: string; custom_plans: string };

/** The connection's prepared read statements (they read leaf groups with string_agg). */
async function readStatements(db: Db): Promise<Plans[]> {
  const { rows } = await db.query<Plans>(
    `SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%string_agg%'`,
  );
  return rows;
}

describe('the read statement', () => {
  let url: string;
  let drop: () => Promise<void>;
  const opened: Db[] = [];

  beforeAll(async () => {
    const t = await createTestDatabase();
    url = t.url;
    drop = t.drop;
    const db = openPostgres(url, 1);
    await migrate(db);
    await db.close();
  });
  afterAll(async () => {
    for (const db of opened) await db.close();
    await drop?.();
  });

  function open(connectionUrl: string): { db: Db; storage: SqlLogStorage } {
    const db = openPostgres(connectionUrl, 1);
    opened.push(db);
    return { db, storage: new SqlLogStorage(db) };
  }

  it('is planned generic on the pool connections, never per execution', async () => {
    const { db, storage } = open(url);
    expect(
      (await db.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0]!.plan_cache_mode,
    ).toBe('force_generic_plan');
    for (let i = 0; i < 12; i++) await storage.entriesForProofs('1', oneEntry);
    const [plans] = await readStatements(db);
    expect(plans).toBeDefined();
    expect(Number(plans!.custom_plans)).toBe(0);
    expect(Number(plans!.generic_plans)).toBe(12);
  });

  it("left to PostgreSQL's choice (a connection string's own options), it is planned afresh each time", async () => {
    // The same statement on a connection whose options put PostgreSQL's default back: the case above
    // would fail without the pool's setting.
    const { db, storage } = open(`${url}${url.includes('?') ? '&' : '?'}options=-c%20plan_cache_mode%3Dauto`);
    for (let i = 0; i < 12; i++) await storage.entriesForProofs('1', oneEntry);
    const [plans] = await readStatements(db);
    expect(Number(plans!.custom_plans)).toBeGreaterThan(5);
  });

  it('holds only the parts a read asks for', async () => {
    const { db, storage } = open(url);
    await storage.entriesForProofs('1', oneEntry);
    await storage.entriesForProofs('1', {
      ...oneEntry,
      by: { indices: [] },
      leafGroups: [],
      tiles: [{ level: 1, index: 0 }],
    });
    await expect(
      storage.entriesForProofs('1', { ...oneEntry, withTree: true, summaries: [0] }),
    ).rejects.toThrow(/not initialized/);
    const { rows } = await db.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements');
    const texts = rows.map((r) => r.statement);
    expect(texts).toHaveLength(3);
    const parts = (text: string) => ({
      entries: text.includes('FROM entries WHERE'),
      tiles: text.includes('AS q(level, idx)'),
      leafGroups: text.includes('string_agg'),
      head: text.includes('FROM tree_state'),
      summaries: text.includes('tile_summaries'),
    });
    expect(texts.map(parts)).toEqual(
      expect.arrayContaining([
        { entries: true, tiles: false, leafGroups: true, head: false, summaries: false },
        { entries: false, tiles: true, leafGroups: false, head: false, summaries: false },
        { entries: true, tiles: false, leafGroups: true, head: true, summaries: true },
      ]),
    );
  });
});
