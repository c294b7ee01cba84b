/**
 * RSA signature verification in pure JS (RFC 8017): RSAVP1 with BigInt modular exponentiation,
 * then EMSA-PKCS1-v1_5 (§9.2, compared by re-encoding) or EMSA-PSS (§9.1.2, MGF1 with the same
 * hash). Used when WebCrypto is unavailable and for prehashed verification (WebCrypto and
 * node:crypto always hash the message themselves). Public data only: not constant time.
 */
import { bytesEqual, concatBytes, hexDecode } from '../encoding.js';
import { bigIntToBytes, bytesToBigInt } from './der.js';
import { DIGEST_LENGTH, digest, type HashAlgorithm } from './hash.js';
import type { RsaPublicKey } from './keys.js';

// DER of DigestInfo up to (and including) the OCTET STRING header, per RFC 8017 §9.2 note 1.
const DIGEST_INFO_PREFIX: Record<HashAlgorithm, Uint8Array> = {
  sha256: hexDecode('3031300d060960864801650304020105000420'),
  sha384: hexDecode('3041300d060960864801650304020205000430'),
  sha512: hexDecode('3051300d060960864801650304020305000440'),
};

/**
 * The DER DigestInfo header (AlgorithmIdentifier and OCTET STRING header) that precedes a `hash`
 * digest in an EMSA-PKCS1-v1_5 encoding (RFC 8017 §9.2 note 1). Callers MUST NOT modify it.
 */
export function rsaDigestInfoPrefix(hash: HashAlgorithm): Uint8Array {
  return DIGEST_INFO_PREFIX[hash];
}

/** The DER DigestInfo of `digest` (what RSA PKCS#1 v1.5 signs, RFC 8017 §9.2). */
export function digestInfo(hash: HashAlgorithm, digest: Uint8Array): Uint8Array {
  return concatBytes(DIGEST_INFO_PREFIX[hash], digest);
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    e >>= 1n;
    if (e > 0n) b = (b * b) % mod;
  }
  return result;
}

/** RSAVP1: s^e mod n as a k-byte string, or null when the signature is out of range. */
function rsavp1(key: RsaPublicKey, signature: Uint8Array): Uint8Array | null {
  if (signature.length !== key.byteLength) return null;
  const s = bytesToBigInt(signature);
  if (s >= key.n) return null;
  return bigIntToBytes(modPow(s, key.e, key.n), key.byteLength);
}

/** RSASSA-PKCS1-v1_5 verification given the message digest. */
export function rsaPkcs1VerifyDigest(
  key: RsaPublicKey,
  hash: HashAlgorithm,
  messageDigest: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (messageDigest.length !== DIGEST_LENGTH[hash]) return false;
  const em = rsavp1(key, signature);
  if (!em) return false;
  const t = concatBytes(DIGEST_INFO_PREFIX[hash], messageDigest);
  const k = key.byteLength;
  if (k < t.length + 11) return false;
  const expected = new Uint8Array(k);
  expected[1] = 0x01;
  expected.fill(0xff, 2, k - t.length - 1);
  expected[k - t.length - 1] = 0x00;
  expected.set(t, k - t.length);
  return bytesEqual(em, expected);
}

function mgf1(hash: HashAlgorithm, seed: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len);
  const hLen = DIGEST_LENGTH[hash];
  const buf = new Uint8Array(seed.length + 4);
  buf.set(seed, 0);
  for (let counter = 0, o = 0; o < len; counter++, o += hLen) {
    buf[seed.length] = (counter >>> 24) & 0xff;
    buf[seed.length + 1] = (counter >>> 16) & 0xff;
    buf[seed.length + 2] = (counter >>> 8) & 0xff;
    buf[seed.length + 3] = counter & 0xff;
    const h = digest(hash, buf);
    out.set(h.subarray(0, Math.min(hLen, len - o)), o);
  }
  return out;
}

/**
 * RSASSA-PSS verification given the message digest. `saltLength` 'auto' accepts any salt length
 * (recovered from the padding); a number requires exactly that length.
 */
export function rsaPssVerifyDigest(
  key: RsaPublicKey,
  hash: HashAlgorithm,
  messageDigest: Uint8Array,
  signature: Uint8Array,
  saltLength: number | 'auto',
): boolean {
  const hLen = DIGEST_LENGTH[hash];
  if (messageDigest.length !== hLen) return false;
  const full = rsavp1(key, signature);
  if (!full) return false;
  const emBits = key.bits - 1;
  const emLen = Math.ceil(emBits / 8);
  // I2OSP(m, emLen): when emLen < k the extra leading byte MUST be zero.
  if (full.length > emLen && full[0] !== 0) return false;
  const em = full.subarray(full.length - emLen);
  if (emLen < hLen + 2) return false;
  if (em[emLen - 1] !== 0xbc) return false;
  const dbLen = emLen - hLen - 1;
  const maskedDB = em.subarray(0, dbLen);
  const h = em.subarray(dbLen, dbLen + hLen);
  const zeroBits = 8 * emLen - emBits;
  const topMask = zeroBits === 0 ? 0 : (0xff << (8 - zeroBits)) & 0xff;
  if (((maskedDB[0] as number) & topMask) !== 0) return false;
  const db = mgf1(hash, h, dbLen);
  for (let i = 0; i < dbLen; i++) db[i] = (db[i] as number) ^ (maskedDB[i] as number);
  db[0] = (db[0] as number) & ~topMask & 0xff;
  let i = 0;
  while (i < dbLen && db[i] === 0) i++;
  if (i >= dbLen || db[i] !== 0x01) return false;
  const salt = db.subarray(i + 1);
  if (saltLength !== 'auto' && salt.length !== saltLength) return false;
  if (emLen < hLen + salt.length + 2) return false;
  const mPrime = new Uint8Array(8 + hLen + salt.length);
  mPrime.set(messageDigest, 8);
  mPrime.set(salt, 8 + hLen);
  return bytesEqual(digest(hash, mPrime), h);
}
