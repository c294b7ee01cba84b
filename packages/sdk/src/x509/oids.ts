/**
 * THE table of the signature and digest algorithms Scriba reads, by object identifier, for every
 * reader: X.509 certificate signatures (RFC 5280 §4.1.1.2) and CMS SignerInfo signatures of RFC 3161
 * timestamps (RFC 5652 §5.3). ECDSA with SHA-2 (RFC 5758 §3.2), RSA PKCS#1 v1.5 with SHA-2
 * (RFC 8017 App. C, RFC 4055 §5), rsaEncryption as a CMS signature algorithm (RFC 3370 §3.2; the
 * digest is the SignerInfo's digestAlgorithm), Ed25519 (RFC 8410 §3, RFC 8419 §3), SHA-2 digests
 * (NIST CSOR; RFC 5754 §2). Change what is accepted HERE, and only here.
 */
import type { HashAlgorithm } from '../crypto/hash.js';

/** How an AlgorithmIdentifier's parameters must be encoded. */
export type AlgorithmParams = 'absent' | 'null-or-absent';

export type SignatureAlgorithm = {
  name: string;
  /** The key type that makes this signature. */
  key: 'ecdsa' | 'rsa' | 'ed25519';
  /**
   * The digest the algorithm signs. Absent: Ed25519 (hashes internally), or rsaEncryption, which in
   * CMS signs with the SignerInfo's digestAlgorithm.
   */
  hash?: HashAlgorithm;
  /** Parameters: absent for ECDSA (RFC 5758 §3.2) and Ed25519 (RFC 8410 §3); NULL for RSA (RFC 4055 §5, absent tolerated). */
  params: AlgorithmParams;
  /** Accepted as a certificate's signatureAlgorithm. */
  x509: boolean;
  /** Accepted as a CMS SignerInfo's signatureAlgorithm. */
  cms: boolean;
};

// biome-ignore format: one row per algorithm reads as a table
export const SIGNATURE_ALGORITHMS = {
  '1.2.840.10045.4.3.2':   { name: 'ecdsa-with-SHA256',       key: 'ecdsa',   hash: 'sha256', params: 'absent',         x509: true,  cms: true },
  '1.2.840.10045.4.3.3':   { name: 'ecdsa-with-SHA384',       key: 'ecdsa',   hash: 'sha384', params: 'absent',         x509: true,  cms: true },
  '1.2.840.10045.4.3.4':   { name: 'ecdsa-with-SHA512',       key: 'ecdsa',   hash: 'sha512', params: 'absent',         x509: true,  cms: true },
  '1.2.840.113549.1.1.1':  { name: 'rsaEncryption',           key: 'rsa',                     params: 'null-or-absent', x509: false, cms: true },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', key: 'rsa',     hash: 'sha256', params: 'null-or-absent', x509: true,  cms: true },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', key: 'rsa',     hash: 'sha384', params: 'null-or-absent', x509: true,  cms: true },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', key: 'rsa',     hash: 'sha512', params: 'null-or-absent', x509: true,  cms: true },
  '1.3.101.112':           { name: 'Ed25519',                 key: 'ed25519',                 params: 'absent',         x509: true,  cms: true },
} as const satisfies Record<string, SignatureAlgorithm>;

/** The signature algorithm named by `oid`, if Scriba accepts it where it is `used`. */
export function signatureAlgorithmOf(oid: string, used: 'x509' | 'cms'): SignatureAlgorithm | undefined {
  if (!Object.hasOwn(SIGNATURE_ALGORITHMS, oid)) return undefined;
  const row: SignatureAlgorithm = SIGNATURE_ALGORITHMS[oid as keyof typeof SIGNATURE_ALGORITHMS];
  return row[used] ? row : undefined;
}

/**
 * The parameter rule a certificate's signatureAlgorithm is read with: the table's, and for an
 * algorithm outside it (the certificate parses, its signature never verifies) its family's — ECDSA
 * (1.2.840.10045.4.*) absent, PKCS#1 (1.2.840.113549.1.1.*, except RSASSA-PSS .10) NULL or absent,
 * others unchecked — so that a certificate is read equally strictly whatever it is signed with.
 */
export function signatureParamsRule(oid: string): AlgorithmParams | 'any' {
  if (Object.hasOwn(SIGNATURE_ALGORITHMS, oid)) {
    return SIGNATURE_ALGORITHMS[oid as keyof typeof SIGNATURE_ALGORITHMS].params;
  }
  if (oid.startsWith('1.2.840.10045.4.')) return 'absent';
  if (oid.startsWith('1.2.840.113549.1.1.') && oid !== '1.2.840.113549.1.1.10') return 'null-or-absent';
  return 'any';
}

/** Digest algorithm OID -> name (their parameters: NULL or absent, RFC 5754 §2). */
export const HASH_ALGORITHM_OIDS: Readonly<Record<string, HashAlgorithm>> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** The digest named by `oid`, if Scriba accepts it. */
export function hashAlgorithmOf(oid: string): HashAlgorithm | undefined {
  return Object.hasOwn(HASH_ALGORITHM_OIDS, oid) ? HASH_ALGORITHM_OIDS[oid] : undefined;
}

/** The OID of digest `alg`. */
export function hashAlgorithmOid(alg: HashAlgorithm): string {
  return Object.keys(HASH_ALGORITHM_OIDS).find((oid) => HASH_ALGORITHM_OIDS[oid] === alg) as string;
}
