/**
 * Optional native crypto backend, injected by the host. The SDK's default entry never imports a
 * Node built-in (it must run in browsers); in Node, the package's `node` export condition loads
 * ../native-node.ts, which passes `node:crypto` to `useNativeCrypto` once (any host MAY also call it
 * itself). Then signature verification over messages runs synchronously in OpenSSL with the public
 * key parsed once per PublicKey object (KeyObjects cached in a WeakMap), skipping WebCrypto's
 * per-call thread-pool round trip, and SHA-2 digests (FIPS 180-4) — `digest`, `sha256`, RFC 6962
 * leaf hashes — run in OpenSSL instead of @noble/hashes. Results are identical: the same algorithms,
 * and OpenSSL sits behind WebCrypto in Node too.
 */

/** The subset of `node:crypto` the backend uses (structural, so no Node types leak in). */
export interface NativeCryptoModule {
  createPublicKey(
    key:
      | { key: Uint8Array; format: 'der'; type: 'spki' }
      | {
          key: { kty: 'EC'; crv: 'P-256'; x: string; y: string } | { kty: 'OKP'; crv: 'Ed25519'; x: string };
          format: 'jwk';
        },
  ): unknown;
  verify(
    algorithm: string | null | undefined,
    data: Uint8Array,
    key: unknown,
    signature: Uint8Array,
  ): boolean;
  /**
   * With a callback (node:crypto runs it on libuv's thread pool): used for the slow curves (P-384,
   * P-521, ~0.6 ms in OpenSSL 3.0), so a bundle's certificate and timestamp checks run beside the
   * rest of its verification instead of after it.
   */
  verify(
    algorithm: string | null | undefined,
    data: Uint8Array,
    key: unknown,
    signature: Uint8Array,
    callback: (error: Error | null, ok: boolean) => void,
  ): void;
  /** Streaming hash (node:crypto `createHash`); used for digests when present. */
  createHash?(algorithm: string): NativeHash;
  /**
   * One-shot hash (node:crypto `hash`, Node >= 20.12); preferred over createHash when present. The
   * SDK asks for 'latin1' output (one char per byte): a short string costs far less than a Buffer,
   * whose own ArrayBuffer the garbage collector must track (about half of a leaf hash's time).
   */
  hash?(algorithm: string, data: Uint8Array, outputEncoding: 'latin1'): string;
}

/** The subset of a node:crypto Hash object the backend uses. */
export interface NativeHash {
  update(data: Uint8Array): NativeHash;
  digest(): Uint8Array;
}

let native: NativeCryptoModule | undefined;
let hashOneShot: ((alg: string, data: Uint8Array) => Uint8Array) | undefined;
let hashToLatin1: ((alg: string, data: Uint8Array) => string) | undefined;
let hashStream: ((alg: string) => NativeHash) | undefined;

/**
 * Installs (or, with `undefined`, removes) the native backend. Throws INVALID_INPUT-free: a value
 * without `createPublicKey` and `verify` functions is ignored and returns false.
 */
export function useNativeCrypto(mod: NativeCryptoModule | undefined): boolean {
  if (mod === undefined) {
    native = undefined;
    hashOneShot = undefined;
    hashToLatin1 = undefined;
    hashStream = undefined;
    return true;
  }
  if (typeof mod?.createPublicKey !== 'function' || typeof mod?.verify !== 'function') return false;
  native = mod;
  const createHash = typeof mod.createHash === 'function' ? mod.createHash.bind(mod) : undefined;
  const hash = typeof mod.hash === 'function' ? mod.hash.bind(mod) : undefined;
  hashStream = createHash;
  hashToLatin1 = hash ? (alg, data) => hash(alg, data, 'latin1') : undefined;
  hashOneShot = hash
    ? (alg, data) => latin1Bytes(hash(alg, data, 'latin1'))
    : createHash
      ? (alg, data) => plain(createHash(alg).update(data).digest())
      : undefined;
  return true;
}

/** The bytes of a 'latin1' digest string (each char code is one byte), as a plain Uint8Array. */
function latin1Bytes(s: string): Uint8Array {
  const n = s.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** A plain Uint8Array view of a host byte array (in Node a Buffer subclass): callers get plain bytes. */
function plain(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * The native one-shot digest as a 'latin1' string (one char per byte), when the host provided one:
 * for a digest used only as a map key, this skips the bytes altogether.
 */
export function nativeDigestLatin1(): ((alg: string, data: Uint8Array) => string) | undefined {
  return hashToLatin1;
}

/** The native one-shot digest `(algorithm, data) => hash`, when the host provided one. */
export function nativeDigest(): ((alg: string, data: Uint8Array) => Uint8Array) | undefined {
  return hashOneShot;
}

/** Reused for prefix || data of small inputs (hashing is synchronous, so one buffer serves all). */
let scratch = new Uint8Array(1024);
const SCRATCH_MAX = 64 * 1024;

/**
 * SHA-256(prefix || data) natively, when the host provided a hash; undefined otherwise. Inputs up to
 * 64 KiB are copied behind the prefix into a reused buffer and hashed one-shot (no Hash object per
 * call: about twice the rate of createHash + two updates for log entries); larger ones stream.
 */
export function nativePrefixedSha256(prefix: Uint8Array, data: Uint8Array): Uint8Array | undefined {
  if (!(data instanceof Uint8Array)) return undefined;
  const n = prefix.length + data.length;
  if (hashOneShot !== undefined && n <= SCRATCH_MAX) {
    if (scratch.length < n) scratch = new Uint8Array(Math.min(SCRATCH_MAX, Math.max(n, 2 * scratch.length)));
    scratch.set(prefix, 0);
    scratch.set(data, prefix.length);
    return hashOneShot('sha256', scratch.subarray(0, n));
  }
  const h = hashStream;
  return h ? plain(h('sha256').update(prefix).update(data).digest()) : undefined;
}

/**
 * Writes SHA-256(prefix || data) into `out[offset .. offset + 32)` natively and returns true, when
 * the host provided a one-shot hash and the input fits the reused buffer; false otherwise (nothing
 * written). No allocation but the digest's short string: for hashing many leaves in a row.
 */
export function nativePrefixedSha256Into(
  prefix: Uint8Array,
  data: Uint8Array,
  out: Uint8Array,
  offset: number,
): boolean {
  const h = hashToLatin1;
  const n = prefix.length + data.length;
  if (h === undefined || n > SCRATCH_MAX) return false;
  if (scratch.length < n) scratch = new Uint8Array(Math.min(SCRATCH_MAX, Math.max(n, 2 * scratch.length)));
  scratch.set(prefix, 0);
  scratch.set(data, prefix.length);
  const s = h('sha256', scratch.subarray(0, n));
  for (let i = 0; i < 32; i++) out[offset + i] = s.charCodeAt(i);
  return true;
}

/** The installed native backend, if any. */
export function nativeCrypto(): NativeCryptoModule | undefined {
  return native;
}
