/**
 * Signed-note verification (https://c2sp.org/signed-note §Signatures): signatures whose (key name,
 * key ID) match no known verifier are ignored; a signature from a known key MUST verify, else the
 * whole note is rejected (NOTE_INVALID_SIGNATURE, the spec's SHOULD, as golang.org/x/mod does);
 * at least one known signature must verify (NOTE_NO_VERIFIED_SIGNATURE).
 */
import { bytesEqual, utf8Encode } from '../encoding.js';
import { ScribaError } from '../errors.js';
import { type Note, type NoteSignature, parseNote } from './note.js';
import type { NoteVerifier } from './verifier.js';

export type VerifiedNote = {
  note: Note;
  /** Signatures verified by a given verifier (each (name, key ID, signature) once). */
  verified: NoteSignature[];
  /** Signatures from keys no verifier knows (ignored, as the spec requires). */
  unverified: NoteSignature[];
};

/**
 * Parses `text` as a signed note and verifies it against `verifiers`. Throws NOTE_MALFORMED /
 * NOTE_TOO_MANY_SIGNATURES for bad notes, NOTE_INVALID_SIGNATURE when a known key's signature
 * fails, NOTE_NO_VERIFIED_SIGNATURE when no known key signed it.
 */
export async function verifyNote(
  text: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
): Promise<VerifiedNote> {
  const note = parseNote(text);
  if (!Array.isArray(verifiers)) throw new ScribaError('INVALID_INPUT', 'verifiers must be an array');
  for (const v of verifiers) {
    if (typeof v?.name !== 'string' || typeof v.keyHash !== 'number' || typeof v.verify !== 'function') {
      throw new ScribaError('INVALID_INPUT', 'verifiers must be NoteVerifier objects');
    }
  }
  // Verifier lists are short (a log key and a few witnesses): a linear match beats building a map
  // on every call.
  const known: { sig: NoteSignature; candidates: NoteVerifier[] }[] = [];
  const unverified: NoteSignature[] = [];
  for (const sig of note.signatures) {
    const candidates = verifiers.filter((v) => v.keyHash === sig.keyHash && v.name === sig.name);
    if (candidates.length > 0) known.push({ sig, candidates });
    else unverified.push(sig);
  }
  if (known.length === 0)
    throw new ScribaError('NOTE_NO_VERIFIED_SIGNATURE', 'note has no verifiable signatures');
  const message = utf8Encode(note.text);
  const check = async ({
    sig,
    candidates,
  }: {
    sig: NoteSignature;
    candidates: NoteVerifier[];
  }): Promise<boolean> => {
    for (const v of candidates) if (await v.verify(message, sig.signature)) return true;
    return false;
  };
  // One known signature from one key is the common case (a log's checkpoint): call it directly.
  // Several (log + witnesses) are verified concurrently.
  const only = known.length === 1 && known[0]?.candidates.length === 1 ? known[0] : undefined;
  const results = only
    ? [await (only.candidates[0] as NoteVerifier).verify(message, only.sig.signature)]
    : await Promise.all(known.map(check));
  const verified: NoteSignature[] = [];
  known.forEach(({ sig }, i) => {
    if (!results[i]) {
      throw new ScribaError(
        'NOTE_INVALID_SIGNATURE',
        `note: invalid signature for key ${sig.name}+${sig.keyHash.toString(16).padStart(8, '0')}`,
      );
    }
    const dup = verified.some(
      (s) => s.keyHash === sig.keyHash && s.name === sig.name && bytesEqual(s.signature, sig.signature),
    );
    if (!dup) verified.push(sig);
  });
  if (verified.length === 0)
    throw new ScribaError('NOTE_NO_VERIFIED_SIGNATURE', 'note has no verifiable signatures');
  return { note, verified, unverified };
}
