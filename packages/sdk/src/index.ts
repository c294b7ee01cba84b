/**
 * @scriba/sdk: isomorphic verification primitives for transparency logs and Sigstore bundles.
 * Subpath exports (`@scriba/sdk/merkle`, `/tiles`, `/tiles/client`, `/note`, `/crypto`, `/encoding`,
 * ...) are the stable API; this root re-exports every one of them for convenience, so a name MUST
 * mean one thing across modules (the compiler rejects an ambiguous `export *`).
 */

export * from './bundle/index.js';
export * from './crypto/index.js';
export * from './encoding.js';
export * from './entries/index.js';
export * from './errors.js';
export * from './merkle/index.js';
export * from './note/index.js';
export * from './tiles/client.js';
export * from './tiles/index.js';
export * from './verify/index.js';
export * from './x509/index.js';
