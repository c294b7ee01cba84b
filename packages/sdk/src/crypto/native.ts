/**
 * Optional native verification backend, injected by the host. The SDK never imports a Node
 * built-in (it must run in browsers); a Node host (server, CLI, benchmarks) MAY pass its
 * `node:crypto` module to `useNativeCrypto`, and signature verification over messages then runs
 * synchronously in OpenSSL with the public key parsed once per PublicKey object (KeyObjects cached
 * in a WeakMap), skipping WebCrypto's per-call thread-pool round trip. Results are identical:
 * OpenSSL sits behind both paths in Node.
 */

/** The subset of `node:crypto` the backend uses (structural, so no Node types leak in). */
export interface NativeCryptoModule {
  createPublicKey(key: { key: Uint8Array; format: 'der'; type: 'spki' }): unknown;
  verify(
    algorithm: string | null | undefined,
    data: Uint8Array,
    key: unknown,
    signature: Uint8Array,
  ): boolean;
}

let native: NativeCryptoModule | undefined;

/**
 * Installs (or, with `undefined`, removes) the native backend. Throws INVALID_INPUT-free: a value
 * without `createPublicKey` and `verify` functions is ignored and returns false.
 */
export function useNativeCrypto(mod: NativeCryptoModule | undefined): boolean {
  if (mod === undefined) {
    native = undefined;
    return true;
  }
  if (typeof mod?.createPublicKey !== 'function' || typeof mod?.verify !== 'function') return false;
  native = mod;
  return true;
}

/** The installed native backend, if any. */
export function nativeCrypto(): NativeCryptoModule | undefined {
  return native;
}
