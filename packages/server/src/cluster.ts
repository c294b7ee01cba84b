/**
 * `scriba serve` on several processes (`--workers N`, SCRIBA_WORKERS): a supervisor, the node:cluster
 * primary, runs N server processes behind one port: the supervisor listens and hands each accepted
 * connection to a ready worker in turn (connection-handoff.ts, which says why not node:cluster's own
 * round robin). Every worker is a whole `scriba serve` (main.ts: the same routes, keys and
 * per-process caches); the database serializes their appends (the tree lock), as for any processes
 * sharing one PostgreSQL (README, "Any number of `scriba serve` processes").
 *
 * - Start: the primary validates the configuration and does the first-start work once (the key files,
 *   the TSA material, migrations, the first shard), then forks, so N workers never race to create a
 *   key file, and listens (a port in use ends it with one line, exit 1). The embedded database (PGlite)
 *   lives inside one process: more than one worker without DATABASE_URL is refused
 *   (SERVE_WORKERS_EMBEDDED, exit 2).
 * - A worker that dies is forked again after a backoff (100 ms doubling to 5 s; reset once it has
 *   served for 10 s); connections handed to it and not yet read are closed (connection-handoff.ts).
 *   Workers that exit before they are ready START_FAILURES_MAX times in a row (a database gone) end
 *   the supervisor with one line (SERVE_WORKERS_FAILED, exit 1, or 2 when the workers' own failure
 *   was a configuration error).
 * - SIGTERM/SIGINT: the supervisor stops accepting and every worker is asked to drain (answer what it
 *   was handed, commit queued batches); the supervisor exits 0 once all have exited 0. A second
 *   signal kills them.
 *   Workers ignore SIGINT (a terminal's Ctrl-C reaches the whole group: the supervisor forwards it
 *   once) and drain on SIGTERM or when the supervisor is gone.
 */
import cluster, { type Worker } from 'node:cluster';
import { type Config, ConfigError, loadConfig } from './config.js';
import { ConnectionHandoff, HandedConnections, type HandoffMessage } from './connection-handoff.js';
import { LogService } from './log/service.js';
import { loadKeyMaterial, main } from './main.js';
import { migrate, openDb, SqlLogStorage, waitForDatabase } from './storage/index.js';

type Env = Record<string, string | undefined>;

/** Exits before being ready, in a row (any worker), after which the supervisor gives up. */
export const START_FAILURES_MAX = 3;
const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 5_000;
/** A worker up this long counts as healthy: its next crash restarts it after the first backoff. */
const STABLE_MS = 10_000;
/** The workers' own drain bound is 30 s (main.ts); the supervisor waits a little longer. */
const DRAIN_TIMEOUT_MS = 35_000;

/** Messages between the supervisor and its workers (and the connection handoff's). */
type Message = { scriba: 'stop' } | { scriba: 'start-error'; line: string } | HandoffMessage;

/**
 * `scriba serve`: one server process (workers = 1, today's behaviour), a supervisor of N, or, in a
 * process the supervisor forked, one worker. Returns the exit code.
 */
export async function serve(env: Env): Promise<number> {
  if (cluster.isWorker) return runWorker(env);
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`scriba serve: configuration error: ${e.message}\n`);
    return 2;
  }
  if (config.workers === 1) return main(env);
  if (config.databaseUrl === undefined) {
    process.stderr.write(
      `scriba serve: error SERVE_WORKERS_EMBEDDED: ${config.workers} workers need PostgreSQL (DATABASE_URL or --database-url); the embedded database runs inside one process\n`,
    );
    return 2;
  }
  try {
    await prepare(config);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`scriba serve: configuration error: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`scriba serve: cannot start: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  return supervise(config);
}

/**
 * The first-start work of startServer (main.ts), done once before the workers start: the log key
 * and the TSA material (created on first start), migrations and the first shard. Each worker then
 * loads what exists.
 */
async function prepare(config: Config): Promise<void> {
  const { keyring } = await loadKeyMaterial(config);
  const db = await openDb({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: 1,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    onError: () => {},
  });
  try {
    await waitForDatabase(db, {
      timeoutMs: config.dbStartTimeoutMs,
      onWait: ({ attempt, retryInMs, error }) =>
        process.stderr.write(
          `scriba serve: waiting for the database (attempt ${attempt}, next in ${retryInMs} ms): ${error}\n`,
        ),
    });
    await migrate(db);
    await LogService.treeOrigin(new SqlLogStorage(db), keyring);
  } finally {
    await db.close().catch(() => {});
  }
}

/** A worker: the whole server (main.ts), stopped by the supervisor's message or its absence. */
async function runWorker(env: Env): Promise<number> {
  process.on('SIGINT', () => {}); // the supervisor forwards it, once
  let reported: Promise<void> = Promise.resolve();
  const send = (m: Message) =>
    new Promise<void>((resolve) => {
      if (!process.connected || !process.send) return resolve();
      process.send(m, undefined, {}, () => resolve());
    });
  // A stop asked for while the server is still starting is applied once it has started.
  let stopReason: string | undefined;
  let stopNow: ((reason: string) => void) | undefined;
  const requestStop = (reason: string) => {
    stopReason ??= reason;
    stopNow?.(reason);
  };
  process.on('message', (m: Message) => {
    if (m?.scriba === 'stop') requestStop('supervisor');
  });
  // node:cluster ends a worker at once (process.exit) when its primary disappears unless the
  // disconnect was asked for; marked so, the worker drains like on SIGTERM instead: it answers the
  // requests it holds and commits their batches (it gets no new connections: the port was the
  // supervisor's).
  if (cluster.worker) cluster.worker.exitedAfterDisconnect = true;
  process.on('disconnect', () => requestStop('supervisor gone'));
  const code = await main(env, {
    handed: new HandedConnections(),
    startError: (line) => {
      reported = send({ scriba: 'start-error', line });
    },
    signals: ['SIGTERM'],
    onStopRequest: (stop) => {
      stopNow = stop;
      if (stopReason !== undefined) stop(stopReason);
    },
  });
  await reported;
  // The IPC channel would keep this process alive.
  process.exit(code);
}

type Slot = { index: number; failures: number; ready: boolean; since: number };

/**
 * The supervisor: listens, forks `config.workers` workers and hands them connections, restarts the
 * dead, drains all on a signal.
 */
async function supervise(config: Config): Promise<number> {
  const say = (line: string) => process.stderr.write(`scriba serve: ${line}\n`);
  const verbose = ['info', 'debug', 'trace'].includes(config.logLevel);
  const handoff = new ConnectionHandoff();
  let address: { address: string; port: number };
  try {
    address = await handoff.listen(config.port, config.host);
  } catch (e) {
    say(`cannot start: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  return new Promise((resolve) => {
    const slots = new Map<Worker, Slot>();
    const restarts = new Set<NodeJS.Timeout>();
    const lastError = new Map<Worker, string>();
    let startFailures = 0;
    let announced = false;
    let stopping = false;
    let code = 0;
    let deadline: NodeJS.Timeout | undefined;

    const fork = (index: number, failures: number) => {
      const w = cluster.fork();
      slots.set(w, { index, failures, ready: false, since: Date.now() });
    };
    const finish = () => {
      if (deadline) clearTimeout(deadline);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      cluster.removeAllListeners();
      resolve(code);
    };
    const stopAll = () => {
      stopping = true;
      handoff.close();
      for (const t of restarts) clearTimeout(t);
      restarts.clear();
      for (const w of slots.keys()) {
        if (w.isConnected()) w.send({ scriba: 'stop' } satisfies Message);
        else w.process.kill('SIGTERM');
      }
      deadline ??= setTimeout(() => {
        say(`error SERVE_DRAIN_TIMEOUT: workers still running after ${DRAIN_TIMEOUT_MS} ms; killed`);
        code = 1;
        for (const w of slots.keys()) w.process.kill('SIGKILL');
      }, DRAIN_TIMEOUT_MS);
      if (slots.size === 0) finish();
    };
    function onSignal(signal: NodeJS.Signals) {
      if (stopping) {
        say(`second ${signal}: killing the workers without waiting for in-flight requests`);
        code = 1;
        for (const w of slots.keys()) w.process.kill('SIGKILL');
        return;
      }
      if (verbose) say(`${signal}: draining ${slots.size} workers`);
      stopAll();
    }
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    cluster.on('message', (w, m: Message) => {
      if (m?.scriba === 'start-error') lastError.set(w, m.line.replace(/^scriba serve: /, ''));
      if (m?.scriba === 'ready') onReady(w);
    });
    const onReady = (w: Worker) => {
      const s = slots.get(w);
      if (!s) return;
      handoff.ready(w);
      s.ready = true;
      s.since = Date.now();
      startFailures = 0;
      if (!announced && [...slots.values()].filter((x) => x.ready).length === config.workers) {
        announced = true;
        if (verbose) {
          const pids = [...slots.keys()].map((x) => x.process.pid).join(', ');
          say(`${config.workers} workers (pids ${pids}) listening on ${address.address}:${address.port}`);
        }
      }
    };
    cluster.on('exit', (w, exitCode, signal) => {
      handoff.remove(w);
      const s = slots.get(w);
      slots.delete(w);
      const why = lastError.get(w);
      lastError.delete(w);
      if (!s) return;
      if (stopping) {
        if (exitCode !== 0 && code === 0) code = 1;
        if (slots.size === 0) finish();
        return;
      }
      const how = signal ? `signal ${signal}` : `code ${exitCode}`;
      if (!s.ready) {
        startFailures++;
        if (startFailures >= START_FAILURES_MAX) {
          say(
            `error SERVE_WORKERS_FAILED: ${startFailures} worker starts in a row failed (last: ${why ?? `exited with ${how}`}); giving up`,
          );
          code = exitCode === 2 ? 2 : 1;
          stopAll();
          return;
        }
      }
      const failures = s.ready && Date.now() - s.since >= STABLE_MS ? 1 : s.failures + 1;
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (failures - 1));
      say(
        `worker ${s.index} (pid ${w.process.pid}) ${s.ready ? 'exited' : 'failed to start'} with ${how}${why ? ` (${why})` : ''}; restarting in ${delay} ms`,
      );
      const t = setTimeout(() => {
        restarts.delete(t);
        if (!stopping) fork(s.index, failures);
      }, delay);
      restarts.add(t);
    });

    for (let i = 1; i <= config.workers; i++) fork(i, 0);
  });
}
