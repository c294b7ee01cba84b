/**
 * HTTP binding of the witness (C2SP tlog-witness): `POST <prefix>/add-checkpoint`. The body is text
 * (any content type is accepted, as clients differ); the answer's status, content type and body come
 * from `Witness.addCheckpoint`. Also `GET <prefix>/checkpoint/<origin>`-style state is not part of the
 * spec and deliberately absent.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Witness } from './witness.js';

export type WitnessRoutesOptions = { witness: Witness; bodyLimit?: number };

export const witnessRoutes: FastifyPluginAsync<WitnessRoutesOptions> = async (
  app: FastifyInstance,
  opts: WitnessRoutesOptions,
) => {
  const bodyLimit = opts.bodyLimit ?? 64 * 1024;
  // Encapsulated: only this plugin's routes read every body as a string.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_req, body, done) => done(null, body));
  app.post('/add-checkpoint', async (req, reply) => {
    const body = typeof req.body === 'string' ? req.body : '';
    const res = await opts.witness.addCheckpoint(body);
    return reply.code(res.status).header('content-type', res.contentType).send(res.body);
  });
};
