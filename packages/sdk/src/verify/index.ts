/**
 * The offline Sigstore bundle verifier: `verifyBundle` and the checks it is built from.
 */
export { Artifact, checkArtifact } from './artifact.js';
export { verifyBinding } from './binding.js';
export { verifySigningCertificate } from './certificate.js';
export { type VerifiedCheckpointNote, verifyCheckpointNote } from './checkpoint.js';
export { preAuthEncoding } from './dsse.js';
export { verifyEntryBody } from './entry-body.js';
export * from './errors.js';
export { certificateIdentity, verifyIdentity } from './identity.js';
export { verifyInclusionProof } from './inclusion-proof.js';
export { verifyLogValidity } from './log-validity.js';
export type * from './options.js';
export { verifyContentSignature } from './signature.js';
export { verifySignedEntryTimestamp } from './signed-entry-timestamp.js';
export { resolveSigner, type Signer } from './signer.js';
export { signatureBytes, verifyRfc3161Timestamps, verifyTimestamps } from './timestamps.js';
export { type CheckedEntry, verifyTlogEntries, verifyTlogEntry } from './tlog-entries.js';
export { parseLogKey, prepareTrustMaterial, type TrustedLog, type TrustMaterial } from './trust-material.js';
export { findTrustedLog } from './trusted-log.js';
export { defaultCheckpointCache, verifyBundle } from './verify-bundle.js';
export {
  type BundleBatchItem,
  type BundleBatchOutcome,
  type VerifyBundlesOptions,
  verifyBundles,
} from './verify-bundles.js';
