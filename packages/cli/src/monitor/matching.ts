/**
 * The monitor's matching job (also used by `scriba search` to check that what the log found is what
 * was asked for): which watched identities, issuers, keys and digests a Rekor entry body carries.
 * Certificates are read with the SDK's DER X.509 parser (`parseCertificate`, `subjectAltNames`,
 * `fulcioIssuer`), the same one `scriba verify` matches identities with: a URI SAN containing a
 * comma stays one SAN, a Fulcio otherName (username) is its UTF-8 string. Keys are shown as
 * `sha256:` fingerprints of their DER SPKI.
 */
import { bytesEqual, hexEncode, sha256 } from '@scriba/sdk';
import type { BodyVerifier, RekorBody } from '@scriba/sdk/entries';
import { fulcioIssuer, parseCertificate, subjectAltNames } from '@scriba/sdk/x509';

export type Watch = {
  identities: RegExp[];
  issuers: RegExp[];
  /** DER SPKI of watched keys. */
  keys: Uint8Array[];
  /** watched sha256 digests (lower-case hex). */
  digests: string[];
};

export type Match = { type: 'digest' | 'identity' | 'issuer' | 'key'; value: string };

/** `sha256:<hex>` of a DER SPKI: how keys are shown. */
export function keyFingerprint(spki: Uint8Array): string {
  return `sha256:${hexEncode(sha256(spki))}`;
}

/** SANs (URI, e-mail, DNS, otherName), Fulcio issuer and SPKI of a DER certificate; undefined if malformed. */
export function certificateIdentity(
  der: Uint8Array,
): { sans: string[]; issuer?: string; spki: Uint8Array } | undefined {
  try {
    const cert = parseCertificate(der);
    const s = subjectAltNames(cert);
    const sans = [...s.uris, ...s.emails, ...s.dnsNames, ...s.otherNames];
    let issuer: string | undefined;
    try {
      issuer = fulcioIssuer(cert);
    } catch {
      issuer = undefined;
    }
    return issuer === undefined ? { sans, spki: cert.spki } : { sans, issuer, spki: cert.spki };
  } catch {
    return undefined;
  }
}

/** The sha256 digests (hex) an entry body names: the artifact's, or the DSSE payload's and envelope's. */
export function bodyDigests(body: RekorBody): string[] {
  const out: string[] = [];
  if (body.kind === 'hashedrekord') {
    if (body.digest.algorithm === 'sha256') out.push(hexEncode(body.digest.value));
    return out;
  }
  if (body.payloadHash.algorithm === 'sha256') out.push(hexEncode(body.payloadHash.value));
  if ('envelopeHash' in body && body.envelopeHash && body.envelopeHash.algorithm === 'sha256') {
    out.push(hexEncode(body.envelopeHash.value));
  }
  return out;
}

/** The verifiers (keys or certificates) of an entry body. */
export function bodyVerifiers(body: RekorBody): BodyVerifier[] {
  return body.kind === 'hashedrekord' ? [body.signature.verifier] : body.signatures.map((s) => s.verifier);
}

/** What in `body` matches `watch`. */
export function matchEntry(body: RekorBody, watch: Watch): Match[] {
  const hits: Match[] = [];
  for (const hex of bodyDigests(body)) {
    if (watch.digests.includes(hex)) hits.push({ type: 'digest', value: `sha256:${hex}` });
  }
  for (const v of bodyVerifiers(body)) {
    let spki: Uint8Array | undefined = v.type === 'publicKey' ? v.der : undefined;
    if (v.type === 'certificate') {
      const id = certificateIdentity(v.der);
      spki = id?.spki;
      for (const san of id?.sans ?? []) {
        if (watch.identities.some((re) => re.test(san))) hits.push({ type: 'identity', value: san });
      }
      const issuer = id?.issuer;
      if (issuer !== undefined && watch.issuers.some((re) => re.test(issuer))) {
        hits.push({ type: 'issuer', value: issuer });
      }
    }
    if (spki && watch.keys.some((k) => bytesEqual(k, spki)))
      hits.push({ type: 'key', value: keyFingerprint(spki) });
  }
  return hits;
}

export function isWatching(w: Watch): boolean {
  return w.identities.length + w.issuers.length + w.keys.length + w.digests.length > 0;
}
