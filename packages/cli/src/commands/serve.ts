/**
 * `scriba serve`: runs the log server, on one process or, with `--workers N`, on N processes sharing
 * the port under a supervisor (@scriba/server/cluster). Options override the environment (PORT, HOST,
 * SCRIBA_DATA_DIR, DATABASE_URL, SCRIBA_WORKERS); every other setting comes from the environment
 * (see the README).
 */
import { parseCommandArgs } from '../args.js';
import { serverEnvironment } from '../env.js';

const USAGE = `usage: scriba serve [--port N] [--host H] [--data-dir DIR] [--database-url URL] [--workers N|auto]

Serves the log (Rekor v1 API) on http://127.0.0.1:3000 by default, on embedded PGlite under
./.scriba unless DATABASE_URL (or --database-url) names a PostgreSQL database.
--workers N runs N server processes on the port (auto: one per available core); more than one
needs PostgreSQL. Exit codes: 0 stopped by SIGTERM/SIGINT after draining; 1 cannot start, or the
workers kept failing to start (SERVE_WORKERS_FAILED); 2 configuration error, or --workers above 1
on the embedded database (SERVE_WORKERS_EMBEDDED).
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (typeof parsed === 'number') return parsed;
  const values = parsed as {
    port?: string;
    host?: string;
    'data-dir'?: string;
    'database-url'?: string;
    workers?: string;
  };
  const env = serverEnvironment();
  if (values.port !== undefined) env.PORT = values.port;
  if (values.host !== undefined) env.HOST = values.host;
  if (values['data-dir'] !== undefined) env.SCRIBA_DATA_DIR = values['data-dir'];
  if (values['database-url'] !== undefined) env.DATABASE_URL = values['database-url'];
  if (values.workers !== undefined) env.SCRIBA_WORKERS = values.workers;
  const { serve } = await import('@scriba/server/cluster');
  return serve(env);
}
