/**
 * Coded errors for server-side validation of proposed Rekor v1 entries
 * (POST /api/v1/log/entries, Rekor openapi `ProposedEntry`).
 *
 * Every rejection MUST carry a code from the closed union below and the JSON path of the offending
 * field (e.g. `spec.signature.publicKey.content`), so the route can answer 400 `{code, message}` and
 * tests can assert the code and field, never the message.
 */

export const ENTRY_ERROR_CODES = [
  /** The request is not a well-formed proposed entry (wrong type, missing field, bad encoding, size). */
  'INVALID_ENTRY',
  /** `kind` / `apiVersion` is not one this log accepts. */
  'UNSUPPORTED_KIND',
  /** The key or certificate parses but is of a type or algorithm this log does not accept. */
  'UNSUPPORTED_KEY',
  /** The digest algorithm is not one the kind allows. */
  'UNSUPPORTED_HASH',
  /** A signature is well-formed but does not verify with the given key over the given content. */
  'SIGNATURE_INVALID',
] as const;

export type EntryErrorCode = (typeof ENTRY_ERROR_CODES)[number];

/** A rejected proposed entry: `code` says why, `field` names the offending JSON path. */
export class EntryValidationError extends Error {
  readonly code: EntryErrorCode;
  readonly field: string;

  constructor(code: EntryErrorCode, field: string, message: string, options?: { cause?: unknown }) {
    super(`${field}: ${message}`, options);
    this.name = 'EntryValidationError';
    this.code = code;
    this.field = field;
  }
}

/** True when `e` is an EntryValidationError (optionally with the given code). */
export function isEntryValidationError(e: unknown, code?: EntryErrorCode): e is EntryValidationError {
  return e instanceof EntryValidationError && (code === undefined || e.code === code);
}
