/**
 * The validate-only ceiling of bench/append: `POST /api/v1/log/entries` on a bare Fastify with the
 * server's ProposedEntry schema and the server's own validation (parse, schema, the signature really
 * verifies, canonicalize: packages/server/dist/entries), answering 201 with a small JSON body and no
 * database. What a durable append costs beyond this is the log itself. Run as a child process of
 * bench/append/run.mjs: listens on 127.0.0.1:<argv[2]>, prints "ready" once listening.
 */
import Fastify from 'fastify';
import { validateProposedEntry } from '../../packages/server/dist/entries/index.js';
import { schemas } from '../../packages/server/dist/generated/schemas.js';

const app = Fastify({ bodyLimit: 1024 * 1024 });
for (const schema of Object.values(schemas)) app.addSchema(schema);
app.post('/api/v1/log/entries', { schema: { body: { $ref: 'ProposedEntry#' } } }, async (req, reply) => {
  const e = await validateProposedEntry(req.body);
  return reply.code(201).send({ kind: e.kind, leafHash: Buffer.from(e.leafHash).toString('hex') });
});
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) });
process.stdout.write('ready\n');
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
