/**
 * Builds the Fastify app (no listen: main.ts does that): shared JSON schemas generated from
 * openapi/openapi.yaml, the route plugins, and one error handler that maps every client mistake to a
 * 4xx answer with Rekor's `{code, message}` (plus `reason` and `field`), never a 500.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { isEntryValidationError } from './entries/index.js';
import { schemas } from './generated/schemas.js';
import { LogError, type LogService } from './log/service.js';
import { opsRoutes } from './routes/ops/index.js';
import { tsaRoutes } from './routes/tsa/index.js';
import { entriesRoutes } from './routes/v1/entries.js';
import { logRoutes } from './routes/v1/log.js';
import { searchRoutes } from './routes/v1/search.js';
import { type V2Options, v2Routes } from './routes/v2/index.js';
import type { TimestampAuthority } from './tsa/authority.js';

export type AppOptions = {
  log: LogService;
  publicUrl: string;
  bodyLimit: number;
  logger?: FastifyServerOptions['logger'];
  /** True once shutdown began (readyz answers 503). */
  isShuttingDown?: () => boolean;
  /** Rekor v2 / tiles / witness options (default: from the environment). */
  v2?: V2Options;
  /** The RFC 3161 timestamp authority (routes under /api/v1/timestamp); undefined = off. */
  tsa?: TimestampAuthority;
};

function fieldOf(instancePath: string | undefined, missing: unknown): string {
  const path = (instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const extra = typeof missing === 'string' ? missing : '';
  return [path, extra].filter((p) => p !== '').join('.') || 'body';
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
    return503OnClosing: false,
  });
  for (const schema of Object.values(schemas)) app.addSchema(schema as unknown as { $id: string });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (isEntryValidationError(err)) {
      return reply.code(400).send({ code: 400, message: err.message, reason: err.code, field: err.field });
    }
    if (err instanceof LogError) {
      return reply
        .code(err.status)
        .send({ code: err.status, message: err.message, reason: err.reason, field: err.field });
    }
    if (err.validation) {
      const v = err.validation[0];
      const field = fieldOf(
        v?.instancePath,
        (v?.params as { missingProperty?: unknown } | undefined)?.missingProperty,
      );
      return reply.code(400).send({
        code: 400,
        message: `${err.validationContext ?? 'request'}: ${field}: ${v?.message ?? 'invalid'}`,
        reason: 'INVALID_REQUEST',
        field,
      });
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({
        code: 413,
        message: `request body is over the limit of ${opts.bodyLimit} bytes`,
        reason: 'PAYLOAD_TOO_LARGE',
        field: 'body',
      });
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply
        .code(status)
        .send({ code: status, message: err.message, reason: err.code ?? 'BAD_REQUEST', field: 'body' });
    }
    req.log.error({ err }, 'request failed');
    // Database unavailable (a pg protocol error or a network error): retryable, 503. Anything else
    // is a fault of the server: 500. Nothing was acknowledged either way.
    const e = err as { severity?: unknown; code?: unknown };
    const dbDown = e.severity !== undefined || (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code));
    const code = dbDown ? 503 : 500;
    return reply.code(code).send({
      code,
      message: dbDown ? 'the database is unavailable; retry' : 'internal error',
      reason: dbDown ? 'UNAVAILABLE' : 'INTERNAL',
    });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      code: 404,
      message: `no route for ${req.method} ${req.url.split('?')[0]}`,
      reason: 'NOT_FOUND',
    }),
  );

  const shuttingDown = opts.isShuttingDown ?? (() => false);
  app.addHook('onSend', async (_req, reply) => {
    if (shuttingDown()) reply.header('connection', 'close');
  });
  await app.register(opsRoutes(opts.log, shuttingDown));
  await app.register(entriesRoutes(opts.log));
  await app.register(searchRoutes(opts.log));
  await app.register(logRoutes(opts.log, opts.publicUrl, opts.tsa));
  if (opts.tsa) await app.register(tsaRoutes(opts.tsa));
  await app.register(v2Routes(opts.log, opts.v2));
  return app;
}
