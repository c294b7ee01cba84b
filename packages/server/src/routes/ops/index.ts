/** Operations routes: /healthz (liveness), /readyz (database answers), /metrics (Prometheus text). */
import type { FastifyPluginAsync } from 'fastify';
import type { LogService } from '../../log/service.js';

export function opsRoutes(log: LogService, isShuttingDown: () => boolean): FastifyPluginAsync {
  return async (app) => {
    const status = { $ref: 'Status#' };
    app.get('/healthz', { schema: { response: { 200: status } } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { schema: { response: { 200: status, 503: status } } }, async (_req, reply) => {
      if (isShuttingDown()) return reply.code(503).send({ status: 'shutting down' });
      try {
        const st = await log.state();
        return { status: 'ready', treeSize: st.treeSize };
      } catch {
        return reply.code(503).send({ status: 'database unavailable' });
      }
    });
    app.get('/metrics', { schema: { response: { 200: { type: 'string' } } } }, async (_req, reply) =>
      reply.type('text/plain; version=0.0.4').send(log.metrics.render()),
    );
  };
}
