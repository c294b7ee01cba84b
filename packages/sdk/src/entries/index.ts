/**
 * Rekor entry kinds (Rekor `pkg/types`, rekor-tiles v2), one folder per kind and version under
 * ./kinds behind one registry: parsing of canonical bodies for the binding check, canonicalization
 * of proposed v1 entries and v2 requests (so the server logs exactly the bytes the verifier later
 * parses), search-index keys, and the binding of a body to a bundle.
 */
export * from './body.js';
export * from './canonicalize-v2.js';
export * from './kinds/index.js';
export * from './requests.js';
export * from './search-keys.js';
export * from './stored-body.js';
export * from './uuid.js';
