/**
 * Entry point of proposed-entry validation (Rekor v1 `ProposedEntry`, openapi discriminator
 * `kind`): checks the envelope fields and dispatches on kind/apiVersion to hashedrekord 0.0.1,
 * dsse 0.0.1 or intoto 0.0.2. Anything else is UNSUPPORTED_KIND. Every failure is an
 * EntryValidationError; no other exception escapes (an unexpected one becomes INVALID_ENTRY).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateDsseV001 } from './dsse-v001.js';
import { EntryValidationError } from './errors.js';
import { isObject, type JsonObject, requireObject, requireString } from './fields.js';
import { validateHashedRekordV001 } from './hashedrekord-v001.js';
import { validateIntotoV002 } from './intoto-v002.js';
import { ValidationPool } from './pool.js';
import type { ValidatedEntry } from './types.js';

type KindValidator = (spec: JsonObject) => Promise<ValidatedEntry>;

/** kind -> apiVersion -> validator. */
export const SUPPORTED_KINDS: Readonly<Record<string, Readonly<Record<string, KindValidator>>>> = {
  hashedrekord: { '0.0.1': validateHashedRekordV001 },
  dsse: { '0.0.1': validateDsseV001 },
  intoto: { '0.0.2': validateIntotoV002 },
};

/**
 * Validate a proposed entry (parsed JSON of the POST body): schema, encodings, the signature(s) really
 * verify, then canonicalize exactly as Rekor does. Throws EntryValidationError.
 */
export async function validateProposedEntry(json: unknown): Promise<ValidatedEntry> {
  const p = validationPool();
  return p ? p.validate(json) : validateProposedEntryInline(json);
}

const WORKER_URL = new URL('./validate-worker.js', import.meta.url);
let pool: ValidationPool | null | undefined;

/** The worker pool when SCRIBA_VALIDATION_WORKERS >= 1 and the worker script exists (dist/), else null. */
export function validationPool(): ValidationPool | null {
  if (pool === undefined) {
    const n = Number(process.env.SCRIBA_VALIDATION_WORKERS ?? '0');
    pool =
      Number.isSafeInteger(n) && n >= 1 && existsSync(fileURLToPath(WORKER_URL))
        ? new ValidationPool(Math.min(n, 16), WORKER_URL)
        : null;
  }
  return pool;
}

/** The validation itself, on the calling thread (used inline and by the workers). */
export async function validateProposedEntryInline(json: unknown): Promise<ValidatedEntry> {
  if (!isObject(json))
    throw new EntryValidationError('INVALID_ENTRY', '$', 'proposed entry must be a JSON object');
  const kind = requireString(json, 'kind', 'kind');
  const versions = Object.hasOwn(SUPPORTED_KINDS, kind) ? SUPPORTED_KINDS[kind] : undefined;
  if (!versions) {
    throw new EntryValidationError(
      'UNSUPPORTED_KIND',
      'kind',
      `kind ${JSON.stringify(kind)} is not supported (${Object.keys(SUPPORTED_KINDS).join(', ')})`,
    );
  }
  const apiVersion = requireString(json, 'apiVersion', 'apiVersion');
  const validator = Object.hasOwn(versions, apiVersion) ? versions[apiVersion] : undefined;
  if (!validator) {
    throw new EntryValidationError(
      'UNSUPPORTED_KIND',
      'apiVersion',
      `${kind} ${JSON.stringify(apiVersion)} is not supported (${Object.keys(versions).join(', ')})`,
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
