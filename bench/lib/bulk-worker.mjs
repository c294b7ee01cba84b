/**
 * A worker thread of loadSignedEntries (bulk-load.mjs): signs hashedrekord entries (P-256, distinct
 * random artifacts, bench/lib/append-load.mjs `presign`) with the keys it is given and validates each
 * with the server's own validation (entries/validate.ts validateProposedEntryInline: what
 * `POST /api/v1/log/entries` runs), answering each request for `count` entries with the validated
 * entries (ValidatedEntry: kind, version, canonical body, leaf hash, search keys).
 */
import { createPrivateKey } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { configureNative } from '../../packages/server/dist/entries/native.js';
import { validateProposedEntryInline } from '../../packages/server/dist/entries/validate.js';
import { presign } from './append-load.mjs';

configureNative(true); // as the server's validation workers start by default
const keys = workerData.keys.map((k) => ({ privateKey: createPrivateKey(k.privatePem), pemB64: k.pemB64 }));
let next = 0;
parentPort.on('message', async ({ id, count }) => {
  const json = presign(count, keys.slice(next).concat(keys.slice(0, next)));
  next = (next + count) % keys.length;
  const entries = [];
  for (const j of json) entries.push(await validateProposedEntryInline(JSON.parse(j)));
  const buffers = new Set(entries.flatMap((e) => [e.body.buffer, e.leafHash.buffer]));
  parentPort.postMessage({ id, entries }, [...buffers]);
});
