/**
 * Result of validating a proposed Rekor v1 entry: what the log stores (the canonical body, exactly as
 * Rekor's `Canonicalize()` would produce it) and what it indexes (Rekor's search index keys).
 */

export type SearchKeys = {
  /** Artifact / envelope / payload digests as `sha256:<hex>` (lower-case). */
  sha256Digests: string[];
  /** Lower-case hex SHA-256 of each public key's DER SPKI or each certificate's DER. */
  publicKeyFingerprints: string[];
  /** Lower-case e-mail addresses from certificate SANs (rfc822Name). */
  emails: string[];
  /** Certificate subjects / SAN URIs (as Rekor indexes them). */
  subjects: string[];
};

export type ValidatedEntry = {
  kind: string;
  apiVersion: string;
  /** Canonical Rekor body bytes (RFC 8785 JSON), what `body` of the LogEntry base64-encodes. */
  body: Uint8Array;
  /** RFC 6962 leaf hash: SHA-256(0x00 || body). */
  leafHash: Uint8Array;
  searchKeys: SearchKeys;
};
