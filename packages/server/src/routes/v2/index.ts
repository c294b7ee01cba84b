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
import { isScribaError } from '@scriba/sdk';
import { encodeEntryBundle, parseEntryBundlePath, parseTilePath, TILE_WIDTH } from '@scriba/sdk/tiles';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import { isEntryValidationError } from '../../entries/index.js';
import { type CheckpointEd25519, checkpointEd25519 } from '../../keys/checkpointEd25519.js';
import type { LogService } from '../../log/service.js';
import { type WitnessEndpoint, WitnessPusher } from '../../log/witness-push.js';
import { renderTransparencyLogEntry } from './render.js';
import { validateCreateEntryRequestV2 } from './validate.js';

export type V2Options = {
  /** Ed25519 checkpoint co-signing key file (config `logEd25519KeyPath`; default: derived). */
  ed25519KeyPath?: string | undefined;
  /** Witnesses to push to (config `witnesses`; default none). */
  witnesses?: WitnessEndpoint[];
  witnessIntervalMs?: number | undefined;
  witnessTimeoutMs?: number | undefined;
  /** Memory for immutable full tiles and entry bundles, MiB (config `tileCacheMb`; default 64). */
  tileCacheMb?: number;
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
  const lines = await log.active.cosignatureLines(st.treeSize, st.rootHash);
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
    const ed = await checkpointEd25519(log.key, log.signer.name, { keyPath: options.ed25519KeyPath });
    const witnesses = options.witnesses ?? [];
    const cache = new ImmutableCache((options.tileCacheMb ?? 64) * 2 ** 20);
    const intervalMs = options.witnessIntervalMs;
    const timeoutMs = options.witnessTimeoutMs;
    const pusher = new WitnessPusher({
      tree: log.tree,
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
        if (res.kind === 'duplicate') {
          // The index the sequencer found the entry at (no second read, no proof built).
          return reply.header('x-log-index', String(res.index)).code(409).send({
            code: 409,
            message: 'an equivalent entry already exists in the log',
            reason: 'DUPLICATE_ENTRY',
          });
        }
        return reply
          .code(201)
          .send(renderTransparencyLogEntry(res, log.key.logId, await ed.cosign(res.proof.checkpoint)));
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
          const entries = await log.active.readEntryBundle(index, width);
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
        const data = await log.active.readTile(tile.level, tile.index, tile.width);
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
