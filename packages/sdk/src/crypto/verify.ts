/**
 * Signature verification over a message: ECDSA (FIPS 186-5; DER or raw r||s signatures, high-S
 * accepted as OpenSSL and Go do), RSASSA-PKCS1-v1_5 and RSASSA-PSS (RFC 8017), Ed25519
 * (RFC 8032, pure). WebCrypto (`globalThis.crypto.subtle`) first; @noble/curves and the BigInt RSA
 * code when WebCrypto is absent or lacks the algorithm.
 *
 * Imported CryptoKeys are cached per PublicKey object (WeakMap) so repeated verification with one
 * key — checkpoints, SETs — costs one import. A signature that is malformed (bad DER, wrong
 * length) is simply not valid: the result is `false`. Invalid *options* throw.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { base64UrlEncode } from '../encoding.js';
import { ScribaError } from '../errors.js';
import { ecdsaDerToRaw } from './ecdsa-signature.js';
import { DIGEST_LENGTH, digest, type HashAlgorithm, isHashAlgorithm, webCryptoHashName } from './hash.js';
import { CURVE_BYTES, type EcCurve, nobleCurve, type PublicKey } from './keys.js';
import { type NativeCryptoModule, nativeCrypto } from './native.js';
import { rsaPkcs1VerifyDigest, rsaPssVerifyDigest } from './rsa.js';
import { VerificationCache } from './verification-cache.js';

export type VerifyOptions = {
  /** Message digest; default: by curve for ECDSA (P-256→sha256, P-384→sha384, P-521→sha512), sha256 for RSA. Ignored for Ed25519. */
  hash?: HashAlgorithm;
  /** RSA padding; default 'pkcs1'. */
  rsaPadding?: 'pkcs1' | 'pss';
  /** PSS salt length in bytes, or 'auto' (any); default: the digest length. */
  pssSaltLength?: number | 'auto';
  /** ECDSA signature encoding; default 'auto' (strict DER, else raw r||s of the exact width). */
  ecdsaFormat?: 'der' | 'raw' | 'auto';
  /**
   * A batch's memo (verification-cache.ts): a signature that verified with these exact key, options,
   * signature and data bytes is not verified again while the cache holds it. Failures are never kept.
   */
  cache?: VerificationCache;
};

const DEFAULT_CURVE_HASH: Record<EcCurve, HashAlgorithm> = {
  'P-256': 'sha256',
  'P-384': 'sha384',
  'P-521': 'sha512',
};

type Subtle = SubtleCrypto;
function subtle(): Subtle | undefined {
  return (globalThis as { crypto?: { subtle?: Subtle } }).crypto?.subtle;
}

// Per key: import parameters → CryptoKey (null when WebCrypto refused it: use the fallback).
const keyCache = new WeakMap<PublicKey, Map<string, Promise<CryptoKey | null>>>();
// Per key: the CryptoKey once imported, so the hot path skips awaiting the import promise.
const resolvedKeys = new WeakMap<PublicKey, Map<string, CryptoKey | null>>();
// Per key: the native KeyObject (see native.ts); `null` when the native backend refused the key.
const nativeKeys = new WeakMap<PublicKey, { mod: NativeCryptoModule; keyObject: unknown }>();

const RSA_PKCS1_PADDING = 1;
const RSA_PKCS1_PSS_PADDING = 6;

/**
 * The host's key for `key`. P-256 (uncompressed point) and Ed25519 keys go in as JWK — the same key,
 * already validated by parsePublicKey, that OpenSSL 3 imports in ~60% (P-256) and ~10% (Ed25519) of
 * the time its SPKI decoder takes; a Fulcio leaf key is imported once per certificate, so this is
 * per-bundle work. Other keys (P-384/P-521, whose JWK import is slower, RSA) go in as SPKI.
 */
function importNative(mod: NativeCryptoModule, key: PublicKey): unknown {
  try {
    if (key.kind === 'ecdsa' && key.curve === 'P-256' && key.point.length === 65 && key.point[0] === 4) {
      const x = base64UrlEncode(key.point.subarray(1, 33));
      const y = base64UrlEncode(key.point.subarray(33, 65));
      return mod.createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' });
    }
    if (key.kind === 'ed25519' && key.raw.length === 32) {
      return mod.createPublicKey({
        key: { kty: 'OKP', crv: 'Ed25519', x: base64UrlEncode(key.raw) },
        format: 'jwk',
      });
    }
  } catch {
    // A host module without JWK import: the SPKI below.
  }
  return mod.createPublicKey({ key: key.spki, format: 'der', type: 'spki' });
}

function nativeKeyFor(mod: NativeCryptoModule, key: PublicKey): unknown {
  const cached = nativeKeys.get(key);
  if (cached && cached.mod === mod) return cached.keyObject;
  let keyObject: unknown = null;
  try {
    keyObject = importNative(mod, key);
  } catch {
    keyObject = null;
  }
  nativeKeys.set(key, { mod, keyObject });
  return keyObject;
}

function verifyNative(
  mod: NativeCryptoModule,
  key: PublicKey,
  data: Uint8Array,
  sig: Uint8Array,
  o: { hash: HashAlgorithm; pss: boolean; saltLength: number | 'auto' },
): boolean | Promise<boolean> | undefined {
  const keyObject = nativeKeyFor(mod, key);
  if (keyObject === null) return undefined;
  try {
    switch (key.kind) {
      case 'ecdsa': {
        // `sig` is raw r||s here (normalized by the caller).
        const k = { key: keyObject, dsaEncoding: 'ieee-p1363' };
        if (key.curve === 'P-256') return mod.verify(o.hash, data, k, sig);
        // P-384 / P-521 cost ~10x P-256: on the thread pool, beside the caller's other work.
        return new Promise((resolve) => {
          try {
            const r: unknown = mod.verify(o.hash, data, k, sig, (err, ok) => resolve(!err && ok === true));
            // A host whose verify ignores the callback answered synchronously.
            if (typeof r === 'boolean') resolve(r);
          } catch {
            resolve(false);
          }
        });
      }
      case 'ed25519':
        return mod.verify(null, data, keyObject, sig);
      case 'rsa':
        return mod.verify(
          o.hash,
          data,
          o.pss
            ? { key: keyObject, padding: RSA_PKCS1_PSS_PADDING, saltLength: o.saltLength }
            : { key: keyObject, padding: RSA_PKCS1_PADDING },
          sig,
        );
    }
  } catch {
    return false;
  }
}

function importParams(
  key: PublicKey,
  hash: HashAlgorithm,
  pss: boolean,
): { id: string; alg: Parameters<Subtle['importKey']>[2] } {
  switch (key.kind) {
    case 'ecdsa':
      return { id: 'ecdsa', alg: { name: 'ECDSA', namedCurve: key.curve } };
    case 'ed25519':
      return { id: 'ed25519', alg: { name: 'Ed25519' } };
    case 'rsa': {
      const name = pss ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5';
      return { id: `${name}/${hash}`, alg: { name, hash: webCryptoHashName(hash) } };
    }
  }
}

function cryptoKeyFor(key: PublicKey, hash: HashAlgorithm, pss: boolean): Promise<CryptoKey | null> | null {
  const s = subtle();
  if (!s) return null;
  let perKey = keyCache.get(key);
  if (!perKey) {
    perKey = new Map();
    keyCache.set(key, perKey);
  }
  const { id, alg } = importParams(key, hash, pss);
  let p = perKey.get(id);
  if (!p) {
    p = s.importKey('spki', key.spki as Uint8Array<ArrayBuffer>, alg, false, ['verify']).then(
      (k) => k,
      () => null,
    );
    perKey.set(id, p);
  }
  return p;
}

/**
 * Checks the options against the key and fills in defaults. Throws DIGEST_UNSUPPORTED /
 * INVALID_INPUT for options that cannot apply.
 */
export function resolveOptions(
  key: PublicKey,
  opts: VerifyOptions | undefined,
): { hash: HashAlgorithm; pss: boolean; saltLength: number | 'auto'; ecdsaFormat: 'der' | 'raw' | 'auto' } {
  if (key === null || typeof key !== 'object' || !(key.spki instanceof Uint8Array)) {
    throw new ScribaError('INVALID_INPUT', 'key must be a PublicKey from parsePublicKey');
  }
  const o = opts ?? {};
  if (o.hash !== undefined && !isHashAlgorithm(o.hash)) {
    throw new ScribaError('DIGEST_UNSUPPORTED', `unsupported digest ${String(o.hash)}`);
  }
  const hash =
    o.hash ??
    (key.kind === 'ecdsa' ? DEFAULT_CURVE_HASH[key.curve] : key.kind === 'ed25519' ? 'sha512' : 'sha256');
  if (o.rsaPadding !== undefined && o.rsaPadding !== 'pkcs1' && o.rsaPadding !== 'pss') {
    throw new ScribaError('INVALID_INPUT', `unknown RSA padding ${String(o.rsaPadding)}`);
  }
  if (o.rsaPadding !== undefined && key.kind !== 'rsa') {
    throw new ScribaError('INVALID_INPUT', 'rsaPadding given for a non-RSA key');
  }
  const saltLength = o.pssSaltLength ?? DIGEST_LENGTH[hash];
  if (saltLength !== 'auto' && !(Number.isSafeInteger(saltLength) && saltLength >= 0)) {
    throw new ScribaError('INVALID_INPUT', 'pssSaltLength must be a non-negative integer or "auto"');
  }
  const ecdsaFormat = o.ecdsaFormat ?? 'auto';
  if (ecdsaFormat !== 'der' && ecdsaFormat !== 'raw' && ecdsaFormat !== 'auto') {
    throw new ScribaError('INVALID_INPUT', `unknown ECDSA signature format ${String(ecdsaFormat)}`);
  }
  if (o.cache !== undefined && !(o.cache instanceof VerificationCache)) {
    throw new ScribaError('INVALID_INPUT', 'cache must be a VerificationCache');
  }
  return { hash, pss: o.rsaPadding === 'pss', saltLength, ecdsaFormat };
}

/** The raw r||s form of an ECDSA signature in any accepted format, or null. */
export function ecdsaRawSignature(
  curve: EcCurve,
  signature: Uint8Array,
  format: 'der' | 'raw' | 'auto',
): Uint8Array | null {
  const n = CURVE_BYTES[curve];
  if (format !== 'raw') {
    const raw = ecdsaDerToRaw(signature, n);
    if (raw || format === 'der') return raw;
  }
  return signature.length === 2 * n ? signature : null;
}

function checkBytes(b: unknown, what: string): asserts b is Uint8Array {
  if (!(b instanceof Uint8Array)) throw new ScribaError('INVALID_INPUT', `${what} must be a Uint8Array`);
}

/**
 * Verifies `signature` over `data` with `key`. Resolves true/false; throws only for unusable
 * arguments (not a key, unsupported options).
 */
export async function verifySignature(
  key: PublicKey,
  data: Uint8Array,
  signature: Uint8Array,
  opts?: VerifyOptions,
): Promise<boolean> {
  const o = resolveOptions(key, opts);
  checkBytes(data, 'data');
  checkBytes(signature, 'signature');
  let sig = signature;
  if (key.kind === 'ecdsa') {
    const raw = ecdsaRawSignature(key.curve, signature, o.ecdsaFormat);
    if (!raw) return false;
    sig = raw;
  } else if (key.kind === 'ed25519') {
    if (signature.length !== 64) return false;
  } else if (o.pss && o.saltLength === 'auto') {
    // WebCrypto needs a fixed salt length; recover it in JS.
    return rsaPssVerifyDigest(key, o.hash, digest(o.hash, data), signature, 'auto');
  }
  const cache = opts?.cache;
  if (cache === undefined) return verifyResolved(key, data, sig, o);
  // Everything the answer depends on is in the memo's input: the key's SPKI, the resolved hash and
  // padding, the (normalized) signature and the data.
  const params = paramsBytes(o.hash, o.pss, o.saltLength);
  return cache.memo(
    'signature',
    [key.spki, params, sig, data],
    () => verifyResolved(key, data, sig, o),
    isTrue,
  );
}

const ENCODER = new TextEncoder();
const PARAMS = new Map<string, Uint8Array>();

/** The resolved options as bytes for the memo's input (a few distinct values: encoded once each). */
function paramsBytes(hash: HashAlgorithm, pss: boolean, saltLength: number | 'auto'): Uint8Array {
  const s = `${hash}/${pss ? `pss/${saltLength}` : 'pkcs1'}`;
  let b = PARAMS.get(s);
  if (b === undefined) {
    b = ENCODER.encode(s);
    if (PARAMS.size < 256) PARAMS.set(s, b);
  }
  return b;
}
const isTrue = (ok: boolean) => ok === true;

async function verifyResolved(
  key: PublicKey,
  data: Uint8Array,
  sig: Uint8Array,
  o: { hash: HashAlgorithm; pss: boolean; saltLength: number | 'auto' },
): Promise<boolean> {
  const mod = nativeCrypto();
  if (mod) {
    const r = verifyNative(mod, key, data, sig, o);
    if (r !== undefined) return r;
  }
  const id = importParams(key, o.hash, o.pss).id;
  let ck = resolvedKeys.get(key)?.get(id);
  if (ck === undefined) {
    const pending = cryptoKeyFor(key, o.hash, o.pss);
    ck = pending ? await pending : null;
    if (pending) {
      let m = resolvedKeys.get(key);
      if (!m) {
        m = new Map();
        resolvedKeys.set(key, m);
      }
      m.set(id, ck);
    }
  }
  if (ck) {
    const s = subtle() as Subtle;
    const alg: Parameters<Subtle['verify']>[0] =
      key.kind === 'ecdsa'
        ? { name: 'ECDSA', hash: webCryptoHashName(o.hash) }
        : key.kind === 'ed25519'
          ? { name: 'Ed25519' }
          : o.pss
            ? { name: 'RSA-PSS', saltLength: o.saltLength as number }
            : { name: 'RSASSA-PKCS1-v1_5' };
    try {
      return await s.verify(alg, ck, sig as Uint8Array<ArrayBuffer>, data as Uint8Array<ArrayBuffer>);
    } catch {
      // Some engines throw on out-of-range signatures instead of returning false.
      return false;
    }
  }
  return verifyFallback(key, data, sig, o.hash, o.pss, o.saltLength);
}

/** Pure-JS verification (noble for ECDSA/Ed25519, BigInt RSA). Exposed for tests and benchmarks. */
export function verifyFallback(
  key: PublicKey,
  data: Uint8Array,
  sig: Uint8Array,
  hash: HashAlgorithm,
  pss: boolean,
  saltLength: number | 'auto',
): boolean {
  try {
    switch (key.kind) {
      case 'ecdsa':
        return nobleCurve(key.curve).verify(sig, digest(hash, data), key.point, {
          prehash: false,
          lowS: false,
          format: 'compact',
        });
      case 'ed25519':
        // zip215: false gives RFC 8032 / FIPS 186-5 strict decoding, matching OpenSSL.
        return ed25519.verify(sig, data, key.raw, { zip215: false });
      case 'rsa':
        return pss
          ? rsaPssVerifyDigest(key, hash, digest(hash, data), sig, saltLength)
          : rsaPkcs1VerifyDigest(key, hash, digest(hash, data), sig);
    }
  } catch {
    return false;
  }
}
