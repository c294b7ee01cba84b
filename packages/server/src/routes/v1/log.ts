/**
 * Rekor v1 log routes: GET /api/v1/log (LogInfo with the signed checkpoint), /api/v1/log/proof
 * (consistency proof), /api/v1/log/publicKey (PEM), and two Scriba extensions:
 * Across shards as Rekor has them: GET /api/v1/log is the active shard's state with
 * `inactiveShards` (each frozen shard's final root, size, checkpoint and tree ID, oldest first; the
 * published list of shards monitors and witnesses follow, answered from memory for frozen shards);
 * /proof and /publicKey take any shard's `treeID` (default: the active shard; unknown: 400, as Rekor).
 *  - /api/v1/log/trusted-root: a Sigstore TrustedRoot (protobuf-specs trustroot v1) naming this log
 *    (base URL, key, log ID, validity) and, when it runs, this server's timestamp authority
 *    (subject, URI, certificate chain, validity);
 *  - /api/v1/log/signing-config: a Sigstore SigningConfig v0.2 naming the services a signer should
 *    use here: this log as Rekor v1 and v2 (`majorApiVersion`), and the TSA.
 */
import { SIGNING_CONFIG_MEDIA_TYPE } from '@scriba/sdk/bundle';
import { pemEncode } from '@scriba/sdk/crypto';
import { base64Encode, hexEncode } from '@scriba/sdk/encoding';
import type { FastifyPluginAsync } from 'fastify';
import { LogError, type LogService, type Shard } from '../../log/service.js';
import type { TimestampAuthority } from '../../tsa/authority.js';
import { errorResponses } from '../errors.js';

export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';

/** Whole seconds: integratedTime and X.509 times are in seconds. */
function isoSeconds(t: Date | number): string {
  return new Date(Math.floor(new Date(t).getTime() / 1000) * 1000).toISOString();
}

/** The TrustedRoot `timestampAuthorities` entry of this server's TSA. */
export function tsaAuthority(tsa: TimestampAuthority, publicUrl: string) {
  const leaf = tsa.material.leaf;
  return {
    subject: tsa.material.subject,
    uri: `${publicUrl}/api/v1/timestamp`,
    certChain: { certificates: tsa.material.chain.map((der) => ({ rawBytes: base64Encode(der) })) },
    validFor: { start: isoSeconds(leaf.notBefore), end: isoSeconds(leaf.notAfter) },
  };
}

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

export function logRoutes(log: LogService, publicUrl: string, tsa?: TimestampAuthority): FastifyPluginAsync {
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
      async (req) => {
        const { firstSize, lastSize, treeID } = req.query;
        // A frozen shard's proofs are bounded by its final size (its state never grows).
        const proof = await (await shardOf(log, treeID)).consistency(firstSize, lastSize);
        return { rootHash: hexEncode(proof.rootHash), hashes: proof.hashes.map(hexEncode) };
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

    app.get(
      '/api/v1/log/trusted-root',
      { schema: { response: { 200: { $ref: 'TrustedRoot#' }, ...errorResponses(500) } } },
      async () => {
        const st = await log.state();
        return {
          mediaType: TRUSTED_ROOT_MEDIA_TYPE,
          tlogs: [
            {
              baseUrl: publicUrl,
              hashAlgorithm: 'SHA2_256',
              publicKey: {
                rawBytes: Buffer.from(log.key.spki).toString('base64'),
                keyDetails: 'PKIX_ECDSA_P256_SHA_256',
                // Whole seconds: integratedTime (what verifiers compare with the start) is in
                // seconds, so an entry integrated in the tree's first second MUST still fall inside.
                validFor: { start: new Date(Math.floor(st.createdAt.getTime() / 1000) * 1000).toISOString() },
              },
              logId: { keyId: Buffer.from(log.key.logId).toString('base64') },
            },
          ],
          certificateAuthorities: [],
          ctlogs: [],
          timestampAuthorities: tsa ? [tsaAuthority(tsa, publicUrl)] : [],
        };
      },
    );

    app.get(
      '/api/v1/log/signing-config',
      { schema: { response: { 200: { $ref: 'SigningConfig#' }, ...errorResponses(500) } } },
      async () => {
        const st = await log.state();
        const start = isoSeconds(st.createdAt);
        const operator = new URL(publicUrl).host;
        const service = (url: string, majorApiVersion: number, from: string) => ({
          url,
          majorApiVersion,
          validFor: { start: from },
          operator,
        });
        return {
          mediaType: SIGNING_CONFIG_MEDIA_TYPE,
          caUrls: [],
          oidcUrls: [],
          // Newest API first: clients pick the highest major version they support.
          rekorTlogUrls: [service(publicUrl, 2, start), service(publicUrl, 1, start)],
          rekorTlogConfig: { selector: 'ANY' },
          tsaUrls: tsa
            ? [service(`${publicUrl}/api/v1/timestamp`, 1, isoSeconds(tsa.material.leaf.notBefore))]
            : [],
          tsaConfig: { selector: 'ANY' },
        };
      },
    );
  };
}
