/**
 * bench/shard-export: `scriba shard export`'s work (packages/server/src/log/export.ts) on a frozen
 * shard of each size (bulk-loaded, bench/lib/bulk-load.mjs, then rotated): seconds, entries/s and
 * bytes written to a temporary directory, and the process's peak RSS growth during the export beside
 * the bytes written (the export streams: memory must not grow with the shard). The comparison, same
 * run and shard: the same tiles and bundles only read (no checks, no files), the database floor; a
 * first, unmeasured read warms the database's cache for both.
 *
 * Usage: npm run bench:shard-export [-- --sizes 100000,1000000]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { EMPTY_ROOT } from '@scriba/sdk/merkle';
import { storedHashCount, TILE_WIDTH, tileWidth } from '@scriba/sdk/tiles';
import { ShardCosigners } from '../../packages/server/dist/keys/shard-cosigners.js';
import { checkpointSigner } from '../../packages/server/dist/log/checkpoint.js';
import { exportShard } from '../../packages/server/dist/log/export.js';
import { publishedEntries, publishedTile } from '../../packages/server/dist/log/published.js';
import { Shard } from '../../packages/server/dist/log/shard.js';
import { bulkLoad, openBenchLog } from '../lib/bulk-load.mjs';
import { createDatabase, startPostgres } from '../proofs/pg.mjs';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100000,1000000' } } });
const SIZES = values.sizes.split(',').map(Number);

/** Peak RSS above the level at start, sampled every 10 ms while `fn` runs. */
async function withPeakRss(fn) {
  globalThis.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const t0 = performance.now();
  try {
    const result = await fn();
    return { result, seconds: (performance.now() - t0) / 1000, rssGrowth: Math.max(0, peak - base) };
  } finally {
    clearInterval(timer);
  }
}

/** Every tile and bundle of the final tree, read and dropped: the database floor of the export. */
async function readOnly(shard, size) {
  for (let level = 0; storedHashCount(level, size) > 0; level++) {
    for (let index = 0; index * TILE_WIDTH < storedHashCount(level, size); index++) {
      const width = tileWidth(level, index, size);
      await publishedTile(shard, level, index, width);
      if (level === 0) await publishedEntries(shard, index, width);
    }
  }
}

const MB = 2 ** 20;
const rows = [];
const pg = await startPostgres();
try {
  for (const size of SIZES) {
    const url = await createDatabase(pg.url, `scriba_bench_export_${size}`);
    const { db, log, treeId, signer } = await openBenchLog(url, 4);
    const loaded = await bulkLoad(db, treeId, signer, size);
    process.stderr.write(`loaded ${size} entries in ${loaded.seconds.toFixed(1)} s\n`);
    // Freeze it as a rotation does (same key), then export the frozen shard.
    const next = String(BigInt(treeId) ^ 1n);
    const origin = `bench.example - ${next}`;
    await log.storage.rotate(
      { treeId: next, logId: log.key.logId, publicKey: log.key.spki, rootHash: EMPTY_ROOT, origin },
      treeId,
    );
    const nextSigner = await checkpointSigner(log.key, 'bench.example', origin);
    await log.storage.resignCheckpoint(next, async (t) =>
      t.checkpoint ? undefined : nextSigner.sign(0, EMPTY_ROOT),
    );
    const record = (await log.storage.shards()).find((t) => t.treeId === treeId);
    const shard = new Shard(log.storage, record);
    const cosigners = new ShardCosigners('bench.example', undefined, () => log.key, log.key);
    const dir = await mkdtemp(join(tmpdir(), 'scriba-bench-export-'));
    try {
      // A first read warms the database's cache (not measured): export and floor then both run warm.
      await readOnly(shard, size);
      const made = new Set();
      const sink = {
        async write(path, data) {
          const file = join(dir, ...path.split('/'));
          const parent = dirname(file);
          if (!made.has(parent)) {
            await mkdir(parent, { recursive: true });
            made.add(parent);
          }
          await writeFile(file, data, { flag: 'wx' });
        },
      };
      const run = await withPeakRss(() =>
        exportShard(shard, (note) => cosigners.cosign(record.logId, note), sink),
      );
      const floor = await withPeakRss(() => readOnly(shard, size));
      rows.push({ size, floor, run });
    } finally {
      await rm(dir, { recursive: true, force: true });
      await db.close();
    }
  }
} finally {
  await pg.stop();
}

const lines = [
  '| shard size | export s | entries/s | written MiB | peak RSS growth MiB | read-only floor s | floor entries/s |',
  '|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    ({ size, floor, run }) =>
      `| ${size} | ${run.seconds.toFixed(1)} | ${Math.round(size / run.seconds)} | ${(run.result.bytes / MB).toFixed(1)} | ${(run.rssGrowth / MB).toFixed(1)} | ${floor.seconds.toFixed(1)} | ${Math.round(size / floor.seconds)} |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
