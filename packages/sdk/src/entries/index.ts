/**
 * Rekor entry kinds (Rekor `pkg/types`, rekor-tiles v2): parsing of canonical bodies for the binding
 * check, and canonicalization of proposed v1 entries and v2 requests, so the server logs exactly
 * the bytes the verifier later parses.
 */
export * from './body.js';
export * from './canonicalize.js';
export * from './canonicalize-v2.js';
export * from './requests.js';
