/**
 * Options and result types of `verifyBundle` (the offline Sigstore verifier).
 */
import type { BundleVersion, HashAlgorithm } from '../bundle/types.js';
import type { PublicKey } from '../crypto/index.js';
import type { VerificationCache } from '../crypto/verification-cache.js';
import type { NoteVerifier } from '../note/index.js';
import type { TrustMaterial } from './trust-material.js';

/** Identity policy for certificate-signed bundles: exact string or RegExp (anchored by the caller). */
export type IdentityPolicy = {
  /** The certificate's SAN (URI, email or otherName), exact or by regular expression. */
  subjectAlternativeName?: string | RegExp;
  /** The OIDC issuer from the Fulcio extensions (1.3.6.1.4.1.57264.1.8 / .1.1). */
  issuer?: string | RegExp;
};

export type VerifyBundleOptions = {
  /** Trust material from `prepareTrustMaterial(trustedRoot)` (prepare once, reuse). */
  trustMaterial: TrustMaterial;
  /** The artifact bytes (message-signature bundles). */
  artifact?: Uint8Array;
  /** Or its digest, when the bytes are not at hand (hashed elsewhere, e.g. streamed). */
  artifactDigest?: { algorithm: HashAlgorithm; digest: Uint8Array };
  /** The signer's key, required for key-signed bundles: SPKI PEM/DER or a parsed key. */
  publicKey?: string | Uint8Array | PublicKey;
  /** Identity policy, for certificate-signed bundles. */
  policy?: IdentityPolicy;
  /** Minimum number of distinct transparency logs whose entries verify (default 1). */
  tlogThreshold?: number;
  /** Minimum number of verified SCTs from distinct CT logs (default 1; certificates only). */
  ctlogThreshold?: number;
  /** Minimum number of verified times: SET integrated times + RFC 3161 timestamps (default 1). */
  timestampThreshold?: number;
  /**
   * Witnesses (C2SP tlog-cosignature verifiers) of which at least `threshold` MUST have cosigned
   * every checkpoint. Without it, cosignature lines are ignored.
   */
  witnesses?: WitnessPolicy;
  /**
   * The current time (ms), used only when no time is verified (timestampThreshold 0): the
   * certificate and each log must then be valid now. Default Date.now().
   */
  currentTime?: number;
  /**
   * A memo shared by the bundles of one batch (`createVerificationCache()`; `verifyBundles` makes
   * one per call): a signature, certificate or timestamp token met again with the exact same bytes
   * is not parsed or verified again. Every other rule is still applied to every bundle; failures are
   * never remembered. Bounded; keyed by content, never by a name.
   *
   * Without a cache, a process-wide memo (`defaultCheckpointCache()`) still remembers the log
   * checkpoints whose signature verified, by their exact bytes, as a checkpoint is shared by every
   * entry integrated under it; every per-bundle check is done for every bundle. `false` turns that
   * off too: every signature of the bundle is checked afresh.
   */
  cache?: VerificationCache | false;
};

export type WitnessPolicy = { verifiers: NoteVerifier[]; threshold: number };

export type VerifiedSigner =
  | { type: 'publicKey'; publicKey: PublicKey }
  | {
      type: 'certificate';
      /** DER of the leaf certificate. */
      certificate: Uint8Array;
      subjectAlternativeName?: string;
      issuer?: string;
      /** URI of the trusted certificate authority that issued it. */
      authority: string;
      /** Number of SCTs verified against trusted CT logs. */
      verifiedScts: number;
    };

export type VerifiedLogEntry = {
  /** base64 log ID. */
  logId: string;
  baseUrl: string;
  logIndex: number;
  kind: string;
  version: string;
  /** Seconds since the epoch, when authenticated by a signed entry timestamp. */
  integratedTime?: number;
  signedEntryTimestampVerified: boolean;
  inclusionProofVerified: boolean;
  /** Size of the signed checkpoint the inclusion proof was checked against. */
  checkpointSize?: number;
  /** Names of the required witnesses whose cosignatures verified. */
  witnesses?: string[];
};

export type VerifiedTimestamp = {
  source: 'transparency-log' | 'rfc3161';
  /** ms since the epoch. */
  time: number;
  /** Log base URL or TSA URI. */
  authority: string;
};

export type VerificationResult = {
  mediaType: string;
  version: BundleVersion;
  signer: VerifiedSigner;
  artifactDigest?: { algorithm: HashAlgorithm; digest: Uint8Array };
  tlogEntries: VerifiedLogEntry[];
  timestamps: VerifiedTimestamp[];
};
