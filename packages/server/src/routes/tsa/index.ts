/**
 * sigstore/timestamp-authority's HTTP API (RFC 3161 over HTTP, RFC 3161 §3.4):
 *  - POST /api/v1/timestamp — a DER TimeStampReq (`application/timestamp-query`) or the JSON form
 *    (`application/json`: artifactHash, hashAlgorithm, nonce, certificates, tsaPolicyOID) →
 *    201 with a DER TimeStampResp (`application/timestamp-reply`), as timestamp-authority answers.
 *    A refused request gets 400 with a TimeStampResp of status rejection (PKIFailureInfo + reason);
 *    a request that is neither form gets 415. No client input leads to a 5xx.
 *  - GET /api/v1/timestamp/certchain — the TSA chain as PEM (signing certificate first).
 *
 * The body is read raw in this plugin only (its own content-type parsers), so malformed JSON or DER
 * reaches the TSA's own checks and is answered as a TimeStampResp.
 */

import { PKIFailureInfoFlags } from '@peculiar/asn1-tsp';
import type { FastifyPluginAsync } from 'fastify';
import { rejectionResponse, type TimestampAuthority } from '../../tsa/authority.js';
import { MAX_REQUEST_BYTES, parseDerRequest, parseJsonRequest, TsaRejection } from '../../tsa/request.js';

const REPLY = 'application/timestamp-reply';

export function tsaRoutes(tsa: TimestampAuthority): FastifyPluginAsync {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_REQUEST_BYTES }, (_req, body, done) =>
      done(null, body),
    );

    app.post('/api/v1/timestamp', async (req, reply) => {
      const type = String(req.headers['content-type'] ?? '')
        .split(';')[0]
        ?.trim()
        .toLowerCase();
      const body = req.body instanceof Uint8Array ? req.body : new Uint8Array(0);
      try {
        let parsed: ReturnType<typeof parseDerRequest>;
        if (type === 'application/timestamp-query') parsed = parseDerRequest(body, tsa.policy);
        else if (type === 'application/json') parsed = parseJsonRequest(body, tsa.policy);
        else {
          return reply
            .code(415)
            .type(REPLY)
            .send(
              Buffer.from(
                rejectionResponse(
                  PKIFailureInfoFlags.badDataFormat,
                  'send application/timestamp-query (DER TimeStampReq) or application/json',
                ),
              ),
            );
        }
        const issued = tsa.issue(parsed);
        return reply.code(201).type(REPLY).send(Buffer.from(issued.der));
      } catch (e) {
        if (e instanceof TsaRejection) {
          return reply
            .code(400)
            .type(REPLY)
            .send(Buffer.from(rejectionResponse(e.failInfo, e.message)));
        }
        throw e;
      }
    });

    app.get('/api/v1/timestamp/certchain', async (_req, reply) =>
      reply.type('application/pem-certificate-chain').send(tsa.material.chainPem),
    );
  };
}
