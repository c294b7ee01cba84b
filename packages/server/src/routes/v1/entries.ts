/**
 * Rekor v1 entry routes: POST/GET /api/v1/log/entries, GET /api/v1/log/entries/{entryUUID},
 * POST /api/v1/log/entries/retrieve. Thin: validate (schema + validateProposedEntry), call the log,
 * map outcomes (201 + ETag/Location, 409 + Location of the existing entry in whichever shard holds
 * it, 404). Across shards as Rekor (`pkg/api/entries.go`): `logIndex` queries are global indices; an
 * 80-hex EntryUUID names its shard by its 16-hex tree id prefix; a bare 64-hex leaf hash is looked
 * up in every shard.
 */
import { parseEntryUuid } from '@scriba/sdk/entries';
import type { FastifyPluginAsync } from 'fastify';
import { ValidationWorkerExitedError, validateProposedEntry } from '../../entries/index.js';
import type { operations } from '../../generated/api.js';
import { type EntryWithProof, LogError, type LogService } from '../../log/service.js';
import { errorResponses } from '../errors.js';
import { sendJsonText } from '../json-text.js';
import { createdJson, logEntryJson, newSetCache } from './entry-view.js';
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

/**
 * Entries named by EntryUUIDs or bare leaf hashes (any case; malformed ones and unknown tree ids are
 * skipped), in that order: an 80-hex EntryUUID is looked up in the shard its prefix names, a 64-hex
 * leaf hash in every shard.
 */
async function entriesByUuid(log: LogService, uuids: string[]): Promise<EntryWithProof[]> {
  const out: EntryWithProof[] = [];
  for (const uuid of uuids) {
    const parsed = parseEntryUuid(uuid);
    if (!parsed) continue;
    if (parsed.treeId === undefined) {
      out.push(...(await log.entriesByLeafHash([parsed.leafHash])));
    } else {
      const shard = await log.shard(parsed.treeId);
      if (shard) out.push(...(await shard.entriesByLeafHash([parsed.leafHash])));
    }
  }
  return out;
}

/** The key of the shard holding an entry the log returned (so listed: not the client's error). */
async function keyOfTree(log: LogService, treeId: string) {
  const shard = await log.shard(treeId);
  if (!shard) throw new Error(`shard ${treeId} of an entry read from the log is not listed`);
  return log.keyOf(shard);
}

/** The JSON text of an entry read from the log (its SET signed with its shard's key, from `sets`). */
function entryRenderer(log: LogService, sets: SetCache): (e: EntryWithProof) => Promise<string> {
  return async (e) => logEntryJson(await keyOfTree(log, e.treeId), sets, e);
}

/**
 * The 200 answer of GET /api/v1/log/entries?logIndex=N: the JSON text of the entry at global index N,
 * or undefined when the log has none there (404). The route and the read lane (read-lane.ts) answer
 * with the same function.
 */
export type EntryByIndexAnswer = (logIndex: number) => Promise<string | undefined>;

/** The EntryByIndexAnswer of `log`, its SETs from `sets` (the process's, shared with the routes). */
export function entryByIndexAnswer(log: LogService, sets: SetCache): EntryByIndexAnswer {
  const render = entryRenderer(log, sets);
  return async (logIndex) => {
    const [entry] = await log.entriesByIndex([logIndex]);
    return entry ? render(entry) : undefined;
  };
}

/** `sets`: the SETs of this process, signed once per entry (at append or at the first read). */
export function entriesRoutes(log: LogService, sets: SetCache = newSetCache()): FastifyPluginAsync {
  const render = entryRenderer(log, sets);
  const entryByIndex = entryByIndexAnswer(log, sets);
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
        return sendJsonText(
          reply.code(201).header('ETag', result.uuid).header('Location', location),
          await createdJson(await keyOfTree(log, result.treeId), sets, result),
        );
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
          response: { 200: { $ref: 'LogEntry#' }, ...errorResponses(400, 404, 500, 503) },
        },
      },
      async (req, reply) => {
        const json = await entryByIndex(req.query.logIndex);
        if (json === undefined)
          throw new LogError(404, 'NOT_FOUND', `no entry at logIndex ${req.query.logIndex}`, 'logIndex');
        return sendJsonText(reply, json);
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
          response: { 200: { $ref: 'LogEntry#' }, ...errorResponses(400, 404, 500, 503) },
        },
      },
      async (req, reply) => {
        const [entry] = await entriesByUuid(log, [req.params.entryUUID]);
        if (!entry)
          throw new LogError(404, 'NOT_FOUND', `no entry with UUID ${req.params.entryUUID}`, 'entryUUID');
        return sendJsonText(reply, await render(entry));
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
      async (req, reply) => {
        const q = req.body;
        const out: EntryWithProof[] = [];
        if (q.logIndexes) out.push(...(await log.entriesByIndex(q.logIndexes)));
        if (q.entryUUIDs) out.push(...(await entriesByUuid(log, q.entryUUIDs)));
        if (q.entries) {
          const leaves: Uint8Array[] = [];
          for (const e of q.entries) leaves.push((await validate(e)).leafHash);
          out.push(...(await log.entriesByLeafHash(leaves)));
        }
        return sendJsonText(reply, `[${(await Promise.all(out.map(render))).join(',')}]`);
      },
    );
  };
}
