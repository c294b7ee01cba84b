/**
 * Loader for the optional native prehashed-verification addon (packages/server/native, N-API over
 * the OpenSSL inside node). The addon is built by `node packages/server/native/build.mjs` (run by
 * the root build); when it is missing or fails to load, `nativeVerifier()` returns null and callers
 * MUST fall back to the pure-JS verifier. `configureNative(false)` (the server does it for
 * SCRIBA_NATIVE=0, read by config.ts) disables it (used by the tests that compare the two paths,
 * and by operators who distrust the addon).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Opaque per-key handle owned by the addon (an EVP_PKEY plus initialised contexts). */
export type NativeKeyHandle = { readonly __nativeKey: unique symbol };

export type NativeVerifier = {
  parseKey(spkiDer: Uint8Array): NativeKeyHandle | null;
  keyInfo(handle: NativeKeyHandle): { type: 'ec' | 'rsa' | 'ed25519' | 'other'; bits: number };
  verifyDigest(
    handle: NativeKeyHandle,
    hash: 'sha256' | 'sha384' | 'sha512',
    digest: Uint8Array,
    sig: Uint8Array,
  ): boolean;
};

// src/entries/native.ts and dist/entries/native.js are both two levels below packages/server.
const ADDON_URL = new URL('../../native/build/Release/scriba_verify.node', import.meta.url);

let loaded: NativeVerifier | null | undefined;
let loadError: string | undefined;
let enabled = true;

/**
 * Turns the addon on or off for this process (and, through the validation pool, its workers). Call
 * before the first verification; `false` makes `nativeVerifier()` return null from then on.
 */
export function configureNative(on: boolean): void {
  if (on === enabled) return;
  enabled = on;
  loaded = undefined;
  loadError = undefined;
}

/** The addon, or null when it is unavailable or disabled (then `nativeLoadError()` says why). */
export function nativeVerifier(): NativeVerifier | null {
  if (loaded !== undefined) return loaded;
  if (!enabled) {
    loadError = 'disabled by SCRIBA_NATIVE=0';
    loaded = null;
    return loaded;
  }
  try {
    const require = createRequire(import.meta.url);
    const mod = require(fileURLToPath(ADDON_URL)) as NativeVerifier;
    if (typeof mod.parseKey !== 'function' || typeof mod.verifyDigest !== 'function') {
      throw new Error('unexpected addon exports');
    }
    loaded = mod;
  } catch (e) {
    loadError = e instanceof Error ? e.message : String(e);
    loaded = null;
  }
  return loaded;
}

/** Why the addon is not in use (undefined when it is, or was not tried yet). */
export function nativeLoadError(): string | undefined {
  return loadError;
}

/** Which prehashed-verification path the write path uses, for the startup log and /metrics. */
export function verificationBackend(): { native: boolean; reason?: string } {
  const n = nativeVerifier();
  return n ? { native: true } : { native: false, reason: nativeLoadError() ?? 'unknown' };
}
