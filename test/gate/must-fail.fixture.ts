/**
 * A test that MUST fail: test/gate/check.mjs runs it through the same harness as the suite
 * (globalSetup, a real PostgreSQL) and asserts that vitest then exits non-zero. Not part of the
 * suite's own include pattern.
 */
import pg from 'pg';
import { expect, it } from 'vitest';
import { adminUrl } from '../helpers/postgres.js';

it('fails on purpose, after touching the test database', async () => {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  const { rows } = await client.query('SELECT 1 AS one');
  await client.end();
  expect(rows[0].one).toBe(2);
});
