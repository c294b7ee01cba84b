/**
 * X.509 for the Sigstore verifier: certificates (RFC 5280), path validation to trusted authorities,
 * embedded SCTs (RFC 6962), Fulcio identity extensions, RFC 3161 timestamps.
 */
export * from './certificate.js';
export * from './chain.js';
export * from './sct.js';
export * from './timestamp.js';
export * from './timestamp-request.js';
