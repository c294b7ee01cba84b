/**
 * The object identifiers of the signature and digest algorithms Scriba reads in X.509 certificates
 * (RFC 5280 §4.1.1.2) and CMS SignedData (RFC 5652, RFC 3161): one table for every reader.
 * ECDSA with SHA-2 (RFC 5758 §3.2), RSA PKCS#1 v1.5 with SHA-2 (RFC 8017 App. C), Ed25519 (RFC 8410),
 * SHA-2 digests (NIST CSOR).
 */
import type { HashAlgorithm } from '../crypto/hash.js';

/** Signature algorithm OID -> the digest it signs with (none for Ed25519, which hashes internally). */
export const SIGNATURE_ALGORITHM_OIDS: Readonly<Record<string, { hash?: HashAlgorithm }>> = {
  '1.2.840.10045.4.3.2': { hash: 'sha256' }, // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': { hash: 'sha384' }, // ecdsa-with-SHA384
  '1.2.840.10045.4.3.4': { hash: 'sha512' }, // ecdsa-with-SHA512
  '1.2.840.113549.1.1.11': { hash: 'sha256' }, // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12': { hash: 'sha384' }, // sha384WithRSAEncryption
  '1.2.840.113549.1.1.13': { hash: 'sha512' }, // sha512WithRSAEncryption
  '1.3.101.112': {}, // Ed25519
};

/** The signature algorithm named by `oid`, if Scriba accepts it. */
export function signatureAlgorithmOf(oid: string): { hash?: HashAlgorithm } | undefined {
  return Object.hasOwn(SIGNATURE_ALGORITHM_OIDS, oid) ? SIGNATURE_ALGORITHM_OIDS[oid] : undefined;
}

/** Digest algorithm OID -> name. */
export const HASH_ALGORITHM_OIDS: Readonly<Record<string, HashAlgorithm>> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
