/**
 * Entry point of proposed-entry validation (Rekor v1 `ProposedEntry`, openapi discriminator
 * `kind`): checks the envelope fields and dispatches on kind/apiVersion to hashedrekord 0.0.1,
 * dsse 0.0.1 or intoto 0.0.2. Anything else is UNSUPPORTED_KIND. Every failure is an
 * EntryValidationError; no other exception escapes (an unexpected one becomes INVALID_ENTRY).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ENTRY_KIND_TABLE,
  entryKindId,
  entryKindOf,
  isEntryKindId,
  type ServerValidationHooks,
  type WritableKindId,
  writableKinds,
} from '@scriba/sdk/entries';
import { validateDsseV001 } from './dsse-v001.js';
import { EntryValidationError } from './errors.js';
import { isObject, type JsonObject, requireObject, requireString } from './fields.js';
import { validateHashedRekordV001 } from './hashedrekord-v001.js';
import { validateIntotoV002 } from './intoto-v002.js';
import { ValidationPool } from './pool.js';
import type { ValidatedEntry } from './types.js';

/**
 * The v1 write path's hook per kind (kind@apiVersion). Which kinds v1 accepts is the SDK's kind table
 * (`write: 'v1'`); the type makes a hook missing for such a kind a compile error.
 */
export const V1_VALIDATION_HOOKS: ServerValidationHooks<'v1', JsonObject> = {
  'hashedrekord@0.0.1': validateHashedRekordV001,
  'dsse@0.0.1': validateDsseV001,
  'intoto@0.0.2': validateIntotoV002,
};

/** kind -> the apiVersions v1 accepts for it (for error messages). */
const V1_KINDS: ReadonlyMap<string, string[]> = writableKinds('v1').reduce((m, id) => {
  const row = ENTRY_KIND_TABLE[id];
  m.set(row.kind, [...(m.get(row.kind) ?? []), row.apiVersion]);
  return m;
}, new Map<string, string[]>());

/**
 * Validate a proposed entry (parsed JSON of the POST body): schema, encodings, the signature(s) really
 * verify, then canonicalize exactly as Rekor does. Throws EntryValidationError.
 */
export async function validateProposedEntry(json: unknown): Promise<ValidatedEntry> {
  return pool ? pool.validate(json) : validateProposedEntryInline(json);
}

const WORKER_URL = new URL('./validate-worker.js', import.meta.url);
let pool: ValidationPool | null = null;

/**
 * Starts the worker pool that `validateProposedEntry` uses (config `validationWorkers` >= 1, when
 * the worker script exists, i.e. running from dist/); returns it (the caller closes it on shutdown),
 * or null when validation stays inline.
 */
export function startValidationPool(workers: number, opts: { native: boolean }): ValidationPool | null {
  if (workers < 1 || !existsSync(fileURLToPath(WORKER_URL))) return null;
  const p = new ValidationPool(workers, WORKER_URL, { native: opts.native });
  pool = p;
  return p;
}

/** Stops `p` and, when it is the active pool, validates inline from then on. */
export async function stopValidationPool(p: ValidationPool): Promise<void> {
  if (pool === p) pool = null;
  await p.close();
}

/** The validation itself, on the calling thread (used inline and by the workers). */
export async function validateProposedEntryInline(json: unknown): Promise<ValidatedEntry> {
  if (!isObject(json))
    throw new EntryValidationError('INVALID_ENTRY', '$', 'proposed entry must be a JSON object');
  const kind = requireString(json, 'kind', 'kind');
  const versions = V1_KINDS.get(kind);
  if (!versions) {
    throw new EntryValidationError(
      'UNSUPPORTED_KIND',
      'kind',
      `kind ${JSON.stringify(kind)} is not supported (${[...V1_KINDS.keys()].join(', ')})`,
    );
  }
  const apiVersion = requireString(json, 'apiVersion', 'apiVersion');
  const id = entryKindId(kind, apiVersion);
  const validator =
    isEntryKindId(id) && entryKindOf(kind, apiVersion, 'v1')
      ? V1_VALIDATION_HOOKS[id as WritableKindId<'v1'>]
      : undefined;
  if (!validator) {
    throw new EntryValidationError(
      'UNSUPPORTED_KIND',
      'apiVersion',
      `${kind} ${JSON.stringify(apiVersion)} is not supported (${versions.join(', ')})`,
    );
  }
  const spec = requireObject(json, 'spec', 'spec');
  try {
    return await validator(spec);
  } catch (e) {
    if (e instanceof EntryValidationError) throw e;
    throw new EntryValidationError('INVALID_ENTRY', 'spec', 'entry could not be validated', { cause: e });
  }
}
