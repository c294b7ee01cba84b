/**
 * `scriba serve`: runs the log server. Options override the environment (PORT, HOST,
 * SCRIBA_DATA_DIR, DATABASE_URL); every other setting comes from the environment (see the README).
 */
import { parseArgs } from 'node:util';

const USAGE = `usage: scriba serve [--port N] [--host H] [--data-dir DIR] [--database-url URL]

Serves the log (Rekor v1 API) on http://127.0.0.1:3000 by default, on embedded PGlite under
./.scriba unless DATABASE_URL (or --database-url) names a PostgreSQL database.
`;

export async function run(argv: string[]): Promise<number> {
  let values: { port?: string; host?: string; 'data-dir'?: string; 'database-url'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        'database-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    process.stderr.write(`scriba serve: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const env = { ...process.env };
  if (values.port !== undefined) env.PORT = values.port;
  if (values.host !== undefined) env.HOST = values.host;
  if (values['data-dir'] !== undefined) env.SCRIBA_DATA_DIR = values['data-dir'];
  if (values['database-url'] !== undefined) env.DATABASE_URL = values['database-url'];
  const { main } = await import('@scriba/server/main');
  return main(env);
}
