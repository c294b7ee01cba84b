/**
 * The ceiling of bench/read as its own process(es): a bare Fastify answering the read routes with a
 * precomputed body (the same paths and query schemas as the server), on `workers` processes sharing
 * the port (node:cluster's round robin, which hands connections to workers in turn as `scriba serve
 * --workers`'s supervisor does; a keep-alive load is handed over once per connection; one plain
 * process for 1). Sends
 * `ready` over IPC once every process listens; exits on SIGTERM.
 *
 * Usage (from bench/read/run.mjs): node ceiling.mjs '{"port":N,"workers":W,"bodiesFile":"..."}'
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const { port, workers, bodiesFile } = JSON.parse(process.argv[2]);

const QUERY = {
  '/api/v1/log/entries': { type: 'object', properties: { logIndex: { type: 'integer' } } },
  '/api/v1/log/proof': {
    type: 'object',
    properties: { firstSize: { type: 'integer' }, lastSize: { type: 'integer' } },
  },
};

async function listen() {
  const bodies = JSON.parse(readFileSync(bodiesFile, 'utf8'));
  const app = Fastify();
  for (const [path, body] of Object.entries(bodies)) {
    app.get(path, { schema: { querystring: QUERY[path] } }, async (_req, reply) =>
      reply.type('application/json').send(body),
    );
  }
  await app.listen({ host: '127.0.0.1', port });
  process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
}

if (workers > 1 && cluster.isPrimary) {
  let listening = 0;
  cluster.on('listening', () => {
    if (++listening === workers) process.send?.('ready');
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  });
} else {
  await listen();
  if (!cluster.isWorker) process.send?.('ready');
}
