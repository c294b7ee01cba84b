/**
 * Rekor v1 entry routes: POST/GET /api/v1/log/entries, GET /api/v1/log/entries/{entryUUID},
 * POST /api/v1/log/entries/retrieve. Thin: validate (schema + validateProposedEntry), call the log,
 * map outcomes (201 + ETag/Location, 409 + Location of the existing entry, 404).
 */
import { leafHashOfEntryUuid } from '@scriba/sdk/entries';
import type { FastifyPluginAsync } from 'fastify';
import { ValidationWorkerExitedError, validateProposedEntry } from '../../entries/index.js';
import type { operations } from '../../generated/api.js';
import { type EntryWithProof, LogError, type LogService } from '../../log/service.js';
import { errorResponses } from '../errors.js';
import { newSetCache, renderCreated, renderLogEntry } from './entry-view.js';
import type { SetCache } from './set-cache.js';

type SearchLogQuery = operations['searchLogQuery']['requestBody']['content']['application/json'];

const ENTRY_PATH = '/api/v1/log/entries';

/** Validates a proposed entry; a validation worker that died answers 503 (nothing logged, retry). */
async function validate(body: unknown): ReturnType<typeof validateProposedEntry> {
  try {
    return await validateProposedEntry(body);
  } catch (e) {
    if (e instanceof ValidationWorkerExitedError) throw new LogError(503, 'UNAVAILABLE', e.message);
    throw e;
  }
}

/** `sets`: the SETs of this process, signed once per entry (at append or at the first read). */
export function entriesRoutes(log: LogService, sets: SetCache = newSetCache()): FastifyPluginAsync {
  return async (app) => {
    app.post(
      ENTRY_PATH,
      {
        schema: {
          body: { $ref: 'ProposedEntry#' },
          response: { 201: { $ref: 'LogEntry#' }, ...errorResponses(400, 409, 413, 500, 503) },
        },
      },
      async (req, reply) => {
        // Signature checks run in the check phase, after this turn's I/O callbacks: a reply from
        // PostgreSQL to the append batch (which holds the tree lock) is handled before them.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const validated = await validate(req.body);
        const result = await log.append(validated);
        const location = `${ENTRY_PATH}/${result.uuid}`;
        if (result.kind === 'duplicate') {
          return reply
            .code(409 as never)
            .header('Location', location)
            .send({
              code: 409,
              message: `an equivalent entry already exists in the transparency log with UUID ${result.uuid}`,
              reason: 'DUPLICATE_ENTRY',
            });
        }
        return reply
          .code(201)
          .header('ETag', result.uuid)
          .header('Location', location)
          .send({ [result.uuid]: await renderCreated(log.key, sets, result) });
      },
    );

    app.get<{ Querystring: { logIndex: number } }>(
      ENTRY_PATH,
      {
        schema: {
          querystring: {
            type: 'object',
            properties: { logIndex: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } },
            required: ['logIndex'],
          },
          response: { 200: { $ref: 'LogEntry#' }, ...errorResponses(400, 404, 500) },
        },
      },
      async (req) => {
        const [entry] = await log.entriesByIndex([req.query.logIndex]);
        if (!entry)
          throw new LogError(404, 'NOT_FOUND', `no entry at logIndex ${req.query.logIndex}`, 'logIndex');
        return renderLogEntry(log.key, sets, entry);
      },
    );

    app.get<{ Params: { entryUUID: string } }>(
      `${ENTRY_PATH}/:entryUUID`,
      {
        schema: {
          params: {
            type: 'object',
            properties: { entryUUID: { $ref: 'EntryUUID#' } },
            required: ['entryUUID'],
          },
          response: { 200: { $ref: 'LogEntry#' }, ...errorResponses(400, 404, 500) },
        },
      },
      async (req) => {
        const leaf = leafHashOfEntryUuid(req.params.entryUUID, log.treeId);
        const [entry] = leaf ? await log.entriesByLeafHash([leaf]) : [];
        if (!entry)
          throw new LogError(404, 'NOT_FOUND', `no entry with UUID ${req.params.entryUUID}`, 'entryUUID');
        return renderLogEntry(log.key, sets, entry);
      },
    );

    app.post<{ Body: SearchLogQuery }>(
      `${ENTRY_PATH}/retrieve`,
      {
        schema: {
          body: { $ref: 'SearchLogQuery#' },
          response: {
            200: { type: 'array', items: { $ref: 'LogEntry#' } },
            ...errorResponses(400, 413, 500),
          },
        },
      },
      async (req) => {
        const q = req.body;
        const out: EntryWithProof[] = [];
        if (q.logIndexes) out.push(...(await log.entriesByIndex(q.logIndexes)));
        if (q.entryUUIDs) {
          const treeId = log.treeId;
          const leaves = q.entryUUIDs
            .map((u) => leafHashOfEntryUuid(u, treeId))
            .filter((l) => l !== undefined);
          out.push(...(await log.entriesByLeafHash(leaves)));
        }
        if (q.entries) {
          const leaves: Uint8Array[] = [];
          for (const e of q.entries) leaves.push((await validate(e)).leafHash);
          out.push(...(await log.entriesByLeafHash(leaves)));
        }
        return Promise.all(out.map((e) => renderLogEntry(log.key, sets, e)));
      },
    );
  };
}
