/**
 * Rekor v1 log routes: GET /api/v1/log (LogInfo with the signed checkpoint), /api/v1/log/proof
 * (consistency proof), /api/v1/log/publicKey (PEM). The trusted root and signing config are in
 * trust-config.ts.
 * Across shards as Rekor has them: GET /api/v1/log is the active shard's state with
 * `inactiveShards` (each frozen shard's final root, size, checkpoint and tree ID, oldest first; the
 * published list of shards monitors and witnesses follow, answered from memory for frozen shards);
 * /proof and /publicKey take any shard's `treeID` (default: the active shard; unknown: 400, as Rekor).
 */
import { pemEncode } from '@scriba/sdk/crypto';
import { bytesEqual, hexEncode } from '@scriba/sdk/encoding';
import type { FastifyPluginAsync } from 'fastify';
import { LogError, type LogService, type Shard } from '../../log/service.js';
import { errorResponses } from '../errors.js';
import { sendJsonText } from '../json-text.js';

/** The shard named by `treeID` (any shard, frozen or active), or the active one when none is named. */
async function shardOf(log: LogService, treeID: string | undefined): Promise<Shard> {
  if (treeID === undefined) return activeOf(await log.shards());
  const shard = await log.shard(treeID);
  if (!shard) throw new LogError(400, 'UNKNOWN_TREE', `treeID ${treeID} is not a tree of this log`, 'treeID');
  return shard;
}

/** The active shard of a listing (the newest; another process may have rotated since this one started). */
function activeOf(shards: Shard[]): Shard {
  const active = shards.findLast((s) => s.active);
  if (!active) throw new Error('the log has no active shard');
  return active;
}

/**
 * The JSON text of a ConsistencyProof answer; `rendered` keeps it per proof the shard kept (its
 * `hashes` array, shared by every request for the same sizes while the head stays).
 */
function consistencyJson(
  rendered: WeakMap<Uint8Array[], { rootHash: Uint8Array; text: string }>,
  proof: { rootHash: Uint8Array; hashes: Uint8Array[] },
): string {
  const kept = rendered.get(proof.hashes);
  if (kept && bytesEqual(kept.rootHash, proof.rootHash)) return kept.text;
  // Hex only (nothing to escape): written directly, sent without the response serializer.
  const text = `{"rootHash":"${hexEncode(proof.rootHash)}","hashes":[${proof.hashes.map((h) => `"${hexEncode(h)}"`).join(',')}]}`;
  if (proof.hashes.length > 0) rendered.set(proof.hashes, { rootHash: proof.rootHash, text });
  return text;
}

/**
 * The 200 answer of GET /api/v1/log/proof: the JSON text of the consistency proof from `firstSize`
 * to `lastSize` (default: the head) in the shard `treeID` names (default: the active one); rejects
 * with a LogError (400) for sizes or a tree the log cannot prove. The route and the read lane
 * (read-lane.ts) answer with the same function.
 */
export type ConsistencyAnswer = (
  firstSize: number,
  lastSize: number | undefined,
  treeID: string | undefined,
) => Promise<string>;

/** The ConsistencyAnswer of `log` (its answers' text kept per proof the shard keeps). */
export function consistencyAnswer(log: LogService): ConsistencyAnswer {
  const rendered = new WeakMap<Uint8Array[], { rootHash: Uint8Array; text: string }>();
  return async (firstSize, lastSize, treeID) =>
    // A frozen shard's proofs are bounded by its final size (its state never grows).
    consistencyJson(rendered, await (await shardOf(log, treeID)).consistency(firstSize, lastSize));
}

/** `consistency`: the process's ConsistencyAnswer (shared with the read lane). */
export function logRoutes(log: LogService, consistency = consistencyAnswer(log)): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/api/v1/log',
      { schema: { response: { 200: { $ref: 'LogInfo#' }, ...errorResponses(500) } } },
      async () => {
        let shards = await log.shards();
        let active = activeOf(shards);
        let st = await active.state();
        if (!active.active) {
          // Frozen since this process listed the shards (another process rotated): list them again.
          shards = await log.shards(true);
          active = activeOf(shards);
          st = await active.state();
        }
        const inactiveShards = [];
        for (const shard of shards) {
          if (shard === active) continue;
          const f = await shard.state(); // frozen: from memory
          inactiveShards.push({
            rootHash: hexEncode(f.rootHash),
            treeSize: f.treeSize,
            signedTreeHead: f.checkpoint,
            treeID: f.treeId,
          });
        }
        return {
          rootHash: hexEncode(st.rootHash),
          treeSize: st.treeSize,
          signedTreeHead: st.checkpoint,
          treeID: st.treeId,
          inactiveShards,
        };
      },
    );

    app.get<{ Querystring: { firstSize: number; lastSize?: number; treeID?: string } }>(
      '/api/v1/log/proof',
      {
        schema: {
          querystring: {
            type: 'object',
            properties: {
              firstSize: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 1 },
              lastSize: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
              treeID: { type: 'string', pattern: '^[0-9]{1,20}$' },
            },
          },
          response: { 200: { $ref: 'ConsistencyProof#' }, ...errorResponses(400, 500) },
        },
      },
      async (req, reply) => {
        const { firstSize, lastSize, treeID } = req.query;
        return sendJsonText(reply, await consistency(firstSize, lastSize, treeID));
      },
    );

    app.get<{ Querystring: { treeID?: string } }>(
      '/api/v1/log/publicKey',
      {
        schema: {
          querystring: {
            type: 'object',
            properties: { treeID: { type: 'string', pattern: '^[0-9]{1,20}$' } },
          },
          response: { 200: { type: 'string' }, ...errorResponses(400, 500) },
        },
      },
      async (req, reply) => {
        const shard = await shardOf(log, req.query.treeID);
        // A tree from before shards recorded keys was created with the log key (checked at start).
        const spki = shard.record.publicKey;
        const pem = spki === null ? log.key.publicKeyPem : pemEncode(spki, 'PUBLIC KEY');
        return reply.type('application/x-pem-file').send(pem);
      },
    );
  };
}
