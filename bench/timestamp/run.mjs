#!/usr/bin/env node
/**
 * bench/timestamp: the RFC 3161 timestamp authority of `scriba serve` under load. N concurrent
 * clients on loopback (keep-alive) post distinct DER TimeStampReqs (SHA-256 imprint, 8-byte nonce,
 * no certReq) to `POST /api/v1/timestamp` of a `scriba serve` child process; a request counts once
 * its 201 TimeStampResp arrives. Prints timestamps/s and p50/p95/p99 latency per client count, beside
 * what bounds them, measured in the same run: node:crypto ECDSA P-256 signatures/s on one core (one
 * per token, the TSA's key type), and GET /healthz/s of the same server at 64 clients (HTTP alone).
 *
 * Anchor (not measured here): sigstore/timestamp-authority reports 6,481 req/s at p95 155 ms with the
 * load generator and the server on one laptop.
 *
 * The TSA never touches the database; the server runs on embedded PGlite in a temporary data
 * directory (DATABASE_URL, when set, is passed through).
 *
 * Usage: npm run bench:timestamp [-- --clients 1,64 --seconds 8 --warmup 2]
 */

import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { startScribaServe } from '../lib/serve.mjs';

const { values: opts } = parseArgs({
  options: {
    clients: { type: 'string', default: '1,64' },
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
  },
});
const CLIENTS = opts.clients.split(',').map(Number);
const SECONDS = Number(opts.seconds);
const WARMUP = Number(opts.warmup);

/** A DER TimeStampReq: version 1, SHA-256 imprint, an 8-byte nonce, certReq absent. */
function timeStampReq() {
  const digest = createHash('sha256').update(randomBytes(32)).digest();
  const nonce = randomBytes(8);
  nonce[0] = (nonce[0] & 0x7f) | 0x01;
  const sha256 = Buffer.from('300d06096086480165030402010500', 'hex');
  const imprint = Buffer.concat([
    Buffer.from([0x30, sha256.length + 34]),
    sha256,
    Buffer.from([0x04, 32]),
    digest,
  ]);
  const body = Buffer.concat([Buffer.from([0x02, 0x01, 0x01]), imprint, Buffer.from([0x02, 8]), nonce]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** POSTs `body` to /api/v1/timestamp (201), or without a body GETs /healthz (200). */
function post(agent, port, body) {
  const options = body
    ? {
        method: 'POST',
        path: '/api/v1/timestamp',
        headers: { 'content-type': 'application/timestamp-query', 'content-length': body.length },
      }
    : { method: 'GET', path: '/healthz' };
  const want = body ? 201 : 200;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent, ...options }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === want ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `floor`: GET /healthz instead (the HTTP cost alone, same clients and server). */
async function load(port, clients, seconds, floor = false) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const latencies = [];
  let done = 0;
  const stopAt = performance.now() + seconds * 1000;
  const pool = Array.from({ length: 4096 }, timeStampReq);
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < stopAt) {
        const t0 = performance.now();
        await post(agent, port, floor ? undefined : pool[next++ % pool.length]);
        latencies.push(performance.now() - t0);
        done++;
      }
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { rate: done / seconds, p50: q(0.5), p95: q(0.95), p99: q(0.99) };
}

/** node:crypto ECDSA P-256 signatures per second on this core (a TSA token costs one). */
function signRate() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = randomBytes(250);
  for (let i = 0; i < 500; i++) sign('sha256', data, privateKey);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 2000) {
    sign('sha256', data, privateKey);
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const server = await startScribaServe({ inherit: true, prefix: 'scriba-bench-tsa-' });
try {
  const rows = [];
  for (const clients of CLIENTS) {
    if (WARMUP > 0) await load(server.port, clients, WARMUP);
    rows.push({ clients, ...(await load(server.port, clients, SECONDS)) });
  }
  const floor = await load(server.port, 64, SECONDS, true);
  const sign1 = signRate();
  console.log(`\nbench/timestamp — POST /api/v1/timestamp (DER, SHA-256, nonce), ${SECONDS} s per row`);
  console.log('clients | timestamps/s | p50 ms | p95 ms | p99 ms');
  console.log('------- | ------------ | ------ | ------ | ------');
  for (const r of rows) {
    console.log(
      `${String(r.clients).padStart(7)} | ${fmt(r.rate).padStart(12)} | ${r.p50.toFixed(1).padStart(6)} | ${r.p95.toFixed(1).padStart(6)} | ${r.p99.toFixed(1).padStart(6)}`,
    );
  }
  console.log(`\nsame run, one core: node:crypto ECDSA P-256 sign ${fmt(sign1)}/s (the per-token signature)`);
  console.log(
    `same run, same server: GET /healthz at 64 clients ${fmt(floor.rate)}/s, p99 ${floor.p99.toFixed(1)} ms (HTTP alone)`,
  );
  console.log('anchor: sigstore/timestamp-authority 6,481 req/s, p95 155 ms (load and server on one laptop)');
} finally {
  await server.stop();
}
