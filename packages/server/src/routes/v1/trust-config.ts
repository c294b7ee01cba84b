/**
 * Trust and signing configuration, two Scriba extensions of the Rekor v1 API:
 *  - GET /api/v1/log/trusted-root: a Sigstore TrustedRoot (protobuf-specs trustroot v1) naming every
 *    key of this log with its validity window — one tlog entry per key, shards that keep the key
 *    sharing it, windows meeting at each rotation (the SDK's `shardedLogInstances` holds that rule)
 *    — and, when it runs, this server's timestamp authority (subject, URI, chain, validity);
 *  - GET /api/v1/log/signing-config: a Sigstore SigningConfig v0.2 naming the services a signer
 *    should use here: this log as Rekor v2 (the active shard: `validFor.start` is its creation) and
 *    Rekor v1 (one service across every shard: from the first shard's creation), and the TSA.
 *    At a rotation the v2 service's start moves to the new shard's creation; its URL stays (appends
 *    always go to the active shard), so a signer holding an older config keeps working.
 */
import {
  type LogShardKey,
  SIGNING_CONFIG_MEDIA_TYPE,
  shardedLogInstances,
  TRUSTED_ROOT_MEDIA_TYPE,
  transparencyLogInstanceToJson,
} from '@scriba/sdk/bundle';
import { base64Encode } from '@scriba/sdk/encoding';
import type { FastifyPluginAsync } from 'fastify';
import type { LogService } from '../../log/service.js';
import type { TreeRecord } from '../../log/storage.js';
import type { TimestampAuthority } from '../../tsa/authority.js';
import { errorResponses } from '../errors.js';

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

/**
 * A shard's key and window. A tree from before shards has no stored key: the keyring key with its log
 * ID is its key; a keyless tree whose key this server does not hold cannot be vouched for and is left
 * out.
 */
function shardKey(r: TreeRecord, log: LogService): LogShardKey | undefined {
  const publicKey = r.publicKey ?? log.keyFor(r)?.spki;
  if (!publicKey) return undefined;
  return { publicKey, createdAt: r.createdAt.getTime(), frozenAt: r.frozenAt?.getTime() ?? null };
}

export function trustConfigRoutes(
  log: LogService,
  publicUrl: string,
  tsa?: TimestampAuthority,
): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/api/v1/log/trusted-root',
      { schema: { response: { 200: { $ref: 'TrustedRoot#' }, ...errorResponses(500) } } },
      async () => {
        // Fresh: a rotation by another process shows at once in what verifiers are told to trust.
        const shards = await log.shards(true);
        const keys = shards.map((s) => shardKey(s.record, log)).filter((k) => k !== undefined);
        return {
          mediaType: TRUSTED_ROOT_MEDIA_TYPE,
          tlogs: shardedLogInstances(publicUrl, keys).map(transparencyLogInstanceToJson),
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
        const shards = await log.shards(true);
        const first = shards[0]?.record ?? log.active.record;
        const active = shards.find((s) => s.active)?.record ?? log.active.record;
        const operator = new URL(publicUrl).host;
        const service = (url: string, majorApiVersion: number, from: Date | number) => ({
          url,
          majorApiVersion,
          validFor: { start: isoSeconds(from) },
          operator,
        });
        return {
          mediaType: SIGNING_CONFIG_MEDIA_TYPE,
          caUrls: [],
          oidcUrls: [],
          // Newest API first: clients pick the highest major version they support.
          rekorTlogUrls: [service(publicUrl, 2, active.createdAt), service(publicUrl, 1, first.createdAt)],
          rekorTlogConfig: { selector: 'ANY' },
          tsaUrls: tsa ? [service(`${publicUrl}/api/v1/timestamp`, 1, tsa.material.leaf.notBefore)] : [],
          tsaConfig: { selector: 'ANY' },
        };
      },
    );
  };
}
