/**
 * CORS (WHATWG Fetch standard, "CORS protocol") for every route: the log is public, so any origin
 * may read it and write to it, without credentials — `Access-Control-Allow-Origin: *` and never
 * `Access-Control-Allow-Credentials`. A preflight (OPTIONS with Access-Control-Request-Method) is
 * answered 204 here, before routing; the headers a client needs (Location, ETag, Retry-After,
 * x-log-index, x-log-tree-id) are exposed.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

const EXPOSED = 'Location, ETag, Retry-After, Content-Type, Cache-Control, x-log-index, x-log-tree-id';

/** The CORS headers of every answer (the read lane, read-lane.ts, sends them too). */
export const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': EXPOSED,
} as const;

export async function cors(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.headers(CORS_HEADERS);
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
    const asked = req.headers['access-control-request-headers'];
    await reply
      .code(204)
      .header('access-control-allow-methods', 'GET, HEAD, POST, OPTIONS')
      .header('access-control-allow-headers', typeof asked === 'string' ? asked : 'Content-Type, Accept')
      .header('access-control-max-age', '86400')
      .header('vary', 'Access-Control-Request-Headers')
      .send();
  }
}
