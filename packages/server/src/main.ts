/**
 * Process entry of the log server: config from the environment, database (PostgreSQL or embedded
 * PGlite), migrations, the log key, the log, the HTTP listener, and graceful shutdown (stop accepting,
 * answer every accepted request, commit queued batches, close the database).
 */

import { hexEncode } from '@scriba/sdk/encoding';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import type { HandedConnections } from './connection-handoff.js';
import {
  configureNative,
  startValidationPool,
  stopValidationPool,
  type ValidationPool,
  verificationBackend,
} from './entries/index.js';
import { loadKeyring } from './keys/keyring.js';
import { loadOrCreateLogKey } from './keys/logKey.js';
import { checkpointSigner } from './log/checkpoint.js';
import { Metrics } from './log/metrics.js';
import { shardOrigin } from './log/rotation.js';
import { LogService, type ShardEvent } from './log/service.js';
import { migrate, openDb, SqlLogStorage, waitForDatabase } from './storage/index.js';
import type { Db } from './storage/types.js';
import { TimestampAuthority } from './tsa/authority.js';
import { loadOrCreateTsaMaterial } from './tsa/keys.js';

export type RunningServer = {
  app: FastifyInstance;
  log: LogService;
  db: Db;
  config: Config;
  /** Base URL the server listens on. */
  url: string;
  close(): Promise<void>;
};

/**
 * The log key, the shards' keyring and (when enabled) the TSA material, each created on first start
 * where configured so; also the supervisor's first-start work (cluster.ts).
 */
export async function loadKeyMaterial(config: Config) {
  const key = await loadOrCreateLogKey({ logKeyPath: config.logKeyPath, dataDir: config.dataDir });
  const keyring = await loadKeyring(key, config.shards.keyPaths);
  const tsaMaterial = config.tsa.enabled
    ? await loadOrCreateTsaMaterial({
        keyPath: config.tsa.keyPath,
        chainPath: config.tsa.certChainPath,
        dataDir: config.dataDir,
        curve: config.tsa.curve,
        organization: 'Scriba',
      })
    : undefined;
  return { key, keyring, tsaMaterial };
}

/**
 * Opens everything and listens, or, in a worker of `scriba serve --workers` (`opts.handed`), serves the
 * connections its supervisor hands it. Throws ConfigError for configuration problems.
 */
export async function startServer(
  config: Config,
  opts: { logger?: boolean | object; handed?: HandedConnections } = {},
): Promise<RunningServer> {
  configureNative(config.nativeAddon);
  const { key, keyring, tsaMaterial } = await loadKeyMaterial(config);
  const tsa = tsaMaterial ? new TimestampAuthority(tsaMaterial, config.tsa.policyOid) : undefined;
  // Connection-level database errors before the app's logger exists go to stderr (unless quiet).
  const quiet = opts.logger === false;
  let onDbError = (err: Error) => {
    if (!quiet) process.stderr.write(`scriba serve: database connection error: ${err.message}\n`);
  };
  const db = await openDb({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.dbPoolMax,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    idleTimeoutMs: config.dbIdleTimeoutMs,
    onError: (err) => onDbError(err),
  });
  let shuttingDown = false;
  let validation: ValidationPool | null = null;
  try {
    // A PostgreSQL still starting or recovering is waited for (bounded, each attempt logged).
    await waitForDatabase(db, {
      timeoutMs: config.dbStartTimeoutMs,
      onWait: ({ attempt, retryInMs, error }) => {
        if (!quiet) {
          process.stderr.write(
            `scriba serve: waiting for the database (attempt ${attempt}, next in ${retryInMs} ms): ${error}\n`,
          );
        }
      },
    });
    await migrate(db);
    const storage = new SqlLogStorage(db);
    // The active shard (created on first start) and its key from the keyring.
    const { treeId, record, key: activeKey } = await LogService.treeOrigin(storage, keyring);
    const signer = await checkpointSigner(
      activeKey,
      config.logName,
      shardOrigin(record, config.logName, config.origin),
    );
    const metrics = new Metrics();
    const log = new LogService(
      storage,
      treeId,
      key,
      signer,
      metrics,
      {
        maxBatchSize: config.batchMaxSize,
        maxWaitMs: config.batchMaxWaitMs,
        maxInFlight: config.batchPipeline,
        planAhead: config.batchPlanAhead,
        maxQueue: config.appendQueueMax,
      },
      {
        keyring,
        configuredOrigin: config.origin,
        policy: { maxSize: config.shards.maxSize, period: config.shards.period },
        checkIntervalMs: config.shards.checkIntervalMs,
      },
    );
    await log.init();
    const logger =
      opts.logger === undefined ? { level: config.logLevel } : opts.logger === false ? false : opts.logger;
    const app = await buildApp({
      log,
      publicUrl: config.publicUrl,
      bodyLimit: config.bodyLimit,
      tsa,
      timeouts: {
        headersMs: config.headersTimeoutMs,
        requestMs: config.requestTimeoutMs,
        idleMs: config.idleTimeoutMs,
      },
      logger: logger as never,
      isShuttingDown: () => shuttingDown,
      v2: {
        ed25519KeyPath: config.logEd25519KeyPath,
        witnesses: config.witnesses,
        witnessIntervalMs: config.witnessIntervalMs,
        witnessTimeoutMs: config.witnessTimeoutMs,
        tileCacheMb: config.tileCacheMb,
      },
    });
    validation = startValidationPool(config.validationWorkers, { native: config.nativeAddon });
    onDbError = (err) => app.log.warn({ error: err.message }, 'database connection error');
    log.onShardEvent = (e) => logShardEvent(app, e);
    log.startPolicy();
    if (opts.handed) {
      await app.ready();
      await opts.handed.serve(app.server);
    } else {
      await app.listen({ port: config.port, host: config.host });
    }
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    let closing: Promise<void> | undefined;
    return {
      app,
      log,
      db,
      config,
      url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
      close() {
        closing ??= (async () => {
          shuttingDown = true;
          // Stop accepting; requests already accepted (waiting on batches) are still answered, with
          // `Connection: close` (app.ts), and keep-alive sockets are closed as they turn idle. A worker
          // does not listen (its supervisor has stopped handing it connections): it waits for those it
          // was handed, which the server's own close does not count.
          const appClosed = opts.handed ? opts.handed.closed().then(() => app.close()) : app.close();
          const sweep = setInterval(() => app.server.closeIdleConnections(), 25);
          try {
            await appClosed;
          } finally {
            clearInterval(sweep);
          }
          await log.close();
          await log.sequencer.drain();
          if (validation) await stopValidationPool(validation);
          await db.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    if (validation) await stopValidationPool(validation).catch(() => {});
    await db.close().catch(() => {});
    throw e;
  }
}

/** One log line per shard event (rotations, switches, a missing key). */
function logShardEvent(app: FastifyInstance, e: ShardEvent): void {
  switch (e.kind) {
    case 'rotated':
      app.log.info(
        {
          reason: e.reason,
          frozenTreeId: e.frozen.treeId,
          frozenSize: e.frozen.treeSize,
          frozenRoot: hexEncode(e.frozen.rootHash),
          activeTreeId: e.active.treeId,
          activeOffset: e.active.shardOffset,
          activeLogId: hexEncode(e.active.logId),
        },
        'shard rotated by policy',
      );
      return;
    case 'switched':
      app.log.info({ from: e.from, to: e.to }, 'appending to the new active shard (the log was rotated)');
      return;
    case 'key-missing':
      app.log.error(
        { treeId: e.treeId, logId: e.logId },
        "appends refused (503): the keyring lacks the active shard's key; add it to SCRIBA_SHARD_KEYS (or SCRIBA_LOG_KEY) and restart",
      );
      return;
    case 'rotation-failed':
      app.log.error({ error: e.error }, 'shard rotation by policy failed; retried at the next check');
      return;
  }
}

/**
 * How a process that a supervisor runs (cluster.ts) differs from a lone `scriba serve`: where its
 * one-line start failure goes, which signals start its drain, and a supervisor's stop request.
 */
export type MainHooks = {
  /** Serve the connections the supervisor hands over instead of listening (a worker). */
  handed?: HandedConnections;
  /** Receives the one-line start failure instead of stderr. */
  startError?: (line: string) => void;
  /** Signals that start the drain (a second one exits at once); default SIGINT and SIGTERM. */
  signals?: NodeJS.Signals[];
  /** Handed a function that starts the drain (again: nothing), e.g. on the supervisor's message. */
  onStopRequest?: (stop: (reason: string) => void) => void;
};

/** `scriba serve`: runs until SIGINT/SIGTERM. Returns the exit code. */
export async function main(env?: Record<string, string | undefined>, hooks: MainHooks = {}): Promise<number> {
  let config: Config;
  let server: RunningServer;
  const fail = hooks.startError ?? ((line: string) => process.stderr.write(`${line}\n`));
  try {
    config = loadConfig(env);
    server = await startServer(config, { handed: hooks.handed });
  } catch (e) {
    if (e instanceof ConfigError) {
      fail(`scriba serve: configuration error: ${e.message}`);
      return 2;
    }
    fail(`scriba serve: cannot start: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  server.app.log.info(
    {
      url: server.url,
      publicUrl: server.config.publicUrl,
      database: server.db.kind,
      logId: server.log.key.logIdHex,
      checkpointName: server.log.signer.name,
      origin: server.log.signer.origin,
      // Prehashed signature checks: the native addon, or the pure-JS fallback (and why).
      signatureVerification: verificationBackend(),
      timestampAuthority: server.config.tsa.enabled ? `${server.config.publicUrl}/api/v1/timestamp` : 'off',
    },
    'scriba listening',
  );
  if (server.log.renamed !== undefined) {
    server.app.log.warn(
      { previousOrigin: server.log.renamed, origin: server.log.signer.origin },
      'the log was re-signed under a new checkpoint origin/name; every process of one log must share SCRIBA_PUBLIC_URL (or SCRIBA_LOG_NAME and SCRIBA_ORIGIN)',
    );
  }
  let code = 0;
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        // A second signal: the operator does not want to wait for the drain.
        server.app.log.warn({ signal }, 'second signal: exiting without waiting for in-flight requests');
        process.exit(1);
      }
      stopping = true;
      server.app.log.info({ signal }, 'shutting down');
      // A drain that cannot finish (e.g. the database hangs) MUST NOT keep the process forever.
      const deadline = setTimeout(() => {
        server.app.log.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out');
        process.exit(1);
      }, SHUTDOWN_TIMEOUT_MS);
      deadline.unref();
      server
        .close()
        .catch((e) => {
          code = 1;
          server.app.log.error({ err: e }, 'shutdown failed');
        })
        .finally(() => {
          clearTimeout(deadline);
          resolve();
        });
    };
    for (const signal of hooks.signals ?? (['SIGINT', 'SIGTERM'] as const)) {
      process.on(signal, () => stop(signal));
    }
    hooks.onStopRequest?.((reason) => {
      if (!stopping) stop(reason);
    });
  });
  return code;
}

/** How long a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 30_000;
