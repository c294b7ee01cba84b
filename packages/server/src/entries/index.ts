/**
 * Server-side validation of proposed Rekor v1 entries (Rekor openapi `ProposedEntry`; kinds
 * hashedrekord 0.0.1, dsse 0.0.1, intoto 0.0.2). Public surface used by the routes.
 */

export type { EntryErrorCode } from './errors.js';
export { ENTRY_ERROR_CODES, EntryValidationError, isEntryValidationError } from './errors.js';
export { verificationBackend } from './native.js';
export type { SearchKeys, ValidatedEntry } from './types.js';
export { validateProposedEntry } from './validate.js';
