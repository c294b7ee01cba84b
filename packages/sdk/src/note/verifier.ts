/**
 * C2SP signed-note verifier keys (https://c2sp.org/signed-note): `<name>+<hex8 key ID>+<base64(type
 * || public key)>`, and the key-ID rules per signature type:
 *
 * - 0x01 Ed25519: key ID = SHA-256(name || 0x0A || 0x01 || 32-byte key)[:4]; signature over the text.
 * - 0x02 ECDSA (transparency-dev/formats, Rekor): key = SPKI DER (P-256/P-384/P-521); key ID =
 *   SHA-256(SPKI)[:4] (a Rekor log ID's first 4 bytes); DER signature over SHA-256(text).
 * - 0x04 Ed25519 cosignature/v1 (c2sp.org/tlog-cosignature): key ID = SHA-256(name || 0x0A ||
 *   0x04 || key)[:4]; signature = u64 timestamp || Ed25519 over the cosignature/v1 message.
 *
 * Parsing MUST check the key ID against the key: a vkey whose ID does not match is rejected
 * (NOTE_INVALID_VERIFIER_KEY), so a verifier's (name, key ID) always identifies its key.
 */

import { sha256 } from '../crypto/hash.js';
import { ed25519PublicKeyFromRaw, type PublicKey, parsePublicKey } from '../crypto/keys.js';
import type { VerificationCache } from '../crypto/verification-cache.js';
import { verifySignature } from '../crypto/verify.js';
import { base64Decode, base64Encode, concatBytes, utf8Encode } from '../encoding.js';
import { ScribaError } from '../errors.js';
import { cosignatureMessageBytes, parseCosignatureSignature } from './cosignature-message.js';
import { isValidKeyName, keyHashFromBytes } from './note.js';

export const NOTE_KEY_TYPE_ED25519 = 0x01;
export const NOTE_KEY_TYPE_ECDSA = 0x02;
export const NOTE_KEY_TYPE_COSIGNATURE_V1 = 0x04;

/** Verifies one note signature (the bytes after the key ID) over the note text's UTF-8 bytes. */
export interface NoteVerifier {
  name: string;
  keyHash: number;
  verify(message: Uint8Array, sig: Uint8Array): Promise<boolean>;
  /** Signature type byte (0x01, 0x02, 0x04), when known. */
  readonly type?: number;
  /** The public key, when the verifier wraps one. */
  readonly publicKey?: PublicKey;
}

function invalidKey(msg: string, cause?: unknown): never {
  throw new ScribaError(
    'NOTE_INVALID_VERIFIER_KEY',
    `verifier key: ${msg}`,
    cause === undefined ? undefined : { cause },
  );
}

/** Key ID recommended by signed-note: SHA-256(name || 0x0A || type || key)[:4]. */
export function nameKeyHash(name: string, type: number, key: Uint8Array): number {
  return keyHashFromBytes(sha256(concatBytes(utf8Encode(name), Uint8Array.of(0x0a, type), key)));
}

/** Key ID of an Ed25519 (type 0x01) note key. */
export function ed25519KeyHash(name: string, publicKey32: Uint8Array): number {
  return nameKeyHash(name, NOTE_KEY_TYPE_ED25519, publicKey32);
}

/** Key ID of an ECDSA (type 0x02) note key: SHA-256(SPKI DER)[:4]. */
export function ecdsaKeyHash(spki: Uint8Array): number {
  return keyHashFromBytes(sha256(spki));
}

/** Key ID of an Ed25519 cosignature/v1 (type 0x04) key. */
export function cosignatureKeyHash(name: string, publicKey32: Uint8Array): number {
  return nameKeyHash(name, NOTE_KEY_TYPE_COSIGNATURE_V1, publicKey32);
}

/** The key ID a key of this type and name has. */
export function keyHashFor(name: string, type: number, keyBytes: Uint8Array): number {
  return type === NOTE_KEY_TYPE_ECDSA ? ecdsaKeyHash(keyBytes) : nameKeyHash(name, type, keyBytes);
}

/** `name+hex8+base64(type||key)`; the key ID is computed from the key. */
export function formatVerifierKey(name: string, type: number, keyBytes: Uint8Array): string {
  if (!isValidKeyName(name)) invalidKey('invalid key name');
  if (!Number.isInteger(type) || type < 0 || type > 255) invalidKey('type must be a byte');
  if (!(keyBytes instanceof Uint8Array) || keyBytes.length === 0) invalidKey('empty key');
  const hash = keyHashFor(name, type, keyBytes).toString(16).padStart(8, '0');
  return `${name}+${hash}+${base64Encode(concatBytes(Uint8Array.of(type), keyBytes))}`;
}

function ed25519Verifier(
  name: string,
  keyHash: number,
  key: PublicKey,
  cache?: VerificationCache,
): NoteVerifier {
  return {
    name,
    keyHash,
    type: NOTE_KEY_TYPE_ED25519,
    publicKey: key,
    verify: (message, sig) =>
      sig.length === 64
        ? verifySignature(key, message, sig, cache ? { cache } : undefined)
        : Promise.resolve(false),
  };
}

function ecdsaVerifier(
  name: string,
  keyHash: number,
  key: PublicKey,
  cache?: VerificationCache,
): NoteVerifier {
  // transparency-dev/formats: ecdsa.VerifyASN1(key, SHA-256(msg), sig) — DER only, SHA-256 on every curve.
  const opts = { hash: 'sha256', ecdsaFormat: 'der', ...(cache ? { cache } : {}) } as const;
  return {
    name,
    keyHash,
    type: NOTE_KEY_TYPE_ECDSA,
    publicKey: key,
    verify: (message, sig) => verifySignature(key, message, sig, opts),
  };
}

function cosignatureVerifier(name: string, keyHash: number, key: PublicKey): NoteVerifier {
  return {
    name,
    keyHash,
    type: NOTE_KEY_TYPE_COSIGNATURE_V1,
    publicKey: key,
    verify: async (message, sig) => {
      const parsed = parseCosignatureSignature(sig);
      if (!parsed) return false;
      const m = cosignatureMessageBytes(message, parsed.timestamp);
      return m ? verifySignature(key, m, parsed.signature) : false;
    },
  };
}

/**
 * A NoteVerifier for a parsed public key: Ed25519 → type 0x01 (or 0x04 when `cosignature` is
 * set), ECDSA → type 0x02. RSA has no note signature type: KEY_UNSUPPORTED. With `cache`, an
 * Ed25519/ECDSA signature over the exact same message bytes is verified once per cache.
 */
export function noteVerifierFromPublicKey(
  name: string,
  key: PublicKey,
  opts?: { cosignature?: boolean; cache?: VerificationCache },
): NoteVerifier {
  if (!isValidKeyName(name)) invalidKey('invalid key name');
  if (key?.kind === 'ed25519') {
    return opts?.cosignature
      ? cosignatureVerifier(name, cosignatureKeyHash(name, key.raw), key)
      : ed25519Verifier(name, ed25519KeyHash(name, key.raw), key, opts?.cache);
  }
  if (key?.kind === 'ecdsa') {
    if (opts?.cosignature) throw new ScribaError('KEY_UNSUPPORTED', 'cosignature/v1 keys are Ed25519');
    return ecdsaVerifier(name, ecdsaKeyHash(key.spki), key, opts?.cache);
  }
  throw new ScribaError('KEY_UNSUPPORTED', 'only Ed25519 and ECDSA keys can verify notes');
}

/**
 * Parses a verifier key string. Throws NOTE_INVALID_VERIFIER_KEY for malformed keys, unknown
 * types and key IDs that do not match the key. Synchronous: the key is imported into WebCrypto on
 * first use and cached.
 */
export function parseVerifierKey(vkey: string): NoteVerifier {
  if (typeof vkey !== 'string') invalidKey('not a string');
  const p1 = vkey.indexOf('+');
  const p2 = p1 < 0 ? -1 : vkey.indexOf('+', p1 + 1);
  if (p1 < 0 || p2 < 0) invalidKey('expected name+hash+key');
  const name = vkey.slice(0, p1);
  const hash16 = vkey.slice(p1 + 1, p2);
  const key64 = vkey.slice(p2 + 1);
  if (!isValidKeyName(name)) invalidKey('invalid key name');
  if (!/^[0-9a-fA-F]{8}$/.test(hash16)) invalidKey('key hash must be 8 hex digits');
  let raw: Uint8Array;
  try {
    raw = base64Decode(key64);
  } catch (cause) {
    invalidKey('key is not valid base64', cause);
  }
  if (raw.length < 2) invalidKey('key too short');
  const type = raw[0] as number;
  const keyBytes = raw.subarray(1);
  const keyHash = Number.parseInt(hash16, 16);
  if (
    type !== NOTE_KEY_TYPE_ED25519 &&
    type !== NOTE_KEY_TYPE_ECDSA &&
    type !== NOTE_KEY_TYPE_COSIGNATURE_V1
  ) {
    invalidKey(`unknown key type 0x${type.toString(16).padStart(2, '0')}`);
  }
  if (keyHashFor(name, type, keyBytes) !== keyHash) invalidKey('key hash does not match the key');
  let key: PublicKey;
  try {
    key = type === NOTE_KEY_TYPE_ECDSA ? parsePublicKey(keyBytes) : ed25519PublicKeyFromRaw(keyBytes);
  } catch (cause) {
    invalidKey('invalid public key', cause);
  }
  if (type === NOTE_KEY_TYPE_ECDSA) {
    if (key.kind !== 'ecdsa') invalidKey('type 0x02 key is not an ECDSA key');
    return ecdsaVerifier(name, keyHash, key);
  }
  return type === NOTE_KEY_TYPE_ED25519
    ? ed25519Verifier(name, keyHash, key)
    : cosignatureVerifier(name, keyHash, key);
}
