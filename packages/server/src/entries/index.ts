/**
 * Server-side validation of proposed Rekor v1 entries (Rekor openapi `ProposedEntry`; kinds
 * hashedrekord 0.0.1, dsse 0.0.1, intoto 0.0.2). Public surface used by the routes, including the
 * key parsing and signature checks the Rekor v2 routes share with the v1 write path.
 */

export type { EntryErrorCode } from './errors.js';
export { ENTRY_ERROR_CODES, EntryValidationError, isEntryValidationError } from './errors.js';
export type { MessageSignatureOptions } from './message.js';
export { verifyMessage } from './message.js';
export { configureNative, verificationBackend } from './native.js';
export { type ValidationPool, ValidationWorkerExitedError } from './pool.js';
export type { DigestAlgorithm } from './prehashed.js';
export { verifyOverDigest } from './prehashed.js';
export type { SearchKeys, ValidatedEntry } from './types.js';
export { startValidationPool, stopValidationPool, validateProposedEntry } from './validate.js';
export type { KeyAlgorithm, ParsedVerifier } from './verifier.js';
export { parseVerifierDer } from './verifier.js';
