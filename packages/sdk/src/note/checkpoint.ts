/**
 * C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the note body of a log's tree head.
 *
 *   <origin>\n<tree size, decimal, no leading zeros>\n<base64 root hash>\n[<extension line>\n]*
 *
 * Strict by default: non-empty origin, size a safe integer with no leading zeros, a 32-byte
 * (SHA-256, RFC 6962) root hash in canonical standard base64, extension lines non-empty. The
 * `lenient` option mirrors transparency-dev/formats log.Checkpoint.Unmarshal, which accepts a root
 * hash of any length and empty extension lines. Failures throw CHECKPOINT_MALFORMED.
 */
import { base64Decode, base64Encode } from '../encoding.js';
import { ScribaError } from '../errors.js';
import { checkNoteText } from './note.js';
import type { NoteVerifier } from './verifier.js';
import { type VerifiedNote, verifyNote } from './verify-note.js';

export type Checkpoint = { origin: string; size: number; rootHash: Uint8Array; extensions: string[] };

export type ParseCheckpointOptions = {
  /** Accept any root hash length and empty extension lines (transparency-dev/formats behaviour). */
  lenient?: boolean;
};

export const CHECKPOINT_HASH_LENGTH = 32;

function malformed(msg: string, cause?: unknown): never {
  throw new ScribaError(
    'CHECKPOINT_MALFORMED',
    `checkpoint: ${msg}`,
    cause === undefined ? undefined : { cause },
  );
}

/** Parses a checkpoint body (the note text, ending in a newline). */
export function parseCheckpoint(body: string, opts?: ParseCheckpointOptions): Checkpoint {
  if (typeof body !== 'string') malformed('body must be a string');
  if (!body.endsWith('\n')) malformed('body must end in a newline');
  try {
    checkNoteText(body);
  } catch (cause) {
    malformed('body is not valid note text', cause);
  }
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) malformed('fewer than three lines');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) malformed('empty origin');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) malformed('tree size is not a canonical decimal');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) malformed('tree size exceeds 2^53 - 1');
  let rootHash: Uint8Array;
  try {
    rootHash = base64Decode(rootText);
  } catch (cause) {
    malformed('root hash is not valid base64', cause);
  }
  if (!opts?.lenient) {
    if (rootHash.length !== CHECKPOINT_HASH_LENGTH)
      malformed(`root hash must be ${CHECKPOINT_HASH_LENGTH} bytes`);
    if (extensions.some((e) => e.length === 0)) malformed('empty extension line');
  }
  return { origin, size, rootHash, extensions };
}

/** Formats a checkpoint body. Throws CHECKPOINT_MALFORMED for values that would not parse back. */
export function formatCheckpoint(cp: Checkpoint): string {
  if (typeof cp?.origin !== 'string' || cp.origin.length === 0 || cp.origin.includes('\n'))
    malformed('invalid origin');
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) malformed('invalid tree size');
  if (!(cp.rootHash instanceof Uint8Array) || cp.rootHash.length !== CHECKPOINT_HASH_LENGTH) {
    malformed(`root hash must be ${CHECKPOINT_HASH_LENGTH} bytes`);
  }
  const ext = cp.extensions ?? [];
  if (!Array.isArray(ext) || ext.some((e) => typeof e !== 'string' || e.length === 0 || e.includes('\n'))) {
    malformed('invalid extension line');
  }
  const body = `${cp.origin}\n${cp.size}\n${base64Encode(cp.rootHash)}\n${ext.map((e) => `${e}\n`).join('')}`;
  try {
    checkNoteText(body);
  } catch (cause) {
    malformed('checkpoint is not valid note text', cause);
  }
  return body;
}

/**
 * Verifies a signed checkpoint note against `verifiers` and parses its body. When `origin` is
 * given the checkpoint's origin MUST equal it (CHECKPOINT_MALFORMED otherwise).
 */
export async function verifyCheckpoint(
  text: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  opts?: { origin?: string },
): Promise<VerifiedNote & { checkpoint: Checkpoint }> {
  const verified = await verifyNote(text, verifiers);
  const checkpoint = parseCheckpoint(verified.note.text);
  if (opts?.origin !== undefined && checkpoint.origin !== opts.origin) {
    malformed(`origin ${JSON.stringify(checkpoint.origin)} is not ${JSON.stringify(opts.origin)}`);
  }
  return { ...verified, checkpoint };
}
