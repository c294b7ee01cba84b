/**
 * bench/read/under-appends: `GET /api/v1/log/entries?logIndex=random` (entry + inclusion proof + SET,
 * Rekor v1) on a bulk-loaded tree while appends arrive, beside the same reads with no appends (their
 * comparison), rounds alternated on one server. A public log reads and appends at once: every append
 * batch makes a new tree size, so whatever a read keeps per tree size (the cached head, the checked
 * upper paths of tiles) is built again after each batch. Appends come from `--append-clients` raw
 * keep-alive connections posting pre-signed hashedrekord entries (bench/lib/append-load.mjs), one in
 * flight per connection; reads from the same load client as bench:read (32 connections, raw
 * sockets). The server is the built `scriba serve` (bench/lib/serve.mjs) on embedded PostgreSQL
 * (bench/proofs/pg.mjs: fsync off, `--pg-shared-buffers`), or DATABASE_URL. CPU per read is the
 * server process's over the reads answered in the same seconds (with appends it includes their
 * work: the appends/s column says how much).
 *
 * Usage: npm run bench:read-under-appends [-- --size 1000000 --append-clients 1 --seconds 5
 *        --rounds 3 --warmup 20 --connections 32 --profile /tmp/mixed]
 * `--profile DIR`: the server writes a V8 CPU profile into DIR when it stops (its whole life).
 */
import { fork } from 'node:child_process';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadRaw, presign, requestBytes, signingKeys } from '../lib/append-load.mjs';
import { bulkLoad, openBenchLog, serveEnvOf } from '../lib/bulk-load.mjs';
import { cpuSeconds } from '../lib/proc.mjs';
import { startScribaServe } from '../lib/serve.mjs';
import { createDatabase, startPostgres } from '../proofs/pg.mjs';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1000000' },
    'append-clients': { type: 'string', default: '1' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '20' },
    connections: { type: 'string', default: '32' },
    'pg-shared-buffers': { type: 'string', default: '256MB' },
    profile: { type: 'string' },
  },
});
const SIZE = Number(values.size);
const APPEND_CLIENTS = Number(values['append-clients']);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
if (!(Number.isInteger(SIZE) && SIZE >= 256)) throw new Error(`bad --size ${values.size}`);
if (!(Number.isInteger(APPEND_CLIENTS) && APPEND_CLIENTS >= 1))
  throw new Error(`bad --append-clients ${values['append-clients']}`);

/** Entry reads for `seconds` (bench/read/run.mjs's load client, a child process). */
function reads(port, seconds) {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./run.mjs', import.meta.url).pathname, [
      '--client',
      JSON.stringify({ port, size: SIZE, seconds, connections: CONNECTIONS, route: 'entry' }),
    ]);
    child.once('message', resolve);
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`load client exited ${code}`)));
  });
}

const pgServer = await startPostgres({ sharedBuffers: values['pg-shared-buffers'] });
const tmp = join(os.tmpdir(), `scriba-bench-under-appends-${process.pid}`);
const runs = { alone: [], appending: [] };
let server;
try {
  const url = await createDatabase(pgServer.url, 'scriba_bench_read_under_appends');
  const { db, log, treeId, signer, key } = await openBenchLog(url, 8);
  const { seconds } = await bulkLoad(db, treeId, signer, SIZE);
  process.stderr.write(`loaded ${SIZE} entries in ${seconds.toFixed(1)} s\n`);
  await log.close();
  await db.close();
  server = await startScribaServe({
    nodeArgs: values.profile ? ['--cpu-prof', '--cpu-prof-dir', values.profile] : [],
    logLevel: 'error',
    env: await serveEnvOf({ key, treeId }, url, `${tmp}-log-key.pem`),
  });
  // Enough distinct entries for every appending round at ~1,000 appends/s per client.
  const perRound = Math.ceil(SECONDS * 1000 * APPEND_CLIENTS);
  const bodies = presign(perRound * ROUNDS, signingKeys(8)).map((b) => requestBytes(server.port, b));
  await reads(server.port, Number(values.warmup));
  for (let round = 0; round < ROUNDS; round++) {
    for (const appending of [false, true]) {
      const cpu0 = cpuSeconds(server.pid);
      const [read, appended] = await Promise.all([
        reads(server.port, SECONDS),
        appending
          ? loadRaw(
              server.port,
              APPEND_CLIENTS,
              SECONDS,
              bodies.slice(round * perRound, (round + 1) * perRound),
            )
          : undefined,
      ]);
      const cpu = cpuSeconds(server.pid) - cpu0;
      (appending ? runs.appending : runs.alone).push({
        perSec: read.perSec,
        p99: read.p99,
        errors: read.errors,
        serverUs: (cpu * 1e6) / Math.max(1, read.n),
        appendsPerSec: appended?.perSec ?? 0,
        // Appends answered anything but 201 (0: no answer).
        appendErrors: Object.entries(appended?.statuses ?? {})
          .filter(([status]) => status !== '201')
          .reduce((a, [, n]) => a + n, 0),
      });
    }
  }
} finally {
  await server?.stop();
  await pgServer.stop();
  await rm(`${tmp}-log-key.pem`, { force: true });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const alone = median(runs.alone.map((r) => r.perSec));
const row = (name, rs) => {
  const perSec = median(rs.map((r) => r.perSec));
  const errors = rs.reduce((a, r) => a + r.errors + r.appendErrors, 0);
  return `| ${name} | ${Math.round(perSec)} | ${(perSec / alone).toFixed(2)} | ${median(rs.map((r) => r.p99)).toFixed(2)} | ${Math.round(median(rs.map((r) => r.serverUs)))} | ${Math.round(median(rs.map((r) => r.appendsPerSec)))} | ${errors} |`;
};
const lines = [
  `GET /api/v1/log/entries?logIndex=random on a tree of ${SIZE.toLocaleString('en-US')} entries, ${CONNECTIONS} connections, alone and beside ${APPEND_CLIENTS} append client(s); ${SECONDS} s x ${ROUNDS} alternated rounds (median), one scriba serve`,
  '',
  '| reads | reads/s | vs alone | p99 ms | server CPU µs/read | appends/s | errors |',
  '|---|---:|---:|---:|---:|---:|---:|',
  row('alone', runs.alone),
  row('while appending', runs.appending),
  '',
  `load average at the end: ${os.loadavg()[0].toFixed(2)} (${os.cpus().length} cores shared with other work)`,
];
process.stdout.write(`${lines.join('\n')}\n`);
