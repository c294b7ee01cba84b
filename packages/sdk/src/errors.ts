/**
 * The SDK's one error class. Every failure the SDK reports carries a code from a closed union, so
 * callers (and tests) branch on the code, never on the message. Anything parsed from input that
 * fails (JSON, base64, DER, BigInt, ...) MUST surface as a ScribaError/VerificationError with a
 * code, never as a TypeError, SyntaxError or RangeError.
 *
 * Codes are grouped by concern. Add a code here (and only here) when a new check needs one.
 */
export const ERROR_CODES = [
  // generic input decoding
  'INVALID_INPUT',
  'INVALID_BASE64',
  'INVALID_HEX',
  'INVALID_JSON',
  'INVALID_DER',
  'INVALID_PEM',
  // Merkle proofs (RFC 6962 / RFC 9162)
  'MERKLE_INVALID_INDEX',
  'MERKLE_INVALID_SIZE',
  'MERKLE_INVALID_PROOF_LENGTH',
  'MERKLE_INVALID_HASH',
  'MERKLE_ROOT_MISMATCH',
  // tiles (C2SP tlog-tiles)
  'TILE_INVALID_PATH',
  'TILE_INVALID',
  'ENTRY_BUNDLE_INVALID',
  'TILE_NOT_FOUND',
  'TILE_FETCH_FAILED',
  // signed notes and checkpoints (C2SP signed-note, tlog-checkpoint, tlog-cosignature)
  'NOTE_MALFORMED',
  'NOTE_TOO_MANY_SIGNATURES',
  'NOTE_NO_VERIFIED_SIGNATURE',
  'NOTE_INVALID_SIGNATURE',
  'NOTE_INVALID_VERIFIER_KEY',
  'CHECKPOINT_MALFORMED',
  'COSIGNATURE_INVALID',
  // keys and signatures
  'KEY_UNSUPPORTED',
  'KEY_INVALID',
  'SIGNATURE_MALFORMED',
  'SIGNATURE_INVALID',
  'DIGEST_UNSUPPORTED',
  // entries (Rekor kinds)
  'ENTRY_UNSUPPORTED_KIND',
  'ENTRY_MALFORMED',
  'ENTRY_STORED_FORM_INVALID',
] as const;

export type ScribaErrorCode = (typeof ERROR_CODES)[number];

/** A coded SDK error. `cause` carries the underlying exception, if any. */
export class ScribaError extends Error {
  readonly code: ScribaErrorCode;

  constructor(code: ScribaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScribaError';
    this.code = code;
  }
}

/** True when `e` is a ScribaError (optionally with the given code). */
export function isScribaError(e: unknown, code?: ScribaErrorCode): e is ScribaError {
  return e instanceof ScribaError && (code === undefined || e.code === code);
}
