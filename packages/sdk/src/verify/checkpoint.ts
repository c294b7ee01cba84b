/**
 * A log's checkpoint (C2SP tlog-checkpoint, a C2SP signed-note) checked against the log's key and,
 * when asked, its witnesses' cosignatures (C2SP tlog-cosignature). In order:
 * 1. the note MUST parse and its text MUST be a checkpoint (TLOG_CHECKPOINT_MALFORMED);
 * 2. it MUST carry a valid signature by the log's key under the log's name — the origin's first
 *    token, e.g. `rekor.sigstore.dev` for `rekor.sigstore.dev - 2605736670972794746`; other lines
 *    (witness cosignatures, unknown keys) are ignored (TLOG_CHECKPOINT_SIGNATURE_INVALID);
 * 3. when the caller requires witnesses, at least `threshold` distinct witness keys (name and key
 *    ID) MUST have cosigned it (TLOG_CHECKPOINT_COSIGNATURES_MISSING).
 * The one home of this check: the bundle verifier's inclusion proof step and the CLI both call it.
 */
import type { PublicKey } from '../crypto/index.js';
import type { VerificationCache } from '../crypto/verification-cache.js';
import { isScribaError } from '../errors.js';
import {
  type Checkpoint,
  type NoteSignature,
  type NoteVerifier,
  noteVerifierFromPublicKey,
  parseCheckpoint,
  parseNote,
  verifyNote,
} from '../note/index.js';
import { VerificationError } from './errors.js';
import type { WitnessPolicy } from './options.js';

export type VerifiedCheckpointNote = {
  checkpoint: Checkpoint;
  /** The required witnesses' verifiers whose cosignature verified, each key (name, key ID) once. */
  cosigners: NoteVerifier[];
};

/**
 * Verifies the checkpoint note `text` with the log's `key` (and `witnesses`, when given). With a
 * `cache`, the log's signature over these exact bytes is checked once per cache (witnesses' every time).
 */
export async function verifyCheckpointNote(
  text: string,
  key: PublicKey,
  witnesses?: WitnessPolicy,
  cache?: VerificationCache,
): Promise<VerifiedCheckpointNote> {
  let checkpoint: Checkpoint;
  try {
    checkpoint = parseCheckpoint(parseNote(text).text);
  } catch (e) {
    throw malformed(e);
  }
  const name = checkpoint.origin.split(' ')[0] as string;
  let verified: NoteSignature[];
  let logVerifier: NoteVerifier;
  try {
    logVerifier = noteVerifierFromPublicKey(name, key, cache ? { cache } : undefined);
    ({ verified } = await verifyNote(text, [logVerifier, ...(witnesses?.verifiers ?? [])]));
  } catch (e) {
    if (isScribaError(e, 'NOTE_MALFORMED')) throw malformed(e);
    throw new VerificationError(
      'TLOG_CHECKPOINT_SIGNATURE_INVALID',
      `the checkpoint is not signed by the log's key as ${name}`,
      { cause: e },
    );
  }
  const signedBy = (v: NoteVerifier) => verified.some((s) => s.name === v.name && s.keyHash === v.keyHash);
  if (!signedBy(logVerifier)) {
    throw new VerificationError(
      'TLOG_CHECKPOINT_SIGNATURE_INVALID',
      `the checkpoint is not signed by the log as ${name}`,
    );
  }
  const cosigners = new Map<string, NoteVerifier>();
  for (const v of (witnesses?.verifiers ?? []).filter(signedBy)) cosigners.set(`${v.name}+${v.keyHash}`, v);
  if (witnesses && cosigners.size < witnesses.threshold) {
    throw new VerificationError(
      'TLOG_CHECKPOINT_COSIGNATURES_MISSING',
      `${cosigners.size} required witness cosignature(s) verified, ${witnesses.threshold} required`,
    );
  }
  return { checkpoint, cosigners: [...cosigners.values()] };
}

function malformed(e: unknown): VerificationError {
  return new VerificationError(
    'TLOG_CHECKPOINT_MALFORMED',
    `the checkpoint is malformed: ${(e as Error)?.message ?? String(e)}`,
    { cause: e },
  );
}
