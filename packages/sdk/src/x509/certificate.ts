/**
 * X.509 certificates (RFC 5280) for the Sigstore verifier: the fields path validation needs (raw
 * TBS, names as DER, validity, extensions, key usage, basic constraints, SAN), signature
 * verification of a certificate by its issuer's key, and Fulcio's identity extensions (OIDs
 * 1.3.6.1.4.1.57264.1.1 / .1.8). Malformed input throws CERTIFICATE_MALFORMED.
 *
 * Certificates are read with a small strict DER walker (definite minimal lengths, X.690 §10) rather
 * than a generic ASN.1 schema library: a Fulcio leaf carries ~20 extensions and the schema path cost
 * ~5 ms per certificate, more than every signature check of a bundle together. Only the structure
 * above is interpreted; extension values are decoded by the accessors below.
 */
import { decodeOid } from '../crypto/der.js';
import { type PublicKey, parsePublicKey, verifySignature } from '../crypto/index.js';
import { bytesEqual } from '../encoding.js';
import { VerificationError } from '../verify/errors.js';
import { type RawTlv, rawChildren, single } from './der.js';
import { signatureAlgorithmOf } from './oids.js';

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

/** Parses a DER X.509 certificate. Throws CERTIFICATE_MALFORMED. */
export function parseCertificate(der: Uint8Array): X509Certificate {
  try {
    return parseDer(der);
  } catch (e) {
    if (e instanceof VerificationError) throw e;
    malformed('certificate is not valid DER', e);
  }
}

const TAG_BOOLEAN = 0x01;
const TAG_INTEGER = 0x02;
const TAG_BIT_STRING = 0x03;
const TAG_OCTET_STRING = 0x04;
const TAG_OID = 0x06;
const TAG_SEQUENCE = 0x30;

function expect(t: RawTlv | undefined, tag: number, what: string): RawTlv {
  if (!t || t.tag !== tag) malformed(`certificate: expected ${what}`);
  return t;
}

function bitString(t: RawTlv): Uint8Array {
  if (t.value.length === 0) malformed('empty BIT STRING');
  return t.value.subarray(1);
}

function parseTime(t: RawTlv | undefined): number {
  if (!t || (t.tag !== 0x17 && t.tag !== 0x18)) malformed('certificate: expected a Time');
  const s = String.fromCharCode(...t.value);
  const m =
    t.tag === 0x17
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) malformed(`certificate: invalid time ${s}`);
  let year = Number(m[1]);
  if (t.tag === 0x17) year += year >= 50 ? 1900 : 2000; // RFC 5280 §4.1.2.5.1
  return Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

function parseDer(der: Uint8Array): X509Certificate {
  const [tbsT, algT, sigT, ...rest] = rawChildren(expect(single(der), TAG_SEQUENCE, 'Certificate').value);
  if (rest.length) malformed('certificate: trailing fields');
  const tbsRaw = expect(tbsT, TAG_SEQUENCE, 'TBSCertificate');
  const alg = rawChildren(expect(algT, TAG_SEQUENCE, 'AlgorithmIdentifier').value)[0];
  const signatureAlgorithm = decodeOid(expect(alg, TAG_OID, 'signature algorithm').value);
  const signature = bitString(expect(sigT, TAG_BIT_STRING, 'signature'));
  const parts = rawChildren(tbsRaw.value);
  let i = 0;
  if (parts[0]?.tag === 0xa0) i++;
  const serial = expect(parts[i++], TAG_INTEGER, 'serialNumber');
  expect(parts[i++], TAG_SEQUENCE, 'signature');
  const issuer = expect(parts[i++], TAG_SEQUENCE, 'issuer');
  const validity = rawChildren(expect(parts[i++], TAG_SEQUENCE, 'validity').value);
  const subject = expect(parts[i++], TAG_SEQUENCE, 'subject');
  const spkiT = expect(parts[i++], TAG_SEQUENCE, 'subjectPublicKeyInfo');
  const extensions: CertExtension[] = [];
  for (; i < parts.length; i++) {
    const p = parts[i] as RawTlv;
    if (p.tag === 0x81 || p.tag === 0x82) continue; // issuer/subject unique IDs
    if (p.tag !== 0xa3) malformed('certificate: unexpected TBS field');
    for (const ext of rawChildren(expect(single(p.value), TAG_SEQUENCE, 'Extensions').value)) {
      const f = rawChildren(expect(ext, TAG_SEQUENCE, 'Extension').value);
      const oid = decodeOid(expect(f[0], TAG_OID, 'extnID').value);
      let critical = false;
      let k = 1;
      if (f[1]?.tag === TAG_BOOLEAN) {
        critical = f[1].value[0] !== 0;
        k = 2;
      }
      const value = expect(f[k], TAG_OCTET_STRING, 'extnValue').value;
      if (extensions.some((e) => e.oid === oid)) malformed(`duplicate extension ${oid}`);
      extensions.push({ oid, critical, value });
    }
  }
  const ext = (oid: string) => extensions.find((e) => e.oid === oid);
  const bc = ext(OID_BASIC_CONSTRAINTS);
  const bcFields = bc ? rawChildren(expect(single(bc.value), TAG_SEQUENCE, 'BasicConstraints').value) : [];
  const isCA = bcFields[0]?.tag === TAG_BOOLEAN && bcFields[0].value[0] !== 0;
  const ku = ext(OID_KEY_USAGE);
  const kuBits = ku ? bitString(expect(single(ku.value), TAG_BIT_STRING, 'KeyUsage')) : undefined;
  const eku = ext(OID_EXT_KEY_USAGE);
  const extKeyUsage = eku
    ? rawChildren(expect(single(eku.value), TAG_SEQUENCE, 'ExtKeyUsage').value).map((o) =>
        decodeOid(expect(o, TAG_OID, 'KeyPurposeId').value),
      )
    : [];
  const ski = ext(OID_SKI);
  let key: PublicKey | undefined;
  const spki = spkiT.raw;
  const c: X509Certificate = {
    der,
    tbs: tbsRaw.raw,
    signatureAlgorithm,
    signature,
    serialNumber: serial.value,
    issuer: issuer.raw,
    subject: subject.raw,
    notBefore: parseTime(validity[0]),
    notAfter: parseTime(validity[1]),
    spki,
    extensions,
    isCA,
    keyUsageDigitalSignature: kuBits === undefined || ((kuBits[0] ?? 0) & 0x80) !== 0,
    keyUsageCertSign: kuBits === undefined || ((kuBits[0] ?? 0) & 0x04) !== 0,
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
  if (ski) c.subjectKeyId = expect(single(ski.value), TAG_OCTET_STRING, 'SubjectKeyIdentifier').value;
  return c;
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
  const alg = signatureAlgorithmOf(oid);
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
    })().catch(() => false);
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
  try {
    const td = new TextDecoder('utf-8', { fatal: true });
    for (const g of rawChildren(expect(single(ext.value), TAG_SEQUENCE, 'GeneralNames').value)) {
      if (g.tag === 0x86) out.uris.push(td.decode(g.value));
      else if (g.tag === 0x81) out.emails.push(td.decode(g.value));
      else if (g.tag === 0x82) out.dnsNames.push(td.decode(g.value));
      else if (g.tag === 0xa0) {
        // otherName: type-id OID, [0] EXPLICIT value
        const v = rawChildren(g.value)[1];
        const s = v ? derUtf8String(v.raw) : undefined;
        if (s !== undefined) out.otherNames.push(s);
      }
    }
  } catch (e) {
    if (e instanceof VerificationError) throw e;
    malformed('malformed subjectAltName', e);
  }
  return out;
}

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
