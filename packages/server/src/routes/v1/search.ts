/**
 * POST /api/v1/index/retrieve (Rekor v1 SearchIndex): EntryUUIDs by artifact digest, public key or
 * certificate (SHA-256 of its DER), e-mail or subject. Keys match what the write path indexed.
 */

import { createHash } from 'node:crypto';
import { pemDecode } from '@scriba/sdk/crypto';
import { emailSearchKey, publicKeySearchKey, sha256SearchKey, subjectSearchKey } from '@scriba/sdk/entries';
import type { FastifyPluginAsync } from 'fastify';
import type { operations } from '../../generated/api.js';
import { LogError, type LogService } from '../../log/service.js';
import { errorResponses } from '../errors.js';

type SearchIndex = operations['searchIndex']['requestBody']['content']['application/json'];

/** DER bytes of a base64 key/certificate that is PEM or DER. */
function derOf(contentB64: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(contentB64) || contentB64.length % 4 !== 0) {
    throw new LogError(
      400,
      'INVALID_REQUEST',
      'publicKey.content must be standard base64',
      'publicKey.content',
    );
  }
  const raw = new Uint8Array(Buffer.from(contentB64, 'base64'));
  const text = Buffer.from(raw).toString('latin1');
  if (!text.includes('-----BEGIN ')) return raw;
  try {
    return pemDecode(text).der;
  } catch (cause) {
    throw new LogError(
      400,
      'INVALID_REQUEST',
      `publicKey.content holds a malformed PEM block (${(cause as Error).message})`,
      'publicKey.content',
    );
  }
}

export function searchRoutes(log: LogService): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: SearchIndex }>(
      '/api/v1/index/retrieve',
      {
        schema: {
          body: { $ref: 'SearchIndex#' },
          response: {
            200: { type: 'array', items: { $ref: 'EntryUUID#' } },
            ...errorResponses(400, 413, 500),
          },
        },
      },
      async (req) => {
        const q = req.body;
        // Validated before SQL: PostgreSQL text cannot hold NUL, and nothing indexed contains one.
        for (const field of ['email', 'subject', 'hash'] as const) {
          if (typeof q[field] === 'string' && q[field].includes('\u0000')) {
            throw new LogError(400, 'INVALID_REQUEST', `${field} must not contain a NUL character`, field);
          }
        }
        const sets: string[][] = [];
        if (q.hash !== undefined) {
          const h = q.hash.toLowerCase();
          if (h.startsWith('sha512:') || h.startsWith('sha1:') || (!h.includes(':') && h.length !== 64)) {
            // Only SHA-256 digests are indexed (what every supported kind carries).
            sets.push([`unsupported:${h}`]);
          } else {
            sets.push([sha256SearchKey(h.startsWith('sha256:') ? h.slice('sha256:'.length) : h)]);
          }
        }
        if (q.publicKey !== undefined) {
          if (q.publicKey.content === undefined) {
            throw new LogError(
              400,
              'INVALID_REQUEST',
              'publicKey.content is required (url is not supported)',
              'publicKey.content',
            );
          }
          const fp = createHash('sha256').update(derOf(q.publicKey.content)).digest('hex');
          sets.push([publicKeySearchKey(fp)]);
        }
        if (q.email !== undefined) sets.push([emailSearchKey(q.email)]);
        if (q.subject !== undefined) sets.push([subjectSearchKey(q.subject)]);
        if (sets.length === 0) {
          throw new LogError(
            400,
            'INVALID_REQUEST',
            'at least one of hash, publicKey, email, subject is required',
            'body',
          );
        }
        return log.search(sets, q.operator ?? 'or');
      },
    );
  };
}
