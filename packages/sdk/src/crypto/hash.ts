/**
 * Message digests (FIPS 180-4 SHA-256/384/512), synchronous: the host's native hash when one was
 * handed in (native.ts; in Node, OpenSSL through node:crypto), else @noble/hashes (browsers).
 * WebCrypto's digest is async only; verification paths that need a digest inline use these.
 */
import { sha256 as nobleSha256, sha384 as nobleSha384, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import { ScribaError } from '../errors.js';
import { nativeDigest } from './native.js';

export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

export function sha256(b: Uint8Array): Uint8Array {
  return digest('sha256', b);
}

export function sha384(b: Uint8Array): Uint8Array {
  return digest('sha384', b);
}

export function sha512(b: Uint8Array): Uint8Array {
  return digest('sha512', b);
}

/** Output length in bytes of each supported digest. */
export const DIGEST_LENGTH: Readonly<Record<HashAlgorithm, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** True when `alg` names a supported digest. */
export function isHashAlgorithm(alg: unknown): alg is HashAlgorithm {
  return alg === 'sha256' || alg === 'sha384' || alg === 'sha512';
}

/** Digest of `b` with the named algorithm; unknown names throw DIGEST_UNSUPPORTED. */
export function digest(alg: HashAlgorithm, b: Uint8Array): Uint8Array {
  const native = nativeDigest();
  if (native !== undefined && b instanceof Uint8Array && isHashAlgorithm(alg)) return native(alg, b);
  switch (alg) {
    case 'sha256':
      return nobleSha256(b);
    case 'sha384':
      return nobleSha384(b);
    case 'sha512':
      return nobleSha512(b);
    default:
      throw new ScribaError('DIGEST_UNSUPPORTED', `unsupported digest ${String(alg)}`);
  }
}

/** WebCrypto's name for a digest. */
export function webCryptoHashName(alg: HashAlgorithm): 'SHA-256' | 'SHA-384' | 'SHA-512' {
  return alg === 'sha256' ? 'SHA-256' : alg === 'sha384' ? 'SHA-384' : 'SHA-512';
}
