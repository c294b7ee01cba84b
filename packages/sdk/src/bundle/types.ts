/**
 * Parsed, validated forms of the sigstore protobuf-specs messages the verifier consumes: Bundle
 * (dev.sigstore.bundle.v1.Bundle, media types v0.1–v0.3) and TrustedRoot
 * (dev.sigstore.trustroot.v1.TrustedRoot). All byte fields are decoded; all integers are safe JS
 * numbers; times are milliseconds since the Unix epoch.
 */

import type { HashAlgorithm } from '../crypto/hash.js';

/** The crypto module's digest names, re-exported: a bundle digest uses the same three. */
export type { HashAlgorithm };

export type BundleVersion = '0.1' | '0.2' | '0.3';

export type MessageDigest = { algorithm: HashAlgorithm; digest: Uint8Array };

export type MessageSignatureContent = {
  kind: 'messageSignature';
  /** The unauthenticated digest hint of the bundle, if any. */
  messageDigest?: MessageDigest;
  signature: Uint8Array;
};

export type DsseSignature = { sig: Uint8Array; keyid: string };

export type DsseEnvelopeContent = {
  kind: 'dsseEnvelope';
  payload: Uint8Array;
  payloadType: string;
  /** Exactly one signature (Sigstore bundles carry one DSSE signature). */
  signatures: [DsseSignature];
};

export type BundleContent = MessageSignatureContent | DsseEnvelopeContent;

export type VerificationMaterial =
  | { kind: 'publicKey'; hint?: string }
  | { kind: 'x509CertificateChain'; certificates: Uint8Array[] }
  | { kind: 'certificate'; certificate: Uint8Array };

export type InclusionProof = {
  logIndex: number;
  rootHash: Uint8Array;
  treeSize: number;
  hashes: Uint8Array[];
  /** The signed note text of the checkpoint (required for v0.2+, checked by the inclusion step). */
  checkpoint?: string;
};

export type TransparencyLogEntry = {
  logIndex: number;
  logId: Uint8Array;
  kind: string;
  version: string;
  /** Seconds since the epoch; 0 when absent (Rekor v2 entries carry none). */
  integratedTime: number;
  signedEntryTimestamp?: Uint8Array;
  inclusionProof?: InclusionProof;
  canonicalizedBody: Uint8Array;
};

export type Bundle = {
  mediaType: string;
  version: BundleVersion;
  verificationMaterial: VerificationMaterial;
  tlogEntries: TransparencyLogEntry[];
  /** DER RFC 3161 TimeStampResponse/TimeStampToken bytes. */
  rfc3161Timestamps: Uint8Array[];
  content: BundleContent;
};

/** A closed interval [start, end] in ms; `end` absent = open-ended. */
export type ValidityWindow = { start: number; end?: number };

/**
 * A trusted-root validity field. `invalid` records a window that is present but malformed (e.g.
 * no start): such an instance MUST NOT be trusted, and using it is a TRUSTED_ROOT_INVALID refusal.
 * An absent window (`window` undefined, `invalid` false) is unbounded.
 */
export type TrustWindow = { window?: ValidityWindow; invalid?: string };

export type TransparencyLogInstance = {
  baseUrl: string;
  hashAlgorithm: string;
  keyDetails: string;
  publicKey: Uint8Array;
  validFor: TrustWindow;
  logId: Uint8Array;
};

export type CertificateAuthority = {
  uri: string;
  /** DER certificates, leaf-most first, root last. */
  certChain: Uint8Array[];
  validFor: TrustWindow;
};

export type TrustedRoot = {
  mediaType: string;
  tlogs: TransparencyLogInstance[];
  ctlogs: TransparencyLogInstance[];
  certificateAuthorities: CertificateAuthority[];
  timestampAuthorities: CertificateAuthority[];
};
