/**
 * Public keys from SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), PEM or DER:
 * ECDSA on P-256/P-384/P-521 (RFC 5480), Ed25519 (RFC 8410), RSA 2048–4096 bits (RFC 8017,
 * rsaEncryption), as the one key policy (./key-policy.ts) says. Points are validated on parse (on the curve, not the identity) so a bad key is
 * reported as KEY_INVALID once, not as a verification failure later. Unsupported algorithms or
 * curves throw KEY_UNSUPPORTED; malformed DER throws INVALID_DER; bad PEM throws INVALID_PEM.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { ScribaError } from '../errors.js';
import {
  bitStringBytes,
  bytesToBigInt,
  children,
  decodeOid,
  encodeTlv,
  parseSingle,
  TAG_BIT_STRING,
  TAG_INTEGER,
  TAG_NULL,
  TAG_OID,
  TAG_SEQUENCE,
  unsignedIntegerBytes,
} from './der.js';
import { checkKeyPolicy, type EcCurve } from './key-policy.js';
import { pemDecode, pemEncode } from './pem.js';

export type { EcCurve } from './key-policy.js';
export { RSA_MAX_BITS, RSA_MIN_BITS } from './key-policy.js';

/** An ECDSA public key: SPKI bytes and the SEC1 point (as encoded in the SPKI). */
export type EcdsaPublicKey = { kind: 'ecdsa'; curve: EcCurve; spki: Uint8Array; point: Uint8Array };
/** An Ed25519 public key: SPKI bytes and the 32-byte RFC 8032 encoding. */
export type Ed25519PublicKey = { kind: 'ed25519'; spki: Uint8Array; raw: Uint8Array };
/** An RSA public key: SPKI bytes, modulus size in bits, modulus and exponent. */
export type RsaPublicKey = {
  kind: 'rsa';
  spki: Uint8Array;
  bits: number;
  n: bigint;
  e: bigint;
  /** Modulus size in bytes (k in RFC 8017). */
  byteLength: number;
};
export type PublicKey = EcdsaPublicKey | Ed25519PublicKey | RsaPublicKey;

export const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
export const OID_ED25519 = '1.3.101.112';
export const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const CURVE_OIDS: Record<string, EcCurve> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
};

/** Field/scalar size in bytes per curve (the length of r and s in a raw signature). */
export const CURVE_BYTES: Readonly<Record<EcCurve, number>> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };

/** The noble implementation of each curve. */
export function nobleCurve(curve: EcCurve): typeof p256 {
  return curve === 'P-256' ? p256 : curve === 'P-384' ? p384 : p521;
}

function keyInvalid(msg: string, cause?: unknown): never {
  throw new ScribaError('KEY_INVALID', msg, cause === undefined ? undefined : { cause });
}

/**
 * Parses a SubjectPublicKeyInfo given as PEM text (`PUBLIC KEY` block) or DER bytes.
 */
export function parsePublicKey(pemOrDer: string | Uint8Array): PublicKey {
  let der: Uint8Array;
  if (typeof pemOrDer === 'string') {
    der = pemDecode(pemOrDer, 'PUBLIC KEY').der;
  } else if (pemOrDer instanceof Uint8Array) {
    der = pemOrDer;
  } else {
    throw new ScribaError('INVALID_INPUT', 'public key must be PEM text or DER bytes');
  }
  // Copy so later mutation of the caller's buffer cannot change a parsed (and cached) key.
  const spki = der.slice();
  const top = children(parseSingle(spki, TAG_SEQUENCE, 'SubjectPublicKeyInfo'));
  if (top.length !== 2) throw new ScribaError('INVALID_DER', 'SubjectPublicKeyInfo: expected 2 elements');
  const [algTlv, keyTlv] = top as [(typeof top)[0], (typeof top)[0]];
  if (algTlv.tag !== TAG_SEQUENCE || keyTlv.tag !== TAG_BIT_STRING) {
    throw new ScribaError('INVALID_DER', 'SubjectPublicKeyInfo: bad element types');
  }
  const alg = children(algTlv.value);
  if (alg.length < 1 || alg.length > 2 || alg[0]?.tag !== TAG_OID) {
    throw new ScribaError('INVALID_DER', 'AlgorithmIdentifier: malformed');
  }
  const oid = decodeOid(alg[0].value);
  const params = alg[1];
  const keyBytes = bitStringBytes(keyTlv.value);

  if (oid === OID_EC_PUBLIC_KEY) {
    if (params?.tag !== TAG_OID) {
      throw new ScribaError(
        'KEY_UNSUPPORTED',
        'EC key without a named curve (explicit parameters are not supported)',
      );
    }
    const curveOid = decodeOid(params.value);
    const curve = CURVE_OIDS[curveOid];
    if (!curve) throw new ScribaError('KEY_UNSUPPORTED', `EC curve ${curveOid} is not supported`);
    checkKeyPolicy({ kind: 'ecdsa', curve });
    try {
      nobleCurve(curve).Point.fromBytes(keyBytes).assertValidity();
    } catch (cause) {
      keyInvalid(`invalid ${curve} point`, cause);
    }
    return { kind: 'ecdsa', curve, spki, point: keyBytes.slice() };
  }
  if (oid === OID_ED25519) {
    if (params !== undefined)
      throw new ScribaError('INVALID_DER', 'Ed25519 AlgorithmIdentifier has parameters');
    if (keyBytes.length !== 32) keyInvalid('Ed25519 key must be 32 bytes');
    try {
      ed25519.Point.fromBytes(keyBytes);
    } catch (cause) {
      keyInvalid('invalid Ed25519 point', cause);
    }
    return { kind: 'ed25519', spki, raw: keyBytes.slice() };
  }
  if (oid === OID_RSA_ENCRYPTION) {
    if (params !== undefined && (params.tag !== TAG_NULL || params.value.length !== 0)) {
      throw new ScribaError('INVALID_DER', 'rsaEncryption parameters must be NULL');
    }
    const rsa = children(parseSingle(keyBytes, TAG_SEQUENCE, 'RSAPublicKey'));
    if (rsa.length !== 2 || rsa[0]?.tag !== TAG_INTEGER || rsa[1]?.tag !== TAG_INTEGER) {
      throw new ScribaError('INVALID_DER', 'RSAPublicKey: expected two INTEGERs');
    }
    const nBytes = unsignedIntegerBytes(rsa[0].value);
    const eBytes = unsignedIntegerBytes(rsa[1].value);
    const n = bytesToBigInt(nBytes);
    const e = bytesToBigInt(eBytes);
    const bits = n.toString(2).length;
    checkKeyPolicy({ kind: 'rsa', bits });
    if ((n & 1n) === 0n) keyInvalid('RSA modulus is even');
    if (e < 3n || (e & 1n) === 0n || e >= n) keyInvalid('RSA exponent out of range');
    return { kind: 'rsa', spki, bits, n, e, byteLength: Math.ceil(bits / 8) };
  }
  checkKeyPolicy({ kind: 'other', name: oid }); // throws KEY_UNSUPPORTED
  throw new ScribaError('KEY_UNSUPPORTED', `unsupported public key algorithm ${oid}`);
}

/** PEM (`PUBLIC KEY`) encoding of a parsed key's SPKI. */
export function publicKeyToPem(key: PublicKey): string {
  return pemEncode(key.spki, 'PUBLIC KEY');
}

// DER of AlgorithmIdentifier { id-Ed25519 } (RFC 8410 §3).
const ED25519_ALG_ID = Uint8Array.of(0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70);

/** Builds the SPKI for a raw 32-byte Ed25519 public key and parses it. */
export function ed25519PublicKeyFromRaw(raw: Uint8Array): Ed25519PublicKey {
  if (!(raw instanceof Uint8Array) || raw.length !== 32) keyInvalid('Ed25519 key must be 32 bytes');
  const bits = new Uint8Array(33);
  bits.set(raw, 1);
  const body = new Uint8Array(ED25519_ALG_ID.length + 2 + 33);
  body.set(ED25519_ALG_ID, 0);
  body.set(encodeTlv(TAG_BIT_STRING, bits), ED25519_ALG_ID.length);
  return parsePublicKey(encodeTlv(TAG_SEQUENCE, body)) as Ed25519PublicKey;
}
