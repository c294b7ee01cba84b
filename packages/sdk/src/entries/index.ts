/**
 * Rekor entry kinds: canonical bodies (parsing for the binding check; canonicalization lives beside).
 */
export * from './body.js';
export * from './canonicalize.js';
export * from './canonicalize-v2.js';
