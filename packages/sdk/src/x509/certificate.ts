/**
 * X.509 certificates (RFC 5280) for the Sigstore verifier: DER parsing through @peculiar/asn1-x509,
 * the fields path validation needs (raw TBS, names as DER, validity, extensions, key usage, basic
 * constraints, SAN), signature verification of a certificate by its issuer's key, and Fulcio's
 * identity extensions (OIDs 1.3.6.1.4.1.57264.1.1 / .1.8). Malformed input throws
 * CERTIFICATE_MALFORMED.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  KeyUsage,
  KeyUsageFlags,
  type Name,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { type PublicKey, parsePublicKey, verifySignature } from '../crypto/index.js';
import { bytesEqual } from '../encoding.js';
import { VerificationError } from '../verify/errors.js';
import { rawChildren, single } from './der.js';

export const OID_SCT_LIST = '1.3.6.1.4.1.11129.2.4.2';
export const OID_FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
export const OID_FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
export const OID_EKU_CODE_SIGNING = '1.3.6.1.5.5.7.3.3';
export const OID_EKU_TIME_STAMPING = '1.3.6.1.5.5.7.3.8';
const OID_SAN = '2.5.29.17';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const OID_EXT_KEY_USAGE = '2.5.29.37';
const OID_SKI = '2.5.29.14';

/** Signature algorithms accepted on certificates and CMS signers. */
const SIG_ALGS: Record<string, { hash: 'sha256' | 'sha384' | 'sha512' } | { hash?: undefined }> = {
  '1.2.840.10045.4.3.2': { hash: 'sha256' }, // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': { hash: 'sha384' },
  '1.2.840.10045.4.3.4': { hash: 'sha512' },
  '1.2.840.113549.1.1.11': { hash: 'sha256' }, // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12': { hash: 'sha384' },
  '1.2.840.113549.1.1.13': { hash: 'sha512' },
  '1.3.101.112': {}, // Ed25519
};

export type CertExtension = { oid: string; critical: boolean; value: Uint8Array };

export type X509Certificate = {
  der: Uint8Array;
  tbs: Uint8Array;
  signatureAlgorithm: string;
  signature: Uint8Array;
  serialNumber: Uint8Array;
  /** DER of the issuer and subject Names (compared byte-wise). */
  issuer: Uint8Array;
  subject: Uint8Array;
  notBefore: number;
  notAfter: number;
  spki: Uint8Array;
  extensions: CertExtension[];
  isCA: boolean;
  subjectKeyId?: Uint8Array;
  keyUsageDigitalSignature: boolean;
  keyUsageCertSign: boolean;
  extKeyUsage: string[];
  /** Lazily parsed public key. */
  publicKey(): PublicKey;
  extension(oid: string): CertExtension | undefined;
};

function malformed(message: string, cause?: unknown): never {
  throw new VerificationError('CERTIFICATE_MALFORMED', message, { cause });
}

const u8 = (b: ArrayBuffer | ArrayBufferView): Uint8Array =>
  b instanceof Uint8Array
    ? b
    : ArrayBuffer.isView(b)
      ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
      : new Uint8Array(b);

/** Parses a DER X.509 certificate. Throws CERTIFICATE_MALFORMED. */
export function parseCertificate(der: Uint8Array): X509Certificate {
  let cert: Certificate;
  try {
    cert = AsnConvert.parse(der, Certificate);
  } catch (e) {
    malformed('certificate is not valid DER', e);
  }
  try {
    return fromAsn(der, cert);
  } catch (e) {
    if (e instanceof VerificationError) throw e;
    malformed('certificate has malformed fields', e);
  }
}

function fromAsn(der: Uint8Array, cert: Certificate): X509Certificate {
  const tbsc = cert.tbsCertificate;
  if (!cert.tbsCertificateRaw) malformed('certificate TBS bytes unavailable');
  const extensions: CertExtension[] = (tbsc.extensions ?? []).map((e) => ({
    oid: e.extnID,
    critical: e.critical,
    value: u8(e.extnValue.buffer),
  }));
  const seen = new Set<string>();
  for (const e of extensions) {
    if (seen.has(e.oid)) malformed(`duplicate extension ${e.oid}`);
    seen.add(e.oid);
  }
  const ext = (oid: string) => extensions.find((e) => e.oid === oid);
  const bc = ext(OID_BASIC_CONSTRAINTS);
  const isCA = bc ? AsnConvert.parse(bc.value, BasicConstraints).cA : false;
  const ku = ext(OID_KEY_USAGE);
  const kuFlags = ku ? AsnConvert.parse(ku.value, KeyUsage).toNumber() : 0;
  const eku = ext(OID_EXT_KEY_USAGE);
  const extKeyUsage = eku ? Array.from(AsnConvert.parse(eku.value, ExtendedKeyUsage)) : [];
  const ski = ext(OID_SKI);
  const spki = u8(AsnConvert.serialize(tbsc.subjectPublicKeyInfo));
  let key: PublicKey | undefined;
  const names = rawNames(u8(cert.tbsCertificateRaw));
  const c: X509Certificate = {
    der,
    tbs: u8(cert.tbsCertificateRaw),
    signatureAlgorithm: cert.signatureAlgorithm.algorithm,
    signature: u8(cert.signatureValue),
    serialNumber: u8(tbsc.serialNumber),
    issuer: names.issuer,
    subject: names.subject,
    notBefore: tbsc.validity.notBefore.getTime().getTime(),
    notAfter: tbsc.validity.notAfter.getTime().getTime(),
    spki,
    extensions,
    isCA,
    keyUsageDigitalSignature: ku === undefined || (kuFlags & KeyUsageFlags.digitalSignature) !== 0,
    keyUsageCertSign: ku === undefined || (kuFlags & KeyUsageFlags.keyCertSign) !== 0,
    extKeyUsage,
    publicKey() {
      if (key === undefined) {
        try {
          key = parsePublicKey(spki);
        } catch (e) {
          throw new VerificationError('CERTIFICATE_MALFORMED', 'unsupported certificate public key', {
            cause: e,
          });
        }
      }
      return key;
    },
    extension: ext,
  };
  if (ski) c.subjectKeyId = u8(AsnConvert.parse(ski.value, SubjectKeyIdentifier).buffer);
  if (!Number.isFinite(c.notBefore) || !Number.isFinite(c.notAfter)) malformed('invalid validity');
  return c;
}

/** The issuer and subject Name TLVs of a TBSCertificate, byte for byte. */
function rawNames(tbs: Uint8Array): { issuer: Uint8Array; subject: Uint8Array } {
  const parts = rawChildren(single(tbs).value);
  const o = parts[0]?.tag === 0xa0 ? 1 : 0; // [0] EXPLICIT version
  const issuer = parts[o + 2];
  const subject = parts[o + 4];
  if (!issuer || !subject) malformed('truncated TBSCertificate');
  return { issuer: issuer.raw, subject: subject.raw };
}

/** True when the certificate's validity covers `t` (ms), bounds inclusive (RFC 5280 §4.1.2.5). */
export function certificateValidAt(cert: X509Certificate, t: number): boolean {
  return t >= cert.notBefore && t <= cert.notAfter;
}

/** True when subject == issuer (a self-issued certificate, i.e. a root in a chain). */
export function isSelfIssued(cert: X509Certificate): boolean {
  return bytesEqual(cert.subject, cert.issuer);
}

/**
 * Verifies a signature made with an X.509 signature algorithm (`oid`) by `key` over `data`.
 * Unsupported algorithms simply do not verify (false).
 */
export async function verifyWithAlgorithm(
  key: PublicKey,
  oid: string,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const alg = Object.hasOwn(SIG_ALGS, oid) ? SIG_ALGS[oid] : undefined;
  if (alg === undefined) return false;
  if (oid === '1.3.101.112') {
    if (key.kind !== 'ed25519') return false;
    return verifySignature(key, data, signature);
  }
  const wantRsa = oid.startsWith('1.2.840.113549.');
  if (wantRsa !== (key.kind === 'rsa') || key.kind === 'ed25519') return false;
  try {
    return await verifySignature(key, data, signature, {
      hash: alg.hash,
      ...(key.kind === 'ecdsa' ? { ecdsaFormat: 'der' as const } : {}),
    });
  } catch {
    return false;
  }
}

const issuedCache = new WeakMap<X509Certificate, WeakMap<X509Certificate, Promise<boolean>>>();

/** True when `issuer` issued `cert`: names chain and the signature verifies (memoized per pair). */
export function isIssuedBy(cert: X509Certificate, issuer: X509Certificate): Promise<boolean> {
  if (!bytesEqual(cert.issuer, issuer.subject)) return Promise.resolve(false);
  let m = issuedCache.get(cert);
  if (!m) {
    m = new WeakMap();
    issuedCache.set(cert, m);
  }
  let p = m.get(issuer);
  if (!p) {
    p = (async () => {
      let key: PublicKey;
      try {
        key = issuer.publicKey();
      } catch {
        return false;
      }
      return verifyWithAlgorithm(key, cert.signatureAlgorithm, cert.tbs, cert.signature);
    })();
    m.set(issuer, p);
  }
  return p;
}

export type SubjectAltNames = { uris: string[]; emails: string[]; dnsNames: string[]; otherNames: string[] };

/** The SAN entries of a certificate (URIs, emails, DNS names, UTF8 otherNames). */
export function subjectAltNames(cert: X509Certificate): SubjectAltNames {
  const out: SubjectAltNames = { uris: [], emails: [], dnsNames: [], otherNames: [] };
  const ext = cert.extension(OID_SAN);
  if (!ext) return out;
  let san: SubjectAltName;
  try {
    san = AsnConvert.parse(ext.value, SubjectAlternativeName);
  } catch (e) {
    malformed('malformed subjectAltName', e);
  }
  for (const g of san) {
    if (g.uniformResourceIdentifier !== undefined) out.uris.push(g.uniformResourceIdentifier);
    if (g.rfc822Name !== undefined) out.emails.push(g.rfc822Name);
    if (g.dNSName !== undefined) out.dnsNames.push(g.dNSName);
    if (g.otherName !== undefined) {
      const s = derUtf8String(u8(g.otherName.value));
      if (s !== undefined) out.otherNames.push(s);
    }
  }
  return out;
}
type SubjectAltName = SubjectAlternativeName;

/** Decodes a DER UTF8String/IA5String/PrintableString TLV (optionally wrapped in [0] EXPLICIT). */
function derUtf8String(b: Uint8Array): string | undefined {
  let p = b;
  if (p[0] === 0xa0) p = p.subarray(headerLength(p));
  const tag = p[0];
  if (tag !== 0x0c && tag !== 0x16 && tag !== 0x13) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(p.subarray(headerLength(p)));
  } catch {
    return undefined;
  }
}

function headerLength(p: Uint8Array): number {
  const l = p[1] ?? 0;
  return l & 0x80 ? 2 + (l & 0x7f) : 2;
}

/**
 * The OIDC issuer Fulcio recorded: OID 1.3.6.1.4.1.57264.1.8 (a DER UTF8String) when present,
 * else the deprecated 1.3.6.1.4.1.57264.1.1 (raw string bytes).
 */
export function fulcioIssuer(cert: X509Certificate): string | undefined {
  const v2 = cert.extension(OID_FULCIO_ISSUER_V2);
  if (v2) {
    const s = derUtf8String(v2.value);
    if (s === undefined) malformed('malformed Fulcio issuer extension (1.3.6.1.4.1.57264.1.8)');
    return s;
  }
  const v1 = cert.extension(OID_FULCIO_ISSUER_V1);
  if (v1) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(v1.value);
    } catch (e) {
      malformed('malformed Fulcio issuer extension (1.3.6.1.4.1.57264.1.1)', e);
    }
  }
  return undefined;
}

/** A Name's DER, for comparisons with CMS issuerAndSerialNumber. */
export function nameDer(name: Name): Uint8Array {
  return u8(AsnConvert.serialize(name));
}
