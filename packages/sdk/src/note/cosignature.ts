/**
 * Ed25519 cosignatures, cosignature/v1 (https://c2sp.org/tlog-cosignature): a witness's timestamped
 * signature line (type 0x04) on a checkpoint. Signed message = "cosignature/v1\n" ||
 * "time <ts>\n" || checkpoint body; signature bytes = u64 BE timestamp || Ed25519 signature.
 * Timestamps are POSIX seconds, exposed as safe integers.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { ed25519PublicKeyFromRaw, type PublicKey } from '../crypto/keys.js';
import { verifySignature } from '../crypto/verify.js';
import { utf8Encode } from '../encoding.js';
import { ScribaError } from '../errors.js';
import {
  cosignatureMessageBytes,
  cosignatureSignatureBytes,
  parseCosignatureSignature,
} from './cosignature-message.js';
import { ed25519SignerKey, type NoteSigner } from './sign.js';
import { cosignatureKeyHash } from './verifier.js';

function invalid(msg: string, cause?: unknown): never {
  throw new ScribaError(
    'COSIGNATURE_INVALID',
    `cosignature: ${msg}`,
    cause === undefined ? undefined : { cause },
  );
}

function checkTimestamp(timestamp: number): bigint {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0)
    invalid('timestamp must be a non-negative safe integer');
  return BigInt(timestamp);
}

/** The cosignature/v1 signed message for a checkpoint body at `timestamp` (POSIX seconds). */
export function cosignatureMessage(body: string, timestamp: number): Uint8Array {
  if (typeof body !== 'string') invalid('body must be a string');
  const m = cosignatureMessageBytes(utf8Encode(body), checkTimestamp(timestamp));
  if (!m) invalid('body must be at least three newline-terminated lines');
  return m;
}

/** The 72-byte cosignature (timestamp || Ed25519 signature) over `body`, by a 32-byte private key. */
export async function signCosignature(
  body: string,
  privateKey32: Uint8Array,
  timestamp: number,
): Promise<Uint8Array> {
  if (!(privateKey32 instanceof Uint8Array) || privateKey32.length !== 32) {
    throw new ScribaError('KEY_INVALID', 'Ed25519 private key must be 32 bytes');
  }
  const m = cosignatureMessage(body, timestamp);
  return cosignatureSignatureBytes(BigInt(timestamp), ed25519.sign(m, privateKey32));
}

/**
 * Verifies a 72-byte cosignature over `body` with the cosigner's Ed25519 public key (32 raw bytes
 * or a parsed key). Returns its timestamp; throws COSIGNATURE_INVALID.
 */
export async function verifyCosignature(
  body: string,
  signature: Uint8Array,
  publicKey: Uint8Array | PublicKey,
): Promise<{ timestamp: number }> {
  let key: PublicKey;
  try {
    key = publicKey instanceof Uint8Array ? ed25519PublicKeyFromRaw(publicKey) : publicKey;
  } catch (cause) {
    invalid('invalid cosigner key', cause);
  }
  if (key?.kind !== 'ed25519') invalid('cosigner key must be Ed25519');
  const parsed = parseCosignatureSignature(signature);
  if (!parsed) invalid('signature must be 72 bytes with a timestamp below 2^63');
  if (parsed.timestamp > BigInt(Number.MAX_SAFE_INTEGER)) invalid('timestamp beyond 2^53 - 1');
  const m = typeof body === 'string' ? cosignatureMessageBytes(utf8Encode(body), parsed.timestamp) : null;
  if (!m) invalid('body must be at least three newline-terminated lines');
  if (!(await verifySignature(key, m, parsed.signature))) invalid('signature does not verify');
  return { timestamp: Number(parsed.timestamp) };
}

/** The timestamp carried by a cosignature (after the key ID), or COSIGNATURE_INVALID. */
export function cosignatureTimestamp(signature: Uint8Array): number {
  const parsed = parseCosignatureSignature(signature);
  if (!parsed) invalid('signature must be 72 bytes with a timestamp below 2^63');
  if (parsed.timestamp > BigInt(Number.MAX_SAFE_INTEGER)) invalid('timestamp beyond 2^53 - 1');
  return Number(parsed.timestamp);
}

/**
 * A note signer producing cosignature/v1 lines (type 0x04) with the current time from `now`
 * (POSIX seconds; default the system clock).
 */
export function cosignatureSigner(
  name: string,
  privateKey32: Uint8Array,
  now: () => number = () => Math.floor(Date.now() / 1000),
): NoteSigner & { publicKey: Uint8Array } {
  const { seed, publicKey } = ed25519SignerKey(name, privateKey32);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return {
    name,
    keyHash: cosignatureKeyHash(name, publicKey),
    publicKey,
    sign: (message) => signCosignature(decoder.decode(message), seed, now()),
  };
}
