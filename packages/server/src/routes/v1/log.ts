/**
 * Rekor v1 log routes: GET /api/v1/log (LogInfo with the signed checkpoint), /api/v1/log/proof
 * (consistency proof), /api/v1/log/publicKey (PEM). The trusted root and signing config are in
 * trust-config.ts.
 */
import { hexEncode } from '@scriba/sdk/encoding';
import type { FastifyPluginAsync } from 'fastify';
import { LogError, type LogService } from '../../log/service.js';
import { errorResponses } from '../errors.js';

export function logRoutes(log: LogService): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/api/v1/log',
      { schema: { response: { 200: { $ref: 'LogInfo#' }, ...errorResponses(500) } } },
      async () => {
        const st = await log.state();
        return {
          rootHash: hexEncode(st.rootHash),
          treeSize: st.treeSize,
          signedTreeHead: st.checkpoint,
          treeID: st.treeId,
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
        if (treeID !== undefined && treeID !== log.treeId) {
          throw new LogError(400, 'UNKNOWN_TREE', `treeID ${treeID} is not this log's tree`, 'treeID');
        }
        const proof = await log.active.consistency(firstSize, lastSize);
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
          response: { 200: { type: 'string' }, ...errorResponses(404, 500) },
        },
      },
      async (req, reply) => {
        if (req.query.treeID !== undefined && req.query.treeID !== log.treeId) {
          throw new LogError(
            404,
            'UNKNOWN_TREE',
            `treeID ${req.query.treeID} is not this log's tree`,
            'treeID',
          );
        }
        return reply.type('application/x-pem-file').send(log.key.publicKeyPem);
      },
    );
  };
}
