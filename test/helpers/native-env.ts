/**
 * vitest setup file: `SCRIBA_NATIVE=0 npm test` runs the pure-JS fallback's tests. The server reads no
 * environment outside its config module, so code under test that verifies prehashed signatures
 * directly (not through a configured server) is switched here, once per test file.
 */
import { configureNative } from '../../packages/server/src/entries/native.js';

if (process.env.SCRIBA_NATIVE === '0') configureNative(false);
