/**
 * Keys, digests, signatures and canonical JSON for @scriba/sdk: SPKI/PEM key parsing (RFC 5280,
 * RFC 5480, RFC 8410, RFC 8017), SHA-2 digests (FIPS 180-4), signature verification (ECDSA,
 * RSA PKCS#1 v1.5 / PSS, Ed25519) over messages or digests, and RFC 8785 canonical JSON.
 */
export { canonicalJson, canonicalJsonBytes } from './canonical-json.js';
export { encodeTlv } from './der.js';
export { ecdsaDerToRaw, ecdsaRawToDer } from './ecdsa-signature.js';
export {
  DIGEST_LENGTH,
  digest,
  type HashAlgorithm,
  isHashAlgorithm,
  sha256,
  sha384,
  sha512,
} from './hash.js';
export {
  checkKeyPolicy,
  isSupportedCurve,
  KEY_POLICY,
  type KeyShape,
  RSA_MAX_BITS,
  RSA_MIN_BITS,
} from './key-policy.js';
export {
  CURVE_BYTES,
  type EcCurve,
  type EcdsaPublicKey,
  type Ed25519PublicKey,
  ed25519PublicKeyFromRaw,
  type PublicKey,
  parsePublicKey,
  publicKeyToPem,
  type RsaPublicKey,
} from './keys.js';
export { type NativeCryptoModule, useNativeCrypto } from './native.js';
export { type PemBlock, pemDecode, pemDecodeAll, pemEncode } from './pem.js';
export { verifySignatureOverDigest } from './prehashed.js';
export { digestInfo, rsaDigestInfoPrefix } from './rsa.js';
export {
  createVerificationCache,
  VerificationCache,
  type VerificationCacheOptions,
} from './verification-cache.js';
export { type VerifyOptions, verifySignature } from './verify.js';
