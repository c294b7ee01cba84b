/**
 * @scriba/sdk: isomorphic verification primitives for transparency logs and Sigstore bundles.
 * Subpath exports (`@scriba/sdk/merkle`, `/tiles`, `/note`, `/crypto`, ...) are the stable API;
 * this root re-exports them for convenience.
 */

export { parseBundle, parseTrustedRoot } from './bundle/index.js';
export * from './crypto/index.js';
export * from './encoding.js';
export * from './errors.js';
export * from './merkle/index.js';
export * from './note/index.js';
export * from './tiles/index.js';
export * from './verify/index.js';
