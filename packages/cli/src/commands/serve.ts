/**
 * `scriba serve`: runs the log server. Options override the environment (PORT, HOST,
 * SCRIBA_DATA_DIR, DATABASE_URL); every other setting comes from the environment (see the README).
 */
import { parseCommandArgs } from '../args.js';
import { serverEnvironment } from '../env.js';

const USAGE = `usage: scriba serve [--port N] [--host H] [--data-dir DIR] [--database-url URL]

Serves the log (Rekor v1 API) on http://127.0.0.1:3000 by default, on embedded PGlite under
./.scriba unless DATABASE_URL (or --database-url) names a PostgreSQL database.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
    'scriba serve',
  );
  if (typeof parsed === 'number') return parsed;
  const values = parsed as { port?: string; host?: string; 'data-dir'?: string; 'database-url'?: string };
  const env = serverEnvironment();
  if (values.port !== undefined) env.PORT = values.port;
  if (values.host !== undefined) env.HOST = values.host;
  if (values['data-dir'] !== undefined) env.SCRIBA_DATA_DIR = values['data-dir'];
  if (values['database-url'] !== undefined) env.DATABASE_URL = values['database-url'];
  const { main } = await import('@scriba/server/main');
  return main(env);
}
