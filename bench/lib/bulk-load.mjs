/**
 * Bulk load for the benchmarks. Two recipes:
 *  - `bulkLoad` (bench/proofs, bench/read): `n` synthetic entries generated in SQL (generate_series +
 *    sha256, bodies `bench-<i>`, each with its SET signed as the append batch signs it), tiles built
 *    in memory by the SDK's integrator (C2SP tlog-tiles) and written directly with the summaries of
 *    full level-0 tiles, then the tree state and a signed checkpoint: fast, but not what the server
 *    writes (no search keys, tiny bodies);
 *  - `loadSignedEntries` (bench/growth): real hashedrekord entries signed and validated as the HTTP
 *    path validates them, on worker threads (bulk-worker.mjs), and appended through the server's
 *    bulk path (log/bulk-append.ts: the sequencer's batch write in large batches), so the tables
 *    hold what HTTP appends would write.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { integrate, rightEdgeTiles, tileKey } from '@scriba/sdk/tiles';
import { generateLogKeyPem, parseLogKeyPem } from '../../packages/server/dist/keys/logKey.js';
import { bulkAppend } from '../../packages/server/dist/log/bulk-append.js';
import { checkpointSigner } from '../../packages/server/dist/log/checkpoint.js';
import { summarizeTile } from '../../packages/server/dist/log/leaf-groups.js';
import { Metrics } from '../../packages/server/dist/log/metrics.js';
import { LogService } from '../../packages/server/dist/log/service.js';
import { SqlLogStorage } from '../../packages/server/dist/storage/log-storage.js';
import { migrate } from '../../packages/server/dist/storage/migrate.js';
import { openPostgres } from '../../packages/server/dist/storage/postgres.js';
import { signingKeys } from './append-load.mjs';

/**
 * A log on the (empty) database at `url` with a fresh key, as the server builds one: migrated, its
 * tree created and its first checkpoint signed (origin `bench.example - <tree ID>`). Returns
 * `{ db, storage, key, log, treeId, signer }`; bulkLoad(db, treeId, signer, n) or
 * loadSignedEntries(benchLog, n) then fills it. `batch`: the LogService's sequencer options.
 */
export async function openBenchLog(url, poolSize, batch = { maxBatchSize: 1, maxWaitMs: 0 }) {
  const db = openPostgres(url, poolSize);
  await migrate(db);
  const key = parseLogKeyPem(generateLogKeyPem(), 'bench');
  const storage = new SqlLogStorage(db);
  const { treeId } = await LogService.treeOrigin(storage, key);
  const signer = await checkpointSigner(key, 'bench.example', `bench.example - ${treeId}`);
  const log = new LogService(storage, treeId, key, signer, new Metrics(), batch);
  await log.init();
  return { db, storage, key, log, treeId, signer };
}

/**
 * The environment of a `scriba serve` on the bench log (openBenchLog's) in database `url`: its key
 * (written to `keyFile`, 0600), checkpoint name and origin, the benches' database pool size; reads
 * and appends only (no TSA material to create).
 */
export async function serveEnvOf({ key, treeId }, url, keyFile) {
  await writeFile(keyFile, key.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return {
    DATABASE_URL: url,
    SCRIBA_LOG_KEY: keyFile,
    SCRIBA_PUBLIC_URL: 'http://bench.example',
    SCRIBA_LOG_NAME: 'bench.example',
    SCRIBA_ORIGIN: `bench.example - ${treeId}`,
    SCRIBA_DB_POOL_MAX: '8',
    SCRIBA_TSA: '0',
  };
}

/**
 * Appends `n` pre-signed hashedrekord entries (P-256, entry i signed by keys[i % keys.length],
 * distinct random artifacts) to the bench log's tree: signed and validated on `workers` worker
 * threads (bulk-worker.mjs: the server's own validation, as `POST /api/v1/log/entries` runs it), a
 * few chunks ahead of the writer, and appended by the server's bulk path (log/bulk-append.ts)
 * `batchSize` per transaction on this thread; `stop()` true ends it early (after the batch in
 * progress). Returns `{ appended, treeSize, bodyBytes, seconds }`.
 */
export async function loadSignedEntries(
  { log, signer },
  n,
  {
    keys = signingKeys(64),
    batchSize = 4096,
    workers = availableParallelism(),
    chunk = 512,
    onBatch,
    stop = () => false,
  } = {},
) {
  const t0 = performance.now();
  let bodyBytes = 0;
  const shared = keys.map((k) => ({
    privatePem: k.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    pemB64: k.pemB64,
  }));
  const pool = Array.from(
    { length: Math.max(1, workers) },
    () => new Worker(new URL('./bulk-worker.mjs', import.meta.url), { workerData: { keys: shared } }),
  );
  let requested = 0;
  let nextId = 0;
  let buffered = 0; // entries answered and not yet taken
  const ready = []; // chunks answered, in arrival order
  const inFlight = new Map(pool.map((w) => [w, 0]));
  let wake;
  let failed;
  // Keeps every worker busy (two chunks in flight each) while at most two batches wait to be taken,
  // so signing goes on while this thread writes.
  const pump = () => {
    for (const w of pool) {
      while (inFlight.get(w) < 2 && requested < n && !stop() && buffered < 2 * batchSize) {
        const count = Math.min(chunk, n - requested);
        requested += count;
        inFlight.set(w, inFlight.get(w) + 1);
        w.postMessage({ id: nextId++, count });
      }
    }
  };
  for (const w of pool) {
    w.on('message', (m) => {
      inFlight.set(w, inFlight.get(w) - 1);
      ready.push(m.entries);
      buffered += m.entries.length;
      pump();
      wake?.();
    });
    w.on('error', (e) => {
      failed = e;
      wake?.();
    });
  }
  pump();
  async function* entries() {
    for (let taken = 0; taken < requested || (taken < n && !stop()); ) {
      if (failed) throw failed;
      const c = ready.shift();
      if (!c) {
        await new Promise((r) => {
          wake = r;
          setTimeout(r, 250); // stop() may turn true with nothing in flight
        });
        continue;
      }
      taken += c.length;
      buffered -= c.length;
      pump();
      for (const e of c) {
        bodyBytes += e.body.length;
        yield e;
      }
      if (stop() && taken >= requested) return;
    }
  }
  try {
    const r = await bulkAppend(log.tree, signer, entries(), { batchSize, onBatch });
    return {
      appended: r.appended,
      treeSize: r.treeSize,
      bodyBytes,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

/** RFC 6962 leaf hash of bulk-loaded entry `i`. */
export const leafOf = (i) =>
  new Uint8Array(
    createHash('sha256')
      .update(Buffer.from([0]))
      .update(`bench-${i}`)
      .digest(),
  );

/** Inserts or replaces tile rows whole (row start 0), a bounded number per statement (bulk load only). */
async function writeTiles(db, treeId, tiles) {
  for (let i = 0; i < tiles.length; i += 500) {
    const chunk = tiles.slice(i, i + 500);
    const params = [treeId];
    const values = chunk.map((t) => {
      params.push(t.level, t.index, t.hashes);
      return `($1, $${params.length - 2}, $${params.length - 1}, $${params.length})`;
    });
    await db.query(
      `INSERT INTO tiles (tree_id, level, idx, hashes) VALUES ${values.join(', ')}
       ON CONFLICT (tree_id, level, idx, start) DO UPDATE SET hashes = EXCLUDED.hashes`,
      params,
    );
  }
}

/**
 * Bulk load `n` entries into an empty log: SQL-generated entries, tiles from the integrator.
 * `body` (optional): `{ kind, sql }`, an SQL expression of `i` giving entry i's body (bytea) instead
 * of `bench-<i>`; the leaf hashes are then read back from the database (leafOf no longer applies).
 */
export async function bulkLoad(db, treeId, signer, n, body) {
  const t0 = performance.now();
  const now = Math.floor(Date.now() / 1000);
  const CHUNK = 65536;
  await db.query("INSERT INTO entry_kinds (kind, api_version) VALUES ($1, '0.0.1') ON CONFLICT DO NOTHING", [
    body?.kind ?? 'bench',
  ]);
  let size = 0;
  const edge = new Map();
  // The tree's compact range after the last chunk (integrate folds no tile with it).
  let range;
  const signer$ = setSigners(signer.key, now);
  let signing = body ? undefined : signer$.sign(0, Math.min(n, CHUNK));
  try {
    while (size < n) {
      const end = Math.min(n, size + CHUNK);
      // Each entry's SET, as the append batch signs and stores it (log/entry-timestamp.ts), signed by
      // helper threads one chunk ahead; custom bodies are made in SQL, so their rows go without one
      // (reads sign it, as for pre-0006 rows).
      const sets = body ? null : await signing;
      if (!body && end < n) signing = signer$.sign(end, Math.min(n, end + CHUNK));
      await db.query(
        `INSERT INTO entries (tree_id, log_index, integrated_time, kind_code, leaf_hash, body, set_signature)
       SELECT $4, i, $3, (SELECT code FROM entry_kinds WHERE kind = $5 AND api_version = '0.0.1'),
              sha256('\\x00'::bytea || b), b, s
       FROM (SELECT i, ${body?.sql ?? "convert_to('bench-' || i, 'UTF8')"} AS b, s
             FROM ${
               sets
                 ? 'unnest($6::bytea[]) WITH ORDINALITY AS u(s, o), LATERAL (SELECT $1::bigint + o - 1 AS i) AS x WHERE i <= $2::bigint'
                 : 'generate_series($1::bigint, $2::bigint) AS i, LATERAL (SELECT NULL::bytea AS s) AS x'
             }) AS g`,
        sets
          ? [size, end - 1, now, treeId, body?.kind ?? 'bench', sets]
          : [size, end - 1, now, treeId, body?.kind ?? 'bench'],
      );
      const leaves = [];
      if (body) {
        const { rows } = await db.query(
          'SELECT leaf_hash FROM entries WHERE tree_id = $1 AND log_index >= $2 AND log_index < $3 ORDER BY log_index',
          [treeId, size, end],
        );
        for (const row of rows) leaves.push(new Uint8Array(row.leaf_hash));
      } else for (let i = size; i < end; i++) leaves.push(leafOf(i));
      const stored = rightEdgeTiles(size).map((t) => ({ ...t, hashes: edge.get(tileKey(t.level, t.index)) }));
      const r = integrate(size, stored, leaves, range);
      range = r.range;
      await writeTiles(db, treeId, r.changed);
      // The summaries of the level-0 tiles this chunk filled, as the append batch writes them.
      const full = r.changed.filter((t) => t.level === 0 && t.hashes.length === 256 * 32);
      if (full.length > 0) {
        await db.query(
          `INSERT INTO tile_summaries (tree_id, idx, nodes) SELECT $1, u.i, u.n FROM unnest($2::bigint[], $3::bytea[]) AS u(i, n)
         ON CONFLICT (tree_id, idx) DO UPDATE SET nodes = EXCLUDED.nodes`,
          [treeId, full.map((t) => t.index), full.map((t) => Buffer.from(summarizeTile(t.hashes)))],
        );
      }
      for (const t of r.changed) edge.set(tileKey(t.level, t.index), t.hashes);
      size = r.newSize;
      if (size === n) {
        const note = await signer.sign(size, r.rootHash);
        await db.query(
          'UPDATE tree_state SET tree_size = $1, root_hash = $2, checkpoint = $3 WHERE tree_id = $4',
          [size, r.rootHash, note, treeId],
        );
        await db.query(
          'INSERT INTO checkpoints (tree_id, tree_size, root_hash, note) VALUES ($4, $1, $2, $3)',
          [size, r.rootHash, note, treeId],
        );
        await db.query('ANALYZE');
        return { root: r.rootHash, seconds: (performance.now() - t0) / 1000 };
      }
    }
  } finally {
    await signer$.close();
  }
}

/**
 * Helper threads signing the SETs of bench entries `bench-<i>` (set-sign-worker.mjs) with `key` at
 * `integratedTime`: `sign(start, end)` resolves with the DER signatures of [start, end) in order.
 */
function setSigners(key, integratedTime, threads = Math.max(1, Math.min(4, availableParallelism()))) {
  const workers = Array.from(
    { length: threads },
    () => new Worker(new URL('./set-sign-worker.mjs', import.meta.url)),
  );
  const waiting = new Map();
  let ids = 0;
  for (const w of workers) {
    w.on('message', ({ id, out, lengths }) => {
      const parts = [];
      let at = 0;
      for (const len of lengths) {
        parts.push(Buffer.from(out, at, len));
        at += len;
      }
      waiting.get(id).resolve(parts);
      waiting.delete(id);
    });
    w.on('error', (e) => {
      for (const p of waiting.values()) p.reject(e);
      waiting.clear();
    });
  }
  const pkcs8 = key.pkcs8;
  return {
    async sign(start, end) {
      const per = Math.ceil((end - start) / workers.length);
      const parts = await Promise.all(
        workers.map((w, k) => {
          const id = ids++;
          const from = Math.min(end, start + k * per);
          const to = Math.min(end, from + per);
          return new Promise((resolve, reject) => {
            waiting.set(id, { resolve, reject });
            w.postMessage({ id, pkcs8, logIdHex: key.logIdHex, start: from, end: to, integratedTime });
          });
        }),
      );
      return parts.flat();
    },
    close: () => Promise.all(workers.map((w) => w.terminate())),
  };
}
