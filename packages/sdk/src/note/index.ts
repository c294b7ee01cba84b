/**
 * Signed notes, checkpoints and cosignatures for @scriba/sdk: C2SP signed-note, tlog-checkpoint and
 * tlog-cosignature (Ed25519 cosignature/v1).
 */
export {
  type Checkpoint,
  formatCheckpoint,
  type ParseCheckpointOptions,
  parseCheckpoint,
  verifyCheckpoint,
} from './checkpoint.js';
export {
  cosignatureMessage,
  cosignatureSigner,
  cosignatureTimestamp,
  signCosignature,
  verifyCosignature,
} from './cosignature.js';
export {
  cosignatureMessageBytes,
  cosignatureSignatureBytes,
  MAX_COSIGNATURE_TIMESTAMP,
  parseCosignatureSignature,
} from './cosignature-message.js';
export {
  formatNote,
  formatSignatureLine,
  isValidKeyName,
  MAX_NOTE_LENGTH,
  MAX_NOTE_SIGNATURES,
  type Note,
  type NoteSignature,
  parseNote,
  signatureLinePrefix,
} from './note.js';
export { ecdsaP256Signer, ed25519Signer, type NoteSigner, signNote } from './sign.js';
export {
  cosignatureKeyHash,
  ecdsaKeyHash,
  ed25519KeyHash,
  formatVerifierKey,
  NOTE_KEY_TYPE_COSIGNATURE_V1,
  NOTE_KEY_TYPE_ECDSA,
  NOTE_KEY_TYPE_ED25519,
  type NoteVerifier,
  noteVerifierFromPublicKey,
  parseVerifierKey,
} from './verifier.js';
export { type VerifiedNote, verifyNote } from './verify-note.js';
