/**
 * Answers whose JSON text a route wrote itself (Rekor v1 entries and proofs, rendered without the
 * response serializer): sent with the JSON content type as the bytes of that text. Node's HTTP layer
 * writes the header and these bytes as they are, where a string answer built piece by piece is
 * copied into one string twice more on its way out (Fastify's length check flattens it; the header
 * is prepended to it): measured ~4.4 kB less garbage per append answer of ~2.2 kB.
 */
import type { FastifyReply } from 'fastify';

export const JSON_TYPE = 'application/json; charset=utf-8';

/** Sends `json` (JSON text) as the answer's body. */
export function sendJsonText(reply: FastifyReply, json: string): FastifyReply {
  return reply.type(JSON_TYPE).send(Buffer.from(json, 'utf8'));
}
