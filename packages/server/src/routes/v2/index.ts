/**
 * Rekor v2 and C2SP tlog-tiles HTTP API:
 *  - POST /api/v2/log/entries — `hashedRekordRequestV002` (protobuf JSON; a `dsseRequestV002` gets 400,
 *    as rekor-tiles since #744: see validate.ts), answered
 *    201 with a protobuf-JSON TransparencyLogEntry (int64 as strings, bytes as base64; inclusion proof
 *    with the signed checkpoint; no signed entry timestamp, no integrated time — as Rekor v2); a
 *    duplicate gets 409 with `x-log-index`.
 *  - GET /api/v2/checkpoint — the latest checkpoint (ECDSA + Ed25519 log signatures, plus the witness
 *    cosignatures collected for it), `text/plain; charset=utf-8`, cacheable for seconds.
 *  - GET /api/v2/tile/<L>/<N>[.p/<W>] and /api/v2/tile/entries/<N>[.p/<W>] — `application/octet-stream`;
 *    full tiles and bundles immutable for a year, partial ones for seconds; 404 beyond the tree.
 *  - GET /api/v2/log/vkeys — the log's note verifier keys (text, one per line), for witnesses.
 * Witness pushing (log/witness-push.ts) starts with the app when SCRIBA_WITNESSES is set.
 */
import { gzipSync } from 'node:zlib';
import { base64Encode, hexDecode, isScribaError } from '@scriba/sdk';
import { encodeEntryBundle, parseEntryBundlePath, parseTilePath, TILE_WIDTH } from '@scriba/sdk/tiles';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import { ConfigError } from '../../config.js';
import { isEntryValidationError } from '../../entries/index.js';
import { type CheckpointEd25519, checkpointEd25519 } from '../../keys/checkpointEd25519.js';
import type { LogService } from '../../log/service.js';
import { readBundleEntries, readTileBytes } from '../../log/tile-reader.js';
import {
  cosignatureLines,
  parseWitnesses,
  type WitnessEndpoint,
  WitnessPusher,
} from '../../log/witness-push.js';
import { validateCreateEntryRequestV2 } from './validate.js';

export type V2Options = {
  /** Environment for SCRIBA_LOG_ED25519_KEY / SCRIBA_WITNESSES (default process.env). */
  env?: Record<string, string | undefined>;
  /** Witnesses to push to (default: parsed from SCRIBA_WITNESSES). */
  witnesses?: WitnessEndpoint[];
  witnessIntervalMs?: number;
  witnessTimeoutMs?: number;
  /** Receives the witness pusher (tests drive it with `pushOnce`). */
  onPusher?: (pusher: WitnessPusher) => void;
};

const IMMUTABLE = 'public, max-age=31536000, immutable';
const SHORT = 'public, max-age=5';
const CHECKPOINT_CACHE = 'public, max-age=2';

const errorBody = {
  type: 'object',
  properties: {
    code: { type: 'integer' },
    message: { type: 'string' },
    reason: { type: 'string' },
    field: { type: 'string' },
  },
} as const;

const tleSchema = {
  type: 'object',
  properties: {
    logIndex: { type: 'string' },
    logId: { type: 'object', properties: { keyId: { type: 'string' } } },
    kindVersion: { type: 'object', properties: { kind: { type: 'string' }, version: { type: 'string' } } },
    inclusionProof: {
      type: 'object',
      properties: {
        logIndex: { type: 'string' },
        rootHash: { type: 'string' },
        treeSize: { type: 'string' },
        hashes: { type: 'array', items: { type: 'string' } },
        checkpoint: { type: 'object', properties: { envelope: { type: 'string' } } },
      },
    },
    canonicalizedBody: { type: 'string' },
  },
} as const;

/** The latest checkpoint as served: log signatures (ECDSA + Ed25519) and collected cosignatures. */
async function servedCheckpoint(
  log: LogService,
  ed: CheckpointEd25519,
): Promise<{ size: number; rootHash: Uint8Array; note: string; full: string }> {
  const st = await log.state();
  const note = await ed.cosign(st.checkpoint);
  const lines = await cosignatureLines(log.db, st.treeSize, st.rootHash);
  return { size: st.treeSize, rootHash: st.rootHash, note, full: note + lines.join('') };
}

/**
 * Full tiles and full entry bundles never change (tlog-tiles), so they are kept in a byte-bounded
 * LRU (SCRIBA_TILE_CACHE_MB, default 64): hot tiles are served without a database round trip.
 * Partial tiles are not cached (they are small and short-lived).
 */
class ImmutableCache {
  private readonly map = new Map<string, Uint8Array>();
  private bytes = 0;
  constructor(private readonly maxBytes: number) {}
  get(key: string): Uint8Array | undefined {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: Uint8Array): void {
    if (v.length > this.maxBytes || this.map.has(key)) return;
    this.map.set(key, v);
    this.bytes += v.length;
    for (const [k, old] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= old.length;
    }
  }
}

function sendBinary(reply: FastifyReply, data: Uint8Array, full: boolean, gzipped = false): FastifyReply {
  reply.header('content-type', 'application/octet-stream').header('cache-control', full ? IMMUTABLE : SHORT);
  if (gzipped) reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding');
  return reply.send(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

export function v2Routes(log: LogService, options: V2Options = {}): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    const env = options.env ?? process.env;
    const ed = await checkpointEd25519(log.key, log.signer.name, env);
    const witnesses = options.witnesses ?? parseWitnesses(env.SCRIBA_WITNESSES);
    const envMs = (name: string): number | undefined => {
      const v = env[name];
      if (v === undefined || v === '') return undefined;
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 1)
        throw new ConfigError(`${name} must be a positive integer (ms), got '${v}'`);
      return n;
    };
    const cacheMb =
      env.SCRIBA_TILE_CACHE_MB === undefined || env.SCRIBA_TILE_CACHE_MB === ''
        ? 64
        : Number(env.SCRIBA_TILE_CACHE_MB);
    if (!Number.isFinite(cacheMb) || cacheMb < 0)
      throw new ConfigError(`SCRIBA_TILE_CACHE_MB must be a number >= 0, got '${env.SCRIBA_TILE_CACHE_MB}'`);
    const cache = new ImmutableCache(cacheMb * 2 ** 20);
    const intervalMs = options.witnessIntervalMs ?? envMs('SCRIBA_WITNESS_INTERVAL_MS');
    const timeoutMs = options.witnessTimeoutMs ?? envMs('SCRIBA_WITNESS_TIMEOUT_MS');
    const pusher = new WitnessPusher({
      db: log.db,
      witnesses,
      latest: () => servedCheckpoint(log, ed),
      ...(intervalMs !== undefined ? { intervalMs } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      onError: (url, error) => app.log.warn({ witness: url, error }, 'witness push failed'),
    });
    options.onPusher?.(pusher);
    app.addHook('onReady', async () => pusher.start());
    app.addHook('onClose', async () => pusher.stop());

    app.post(
      '/api/v2/log/entries',
      {
        schema: {
          body: { type: 'object' },
          response: { 201: tleSchema, 400: errorBody, 409: errorBody },
        },
      },
      async (req, reply) => {
        let entry: Awaited<ReturnType<typeof validateCreateEntryRequestV2>>;
        try {
          entry = await validateCreateEntryRequestV2(req.body);
        } catch (e) {
          if (isEntryValidationError(e)) {
            return reply.code(400).send({ code: 400, message: e.message, reason: e.code, field: e.field });
          }
          throw e;
        }
        const res = await log.append(entry);
        if (!res.created) {
          const existing = await log.entriesByLeafHash([entry.leafHash]);
          const value = existing[0] ? Object.values(existing[0])[0] : undefined;
          if (value) reply.header('x-log-index', String(value.logIndex));
          return reply.code(409).send({
            code: 409,
            message: 'an equivalent entry already exists in the log',
            reason: 'DUPLICATE_ENTRY',
          });
        }
        const v = res.value;
        const proof = v.verification.inclusionProof;
        return reply.code(201).send({
          logIndex: String(v.logIndex),
          logId: { keyId: base64Encode(log.key.logId) },
          kindVersion: { kind: entry.kind, version: entry.apiVersion },
          inclusionProof: {
            logIndex: String(proof.logIndex),
            rootHash: base64Encode(hexDecode(proof.rootHash)),
            treeSize: String(proof.treeSize),
            hashes: proof.hashes.map((h) => base64Encode(hexDecode(h))),
            checkpoint: { envelope: await ed.cosign(proof.checkpoint) },
          },
          canonicalizedBody: v.body,
        });
      },
    );

    app.get('/api/v2/checkpoint', async (_req, reply) => {
      const cp = await servedCheckpoint(log, ed);
      return reply
        .header('content-type', 'text/plain; charset=utf-8')
        .header('cache-control', CHECKPOINT_CACHE)
        .send(cp.full);
    });

    app.get('/api/v2/log/vkeys', async (_req, reply) =>
      reply.header('content-type', 'text/plain; charset=utf-8').send(`${ed.vkey}\n`),
    );

    app.get('/api/v2/tile/*', async (req, reply) => {
      const rest = (req.params as { '*': string })['*'];
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      const notFound = () =>
        reply
          .code(404)
          .header('cache-control', 'no-store')
          .send({ code: 404, message: 'not in the tree', reason: 'NOT_FOUND' });
      try {
        if (rest.startsWith('entries/')) {
          const { index, width } = parseEntryBundlePath(`tile/${rest}`);
          const full = width === TILE_WIDTH;
          const key = `e/${index}${gzip ? '.gz' : ''}`;
          const hit = full ? cache.get(key) : undefined;
          if (hit) return sendBinary(reply, hit, true, gzip);
          const entries = await readBundleEntries(log.db, index, width);
          if (!entries) return notFound();
          const encoded = encodeEntryBundle(entries);
          const data = gzip ? new Uint8Array(gzipSync(encoded)) : encoded;
          if (full) cache.set(key, data);
          return sendBinary(reply, data, full, gzip);
        }
        const tile = parseTilePath(`tile/${rest}`);
        const full = tile.width === TILE_WIDTH;
        const key = `t/${tile.level}/${tile.index}`;
        const hit = full ? cache.get(key) : undefined;
        if (hit) return sendBinary(reply, hit, true);
        const data = await readTileBytes(log.db, tile.level, tile.index, tile.width);
        if (!data) return notFound();
        if (full) cache.set(key, data.slice());
        return sendBinary(reply, data, full);
      } catch (e) {
        if (isScribaError(e)) {
          return reply
            .code(404)
            .send({ code: 404, message: `not a tile path: ${e.message}`, reason: 'NOT_FOUND' });
        }
        throw e;
      }
    });
  };
}
