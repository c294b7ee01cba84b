/**
 * Rekor v2 and C2SP tlog-tiles HTTP API, one C2SP log per shard (issue 11):
 *  - POST /api/v2/log/entries — `hashedRekordRequestV002` (protobuf JSON; a `dsseRequestV002` gets 400,
 *    as rekor-tiles since #744: see validate.ts), appended to the active shard and answered
 *    201 with a protobuf-JSON TransparencyLogEntry (int64 as strings, bytes as base64; the tree-local
 *    index, the inclusion proof with the shard's signed checkpoint; no signed entry timestamp, no
 *    integrated time — as Rekor v2); a duplicate (in any shard) gets 409 with `x-log-index` (tree-local) and `x-log-tree-id` (its shard).
 *  - GET /api/v2/checkpoint — the active shard's latest checkpoint (ECDSA + Ed25519 log signatures,
 *    plus the witness cosignatures collected for it), `text/plain; charset=utf-8`, cacheable for seconds.
 *  - GET /api/v2/tile/<L>/<N>[.p/<W>] and /api/v2/tile/entries/<N>[.p/<W>] — the active shard's tiles
 *    and entry bundles, `application/octet-stream`; full ones immutable for a year, partial ones for
 *    seconds; 404 beyond the tree.
 *  - GET /api/v2/shards/<treeId>/checkpoint, .../tile/... — the same for every shard, frozen or active,
 *    under its own prefix. Everything a frozen shard serves is final (partial tiles and bundles too)
 *    and immutable; its checkpoint once every configured witness has cosigned it.
 *  - GET /api/v2/log/vkeys — the log's note verifier keys (text, one per line), for witnesses.
 * The bytes served come from log/published.ts (also what `scriba shard export` writes). Witness
 * pushing (log/witness-push.ts, every shard) starts with the app when SCRIBA_WITNESSES is set.
 */
import { gzipSync } from 'node:zlib';
import { isScribaError } from '@scriba/sdk';
import { parseEntryBundlePath, parseTilePath, TILE_WIDTH } from '@scriba/sdk/tiles';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { isEntryValidationError } from '../../entries/index.js';
import { ShardCosigners } from '../../keys/shard-cosigners.js';
import {
  type Cosign,
  publishedCheckpoint,
  publishedEntryBundle,
  publishedTile,
} from '../../log/published.js';
import type { LogService, Shard } from '../../log/service.js';
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

/**
 * Full tiles and full entry bundles never change (tlog-tiles), nor does anything a frozen shard holds,
 * so they are kept in a byte-bounded LRU (SCRIBA_TILE_CACHE_MB, default 64), keyed by tree id, level or
 * bundle, index and width: hot tiles are served without a database round trip. Partial tiles of the
 * active shard are not cached (they are small and short-lived).
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

/** A decimal tree id (Rekor's treeID: int64) as it appears in a shard's URL prefix. */
const TREE_ID = /^(0|[1-9][0-9]{0,18})$/;

export function v2Routes(log: LogService, options: V2Options = {}): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    // The Ed25519 co-signer of each shard (its key; a configured SCRIBA_LOG_ED25519_KEY for all).
    const cosigners = new ShardCosigners(
      log.signer.name,
      options.ed25519KeyPath,
      (logId) => log.keyring.byLogId(logId),
      log.keyring.primary,
    );
    // A configured key that cannot be read fails the start, not the first request.
    await cosigners.forShard(log.active.record.logId);
    const cosignOf =
      (shard: Shard): Cosign =>
      (note) =>
        cosigners.cosign(shard.record.logId, note);
    const witnesses = options.witnesses ?? [];
    const cache = new ImmutableCache((options.tileCacheMb ?? 64) * 2 ** 20);
    const intervalMs = options.witnessIntervalMs;
    const timeoutMs = options.witnessTimeoutMs;
    const pusher = new WitnessPusher({
      witnesses,
      shards: async () =>
        (await log.shards()).map((s) => ({
          tree: s.handle,
          frozen: !s.active,
          latest: () => publishedCheckpoint(s, cosignOf(s)),
        })),
      ...(intervalMs !== undefined ? { intervalMs } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      onError: (url, error) => app.log.warn({ witness: url, error }, 'witness push failed'),
    });
    options.onPusher?.(pusher);
    app.addHook('onReady', async () => pusher.start());
    app.addHook('onClose', async () => pusher.stop());

    /** The shard the root paths serve: the active one (after a rotation by any process, the new one). */
    const activeShard = async (): Promise<Shard> => {
      await log.shards();
      return log.active;
    };
    /** The shard of a `/api/v2/shards/<treeId>/` prefix, or undefined (404). */
    const shardOf = (req: FastifyRequest): Promise<Shard | undefined> => {
      const treeId = (req.params as { treeId: string }).treeId;
      return TREE_ID.test(treeId) ? log.shard(treeId) : Promise.resolve(undefined);
    };
    const notFound = (reply: FastifyReply, message = 'not in the tree') =>
      reply.code(404).header('cache-control', 'no-store').send({ code: 404, message, reason: 'NOT_FOUND' });
    const noShard = (reply: FastifyReply) => notFound(reply, 'no shard with this tree id');

    async function sendCheckpoint(shard: Shard, reply: FastifyReply): Promise<FastifyReply> {
      const cp = await publishedCheckpoint(shard, cosignOf(shard));
      // A frozen shard's final checkpoint never changes, once every witness has cosigned it.
      const final = cp.frozen && cp.cosignatures >= witnesses.length;
      return reply
        .header('content-type', 'text/plain; charset=utf-8')
        .header('cache-control', final ? IMMUTABLE : CHECKPOINT_CACHE)
        .send(cp.full);
    }

    async function sendTile(shard: Shard, rest: string, req: FastifyRequest, reply: FastifyReply) {
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      // Everything a frozen shard holds is final, its partial tiles and bundles too.
      const frozen = !shard.active;
      try {
        if (rest.startsWith('entries/')) {
          const { index, width } = parseEntryBundlePath(`tile/${rest}`);
          const final = frozen || width === TILE_WIDTH;
          const key = `${shard.treeId}/e/${index}/${width}${gzip ? '.gz' : ''}`;
          const hit = final ? cache.get(key) : undefined;
          if (hit) return sendBinary(reply, hit, true, gzip);
          const encoded = await publishedEntryBundle(shard, index, width);
          if (!encoded) return notFound(reply);
          const data = gzip ? new Uint8Array(gzipSync(encoded)) : encoded;
          if (final) cache.set(key, data);
          return sendBinary(reply, data, final, gzip);
        }
        const tile = parseTilePath(`tile/${rest}`);
        const final = frozen || tile.width === TILE_WIDTH;
        const key = `${shard.treeId}/t/${tile.level}/${tile.index}/${tile.width}`;
        const hit = final ? cache.get(key) : undefined;
        if (hit) return sendBinary(reply, hit, true);
        const data = await publishedTile(shard, tile.level, tile.index, tile.width);
        if (!data) return notFound(reply);
        if (final) cache.set(key, data.slice());
        return sendBinary(reply, data, final);
      } catch (e) {
        if (isScribaError(e)) return notFound(reply, `not a tile path: ${e.message}`);
        throw e;
      }
    }

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
          // Where the sequencer found the entry (no second read, no proof built): its tree-local
          // index and, since each shard is a v2 log of its own, the shard (tree) holding it.
          return reply
            .header('x-log-index', String(res.index))
            .header('x-log-tree-id', res.treeId)
            .code(409)
            .send({
              code: 409,
              message: `an equivalent entry already exists in the log: shard ${res.treeId}, index ${res.index}`,
              reason: 'DUPLICATE_ENTRY',
            });
        }
        // Each shard is its own v2 log: the entry's tree-local index, its shard's key and checkpoint.
        const logId = (await log.shard(res.treeId))?.record.logId ?? log.key.logId;
        return reply
          .code(201)
          .send(renderTransparencyLogEntry(res, logId, await cosigners.cosign(logId, res.proof.checkpoint)));
      },
    );

    app.get('/api/v2/checkpoint', async (_req, reply) => sendCheckpoint(await activeShard(), reply));

    // Every shard's Ed25519 verifier key, the active shard's first (one line when the key was kept).
    app.get('/api/v2/log/vkeys', async (_req, reply) => {
      const vkeys = new Set<string>();
      for (const s of (await log.shards()).toReversed()) {
        const cosigner = cosigners.forShard(s.record.logId);
        if (cosigner) vkeys.add((await cosigner).vkey);
      }
      return reply
        .header('content-type', 'text/plain; charset=utf-8')
        .send([...vkeys].map((v) => `${v}\n`).join(''));
    });

    app.get('/api/v2/tile/*', async (req, reply) =>
      sendTile(await activeShard(), (req.params as { '*': string })['*'], req, reply),
    );

    app.get('/api/v2/shards/:treeId/checkpoint', async (req, reply) => {
      const shard = await shardOf(req);
      return shard ? sendCheckpoint(shard, reply) : noShard(reply);
    });

    app.get('/api/v2/shards/:treeId/tile/*', async (req, reply) => {
      const shard = await shardOf(req);
      if (!shard) return noShard(reply);
      return sendTile(shard, (req.params as { '*': string })['*'], req, reply);
    });
  };
}
