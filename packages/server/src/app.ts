/**
 * Builds the Fastify app (no listen: main.ts does that): shared JSON schemas generated from
 * openapi/openapi.yaml, the route plugins, and one error handler that maps every client mistake to a
 * 4xx answer with Rekor's `{code, message}` (plus `reason` and `field`), never a 500. Database errors
 * are classified by SQLSTATE (db/errors.ts): the client's (4xx, no stack trace logged), unavailable
 * (503 with Retry-After) or the server's (500). Also: CORS for every route (cors.ts), a full append
 * queue answered 503 before validation, bounded request timeouts (headers, whole request, idle), and
 * the read lane (routes/read-lane.ts) ahead of the router for entry and consistency-proof reads.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import { isEntryValidationError } from './entries/index.js';
import { schemas } from './generated/schemas.js';
import { OverloadedError } from './log/sequencer.js';
import { LogError, type LogService } from './log/service.js';
import { cors } from './routes/cors.js';
import { opsRoutes } from './routes/ops/index.js';
import { ReadLane } from './routes/read-lane.js';
import { tsaRoutes } from './routes/tsa/index.js';
import { entriesRoutes, entryByIndexAnswer } from './routes/v1/entries.js';
import { newSetCache } from './routes/v1/entry-view.js';
import { consistencyAnswer, logRoutes } from './routes/v1/log.js';
import { searchRoutes } from './routes/v1/search.js';
import { trustConfigRoutes } from './routes/v1/trust-config.js';
import { type V2Options, v2Routes } from './routes/v2/index.js';
import { classifyDbError } from './storage/index.js';
import type { TimestampAuthority } from './tsa/authority.js';

export type AppOptions = {
  log: LogService;
  publicUrl: string;
  bodyLimit: number;
  logger?: FastifyServerOptions['logger'];
  /** True once shutdown began (readyz answers 503). */
  isShuttingDown?: () => boolean;
  /** Rekor v2 / tiles / witness options (from the configuration; default: none). */
  v2?: V2Options;
  /** The RFC 3161 timestamp authority (routes under /api/v1/timestamp); undefined = off. */
  tsa?: TimestampAuthority;
  /** Request timeouts (ms): header section, whole request, silence while a request is sent. */
  timeouts?: { headersMs: number; requestMs: number; idleMs: number };
};

/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_S = 1;

/** The most of an over-the-limit body read (and discarded) so that the client can read the 413. */
export const DRAIN_CAP_BYTES = 64 * 1024 * 1024;

/**
 * Reads and discards the rest of a request body (up to `cap` bytes), so that a client still sending
 * it is not cut off (EPIPE) before it reads the answer. Resolves at its end, on error or close, or
 * once `cap` bytes were read.
 */
function drainBody(raw: IncomingMessage, cap: number): Promise<void> {
  if (raw.complete || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let read = 0;
    const done = () => {
      raw.removeListener('data', onData);
      raw.removeListener('end', done);
      raw.removeListener('error', done);
      raw.removeListener('close', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > cap) done();
    };
    raw.on('data', onData);
    raw.once('end', done);
    raw.once('error', done);
    raw.once('close', done);
    raw.resume();
  });
}

/** A non-finite number in the query or path (ajv coerces '1e309' to Infinity and lets it through). */
function nonFiniteField(values: unknown): string | undefined {
  if (values === null || typeof values !== 'object') return undefined;
  for (const [k, v] of Object.entries(values)) {
    const list = Array.isArray(v) ? v : [v];
    if (list.some((x) => typeof x === 'number' && !Number.isFinite(x))) return k;
  }
  return undefined;
}

const APPEND_ROUTES = new Set(['/api/v1/log/entries', '/api/v2/log/entries']);

function fieldOf(instancePath: string | undefined, missing: unknown): string {
  const path = (instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const extra = typeof missing === 'string' ? missing : '';
  return [path, extra].filter((p) => p !== '').join('.') || 'body';
}

/**
 * Fastify's per-request lines at debug instead of info, but for answers of status 400 and up (still
 * at info) and failed requests (error): two lines at info cost every append and read ~25 µs of the
 * event loop (issue 14). pino's debug is a no-op below debug level: nothing is built at info.
 */
class DebugRequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(
    error: Error | null | undefined,
    _request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error)
      reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else if (reply.statusCode >= 400)
      reply.log.info({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/**
 * The app's HTTP server: the server Fastify would otherwise create (its lib/server.js) with these
 * timeouts, and the read lane (routes/read-lane.ts) taking its reads before Fastify's router. A
 * stalled request is answered (408) or closed within seconds: the header section within headersMs,
 * the whole request within requestMs (checked every second), and a socket silent for idleMs while the
 * client sends (or while idle between keep-alive requests) is closed.
 */
function httpServer(
  t: NonNullable<AppOptions['timeouts']>,
  lane: ReadLane,
  fastifyHandler: (req: IncomingMessage, res: ServerResponse) => void,
): Server {
  const options = { headersTimeout: t.headersMs, connectionsCheckingInterval: 1_000 };
  const server = createServer(options, (req, res) => {
    if (!lane.take(req, res, fastifyHandler)) fastifyHandler(req, res);
  });
  server.keepAliveTimeout = t.idleMs;
  server.requestTimeout = t.requestMs;
  server.setTimeout(t.idleMs);
  return server;
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const t = opts.timeouts ?? { headersMs: 10_000, requestMs: 30_000, idleMs: 30_000 };
  const shuttingDown = opts.isShuttingDown ?? (() => false);
  // The process's SETs and consistency answers, shared by the routes and the read lane.
  const sets = newSetCache();
  const consistency = consistencyAnswer(opts.log);
  const lane = new ReadLane({
    entryByIndex: entryByIndexAnswer(opts.log, sets),
    consistency,
    shuttingDown,
    idleMs: t.idleMs,
    answered: () => {
      opts.log.metrics.readLaneAnswers++;
    },
  });
  const app = Fastify({
    serverFactory: (fastifyHandler) => httpServer(t, lane, fastifyHandler),
    logger: opts.logger ?? false,
    logController: new DebugRequestLog(),
    bodyLimit: opts.bodyLimit,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
    return503OnClosing: false,
  });
  for (const schema of Object.values(schemas)) app.addSchema(schema as unknown as { $id: string });

  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    if (isEntryValidationError(err)) {
      return reply.code(400).send({ code: 400, message: err.message, reason: err.code, field: err.field });
    }
    if (err instanceof LogError) {
      if (err.status === 503) reply.header('retry-after', String(RETRY_AFTER_S));
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
      // Let the client finish sending (read and discarded, up to a cap) so that it reads the 413;
      // the connection is closed after the answer.
      const announced = Number(req.headers['content-length']);
      if (!(announced > DRAIN_CAP_BYTES)) await drainBody(req.raw, DRAIN_CAP_BYTES);
      reply.header('connection', 'close');
      return reply.code(413).send({
        code: 413,
        message: `request body is over the limit of ${opts.bodyLimit} bytes`,
        reason: 'PAYLOAD_TOO_LARGE',
        field: 'body',
      });
    }
    if (err instanceof OverloadedError) {
      return reply
        .code(503)
        .header('retry-after', String(RETRY_AFTER_S))
        .send({ code: 503, message: err.message, reason: 'OVERLOADED' });
    }
    // Database errors by SQLSTATE. Nothing was acknowledged in any of these cases.
    const dbClass = classifyDbError(err);
    if (dbClass === 'client') {
      // A value of the request the database refused (class 22/23): the client's error, no stack.
      req.log.info({ sqlstate: err.code, error: err.message }, 'request refused by the database');
      return reply.code(400).send({
        code: 400,
        message: `the request carries a value the log cannot store or search: ${err.message}`,
        reason: 'INVALID_VALUE',
        field: 'body',
      });
    }
    if (dbClass === 'unavailable') {
      req.log.warn({ error: err.message }, 'database unavailable');
      return reply
        .code(503)
        .header('retry-after', String(RETRY_AFTER_S))
        .send({ code: 503, message: 'the database is unavailable; retry', reason: 'UNAVAILABLE' });
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500 && dbClass === undefined) {
      return reply
        .code(status)
        .send({ code: status, message: err.message, reason: err.code ?? 'BAD_REQUEST', field: 'body' });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ code: 500, message: 'internal error', reason: 'INTERNAL' });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      code: 404,
      message: `no route for ${req.method} ${req.url.split('?')[0]}`,
      reason: 'NOT_FOUND',
    }),
  );

  // The hooks below do not run for the read lane's answers (routes/read-lane.ts): what every answer
  // needs (CORS headers, the idle limit, `connection: close` while shutting down) the lane does too,
  // and a hook added here for every request belongs there as well.
  // Fastify's request log (per request, at debug) sees every request: the lane steps aside for it.
  lane.enabled = !(app.log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.('debug');
  app.addHook('onSend', async (_req, reply) => {
    if (shuttingDown()) reply.header('connection', 'close');
  });
  app.addHook('onRequest', cors);
  // Once the request is read, the server is working on it: no idle limit while the answer waits on
  // the database (statement timeouts bound that); the idle limit is back once answered.
  // (A request injected without a network socket, e.g. Fastify's inject(), has no timeouts to set.)
  const socketTimeout = (req: { raw: { socket?: unknown } }, ms: number) => {
    const socket = req.raw.socket as { destroyed?: boolean; setTimeout?: unknown } | undefined;
    if (typeof socket?.setTimeout === 'function' && !socket.destroyed) socket.setTimeout(ms);
  };
  app.addHook('preValidation', async (req) => socketTimeout(req, 0));
  app.addHook('onResponse', async (req) => socketTimeout(req, t.idleMs));
  let appending = 0;
  opts.log.metrics.queueLength = () => appending;
  // Appends accepted and not yet answered (being read, validated, queued or written) are bounded:
  // past the bound the answer is 503 at once, before the body is parsed or any signature checked
  // (the unread body is discarded by Node and the connection kept).
  app.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'POST' || !APPEND_ROUTES.has(req.routeOptions.url ?? '')) return;
    const max = opts.log.sequencer.maxQueue;
    if (appending >= max) {
      opts.log.metrics.appendsRefused++;
      throw new OverloadedError(max);
    }
    appending++;
    reply.raw.once('close', () => {
      appending--;
    });
  });
  app.addHook('preHandler', async (req) => {
    const field = nonFiniteField(req.query) ?? nonFiniteField(req.params);
    if (field !== undefined) {
      throw new LogError(400, 'INVALID_REQUEST', `${field}: must be a finite integer`, field);
    }
  });
  await app.register(opsRoutes(opts.log, shuttingDown));
  await app.register(entriesRoutes(opts.log, sets));
  await app.register(searchRoutes(opts.log));
  await app.register(logRoutes(opts.log, consistency));
  await app.register(trustConfigRoutes(opts.log, opts.publicUrl, opts.tsa));
  if (opts.tsa) await app.register(tsaRoutes(opts.tsa));
  await app.register(v2Routes(opts.log, opts.v2));
  return app;
}
