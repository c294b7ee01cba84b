/**
 * The search index's key format (Rekor `/api/v1/index/retrieve`: hash, publicKey, email, subject),
 * shared by the write path that stores the keys and the route that looks them up:
 * `sha256:<hex>`, `key:<hex SHA-256 of the SPKI or certificate DER>`, `email:<address>`,
 * `subject:<name>`, all lower-case.
 */
import type { SubjectAltNames } from '../x509/certificate.js';
import { sha256SearchKey } from './kinds/rekor-hash.js';

/** What an entry is indexed under, by kind of key (values as each kind derives them). */
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

export { sha256SearchKey };

export function publicKeySearchKey(fingerprintHex: string): string {
  return `key:${fingerprintHex.toLowerCase()}`;
}

export function emailSearchKey(email: string): string {
  return `email:${email.toLowerCase()}`;
}

export function subjectSearchKey(subject: string): string {
  return `subject:${subject.toLowerCase()}`;
}

/**
 * What Rekor indexes a certificate under, from its SANs as the SDK's X.509 parser reads them
 * (`subjectAltNames`): e-mail addresses lower-cased (Rekor `x509.PublicKey.EmailAddresses`), and as
 * subjects every DNS name, e-mail, IP address, URI and string otherName, in that order (sigstore
 * `cryptoutils.GetSubjectAlternateNames`).
 */
export function sanSearchKeys(s: SubjectAltNames): { emails: string[]; subjects: string[] } {
  const emails = s.emails.map((e) => e.toLowerCase());
  return { emails, subjects: [...s.dnsNames, ...emails, ...s.ipAddresses, ...s.uris, ...s.otherNames] };
}

/** The distinct index keys of an entry, in a stable order. */
export function searchIndexKeys(k: SearchKeys): string[] {
  const keys = new Set<string>();
  for (const d of k.sha256Digests) keys.add(d.toLowerCase());
  for (const p of k.publicKeyFingerprints) keys.add(publicKeySearchKey(p));
  for (const e of k.emails) keys.add(emailSearchKey(e));
  for (const s of k.subjects) keys.add(subjectSearchKey(s));
  return [...keys];
}
