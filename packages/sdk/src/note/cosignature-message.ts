/**
 * The Ed25519 cosignature/v1 signed message and signature layout (https://c2sp.org/tlog-cosignature):
 * message = "cosignature/v1\ntime <decimal timestamp>\n" || checkpoint body; signature =
 * u64 BE timestamp || 64-byte Ed25519 signature. The timestamp MUST NOT exceed 2^63 - 1.
 */
import { concatBytes, utf8Encode } from '../encoding.js';

export const MAX_COSIGNATURE_TIMESTAMP = (1n << 63n) - 1n;

/** Splits a cosignature (after the key ID) into its timestamp and Ed25519 signature, or null. */
export function parseCosignatureSignature(
  sig: Uint8Array,
): { timestamp: bigint; signature: Uint8Array } | null {
  if (!(sig instanceof Uint8Array) || sig.length !== 72) return null;
  let t = 0n;
  for (let i = 0; i < 8; i++) t = (t << 8n) | BigInt(sig[i] as number);
  if (t > MAX_COSIGNATURE_TIMESTAMP) return null;
  return { timestamp: t, signature: sig.subarray(8) };
}

/** The cosignature layout: u64 big-endian `timestamp` || the 64-byte Ed25519 `signature`. */
export function cosignatureSignatureBytes(timestamp: bigint, signature: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + signature.length);
  new DataView(out.buffer).setBigUint64(0, timestamp, false);
  out.set(signature, 8);
  return out;
}

/**
 * The signed message for a cosignature over `body` (UTF-8 bytes of a checkpoint body, with its
 * final newline) at `timestamp`, or null when the body cannot be a checkpoint (fewer than three
 * lines, or no final newline).
 */
export function cosignatureMessageBytes(body: Uint8Array, timestamp: bigint): Uint8Array | null {
  if (timestamp < 0n || timestamp > MAX_COSIGNATURE_TIMESTAMP) return null;
  let newlines = 0;
  for (let i = 0; i < body.length; i++) if (body[i] === 0x0a) newlines++;
  if (newlines < 3 || body[body.length - 1] !== 0x0a) return null;
  return concatBytes(utf8Encode(`cosignature/v1\ntime ${timestamp.toString()}\n`), body);
}
