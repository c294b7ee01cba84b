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
import { DerReader, type RawTlv, rawChildren, single, TAG_INTEGER, TAG_SEQUENCE } from './der.js';
import { signatureAlgorithmOf, signatureParamsRule } from './oids.js';

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

function expect(t: RawTlv | undefined, tag: number, what: string): RawTlv {
  if (!t || t.tag !== tag) malformed(`certificate: expected ${what}`);
  return t;
}

/** Parses a DER X.509 certificate. Throws CERTIFICATE_MALFORMED (with `field` naming the part). */
export function parseCertificate(der: Uint8Array): X509Certificate {
  try {
    return parseDer(der);
  } catch (e) {
    if (e instanceof VerificationError) throw e;
    malformed('certificate is not valid DER', e);
  }
}

function parseDer(der: Uint8Array): X509Certificate {
  const cert = DerReader.top(der, TAG_SEQUENCE, 'Certificate', 'CERTIFICATE_MALFORMED');
  const tbsRaw = cert.next(TAG_SEQUENCE, 'tbsCertificate');
  const outerAlg = cert.algorithm('signatureAlgorithm');
  // Re-read with the parameter rule of the algorithm (absent for ECDSA/EdDSA, NULL for RSA).
  new DerReader(outerAlg.raw, 'Certificate', 'CERTIFICATE_MALFORMED').algorithm(
    'signatureAlgorithm',
    signatureParamsRule(outerAlg.oid),
  );
  const signature = cert.bitString('signatureValue', { octetAligned: true });
  cert.end();

  const tbs = cert.into(tbsRaw, 'tbsCertificate', 'TBSCertificate');
  let version = 0; // v1, the DEFAULT: DER omits it (X.690 §11.5)
  const versionT = tbs.optional(0xa0, 'version');
  if (versionT) {
    const v = tbs.into(versionT, 'version');
    version = v.smallInt('');
    v.end();
    if (version !== 1 && version !== 2)
      tbs.fail('version', `version ${version} is not v2 or v3 (v1 is omitted)`);
  }
  const serial = tbs.integer('serialNumber');
  const innerAlg = tbs.algorithm('signature');
  if (!bytesEqual(innerAlg.raw, outerAlg.raw)) {
    tbs.fail('signature', 'differs from Certificate.signatureAlgorithm (RFC 5280 §4.1.1.2)');
  }
  const issuer = readName(tbs, 'issuer');
  const validity = tbs.enter(TAG_SEQUENCE, 'validity');
  const notBefore = validity.time('notBefore');
  const notAfter = validity.time('notAfter');
  validity.end();
  const subject = readName(tbs, 'subject');
  const spkiT = tbs.next(TAG_SEQUENCE, 'subjectPublicKeyInfo');
  const spkiR = tbs.into(spkiT, 'subjectPublicKeyInfo');
  spkiR.algorithm('algorithm');
  spkiR.bitString('subjectPublicKey');
  spkiR.end();
  if (tbs.optional(0x81, 'issuerUniqueID') && version < 1) tbs.fail('issuerUniqueID', 'needs v2 or v3');
  if (tbs.optional(0x82, 'subjectUniqueID') && version < 1) tbs.fail('subjectUniqueID', 'needs v2 or v3');
  const extensions: CertExtension[] = [];
  const extsT = tbs.optional(0xa3, 'extensions');
  if (extsT) {
    if (version !== 2) tbs.fail('extensions', 'extensions need v3');
    const wrap = tbs.into(extsT, 'extensions');
    const list = wrap.elements(wrap.next(TAG_SEQUENCE, ''), '', { sorted: false, min: 1 });
    wrap.end();
    list.forEach((ext, i) => {
      const e = wrap.into(ext, '', `TBSCertificate.extensions[${i}]`);
      if (ext.tag !== TAG_SEQUENCE) e.fail('', 'expected an Extension SEQUENCE');
      const oid = e.oid('extnID');
      const critical = e.defaultFalse('critical');
      const value = e.octets('extnValue');
      e.end();
      if (extensions.some((x) => x.oid === oid)) e.fail('extnID', `duplicate extension ${oid}`);
      extensions.push({ oid, critical, value });
    });
  }
  tbs.end();

  const ext = (oid: string) => extensions.find((e) => e.oid === oid);
  const extReader = (oid: string, tag: number, what: string) => {
    const x = ext(oid);
    return x ? DerReader.top(x.value, tag, `extension ${what}`, 'CERTIFICATE_MALFORMED') : undefined;
  };
  let isCA = false;
  const bc = extReader(OID_BASIC_CONSTRAINTS, TAG_SEQUENCE, 'BasicConstraints');
  if (bc) {
    isCA = bc.defaultFalse('cA');
    if (bc.peekTag() === TAG_INTEGER) bc.smallInt('pathLenConstraint');
    bc.end();
  }
  const ku = ext(OID_KEY_USAGE);
  let kuBits: Uint8Array | undefined;
  if (ku) {
    const r = new DerReader(ku.value, 'extension', 'CERTIFICATE_MALFORMED');
    kuBits = r.bitString('KeyUsage', { named: true });
    r.end();
  }
  const eku = extReader(OID_EXT_KEY_USAGE, TAG_SEQUENCE, 'ExtKeyUsage');
  const extKeyUsage: string[] = [];
  if (eku) {
    while (!eku.atEnd()) extKeyUsage.push(eku.oid(`[${extKeyUsage.length}]`));
    if (extKeyUsage.length === 0) eku.fail('', 'empty ExtKeyUsage');
  }
  let subjectKeyId: Uint8Array | undefined;
  const ski = ext(OID_SKI);
  if (ski) {
    const r = new DerReader(ski.value, 'extension', 'CERTIFICATE_MALFORMED');
    subjectKeyId = r.octets('SubjectKeyIdentifier');
    r.end();
  }
  let key: PublicKey | undefined;
  const spki = spkiT.raw;
  const c: X509Certificate = {
    der,
    tbs: tbsRaw.raw,
    signatureAlgorithm: outerAlg.oid,
    signature,
    serialNumber: serial,
    issuer,
    subject,
    notBefore,
    notAfter,
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
  if (subjectKeyId) c.subjectKeyId = subjectKeyId;
  return c;
}

/**
 * Reads an X.501 Name (RDNSequence, RFC 5280 §4.1.2.4): SEQUENCE OF RelativeDistinguishedName,
 * each a non-empty SET OF AttributeTypeAndValue in DER order, each value well-formed DER. Returns
 * the Name's full encoding (names are compared byte-wise).
 */
export function readName(r: DerReader, field: string): Uint8Array {
  const t = r.next(TAG_SEQUENCE, field);
  checkName(r.into(t, field));
  return t.raw;
}

function checkName(name: DerReader): void {
  let i = 0;
  while (!name.atEnd()) {
    const rdnField = `[${i++}]`;
    const rdn = name.setOf(rdnField, { min: 1 });
    rdn.forEach((atv, j) => {
      const a = name.into(atv, `${rdnField}[${j}]`);
      if (atv.tag !== TAG_SEQUENCE) a.fail('', 'expected an AttributeTypeAndValue SEQUENCE');
      a.oid('type');
      a.any('value');
      a.end();
    });
  }
}

/**
 * Reads a GeneralName (RFC 5280 §4.2.1.6) and checks its form; returns its tag and, for a
 * directoryName, the Name's encoding.
 */
export function readGeneralName(r: DerReader, field: string): { tag: number; directoryName?: Uint8Array } {
  const tag = r.peekTag();
  switch (tag) {
    case 0x81: // rfc822Name
    case 0x82: // dNSName
    case 0x86: {
      // uniformResourceIdentifier (IA5String)
      const v = r.octets(field, tag);
      if (v.some((b) => b > 0x7f)) r.fail(field, 'IA5String with non-ASCII bytes');
      return { tag };
    }
    case 0x87: {
      const v = r.octets(field, tag);
      if (v.length !== 4 && v.length !== 16) r.fail(field, 'iPAddress of neither 4 nor 16 bytes');
      return { tag };
    }
    case 0x88: {
      const v = r.next(0x88, field).value;
      try {
        decodeOid(v);
      } catch (e) {
        r.fail(field, 'malformed registeredID', e);
      }
      return { tag };
    }
    case 0xa4: {
      const d = r.enter(0xa4, field);
      const name = readName(d, 'directoryName');
      d.end();
      return { tag, directoryName: name };
    }
    case 0xa0: {
      const o = r.enter(0xa0, field);
      o.oid('type-id');
      const v = o.enter(0xa0, 'value');
      v.any('');
      v.end();
      o.end();
      return { tag };
    }
    case 0xa3:
    case 0xa5:
      r.any(field);
      return { tag };
    default:
      r.fail(field, tag === undefined ? 'missing' : `unknown GeneralName tag 0x${tag.toString(16)}`);
  }
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
  const alg = signatureAlgorithmOf(oid, 'x509');
  if (alg === undefined || alg.key !== key.kind) return false;
  try {
    if (key.kind === 'ed25519') return await verifySignature(key, data, signature);
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

export type SubjectAltNames = {
  uris: string[];
  emails: string[];
  dnsNames: string[];
  /** String otherNames (e.g. Fulcio's 1.3.6.1.4.1.57264.1.7 username). */
  otherNames: string[];
  /** iPAddress names as `formatIpAddress` renders them. */
  ipAddresses: string[];
};

/**
 * An iPAddress GeneralName (RFC 5280 §4.2.1.6: 4 octets IPv4, 16 octets IPv6) as text, the way
 * OpenSSL and node render it: IPv4 dotted decimal; IPv6 eight colon-separated groups of upper-case
 * hex without leading zeros and without `::` compression. Undefined for any other length.
 */
export function formatIpAddress(b: Uint8Array): string | undefined {
  if (b.length === 4) return [...b].join('.');
  if (b.length !== 16) return undefined;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) {
    groups.push((((b[i] as number) << 8) | (b[i + 1] as number)).toString(16).toUpperCase());
  }
  return groups.join(':');
}

/** The SAN entries of a certificate (URIs, emails, DNS names, string otherNames, IP addresses). */
export function subjectAltNames(cert: X509Certificate): SubjectAltNames {
  const out: SubjectAltNames = { uris: [], emails: [], dnsNames: [], otherNames: [], ipAddresses: [] };
  const ext = cert.extension(OID_SAN);
  if (!ext) return out;
  try {
    const td = new TextDecoder('utf-8', { fatal: true });
    for (const g of rawChildren(expect(single(ext.value), TAG_SEQUENCE, 'GeneralNames').value)) {
      if (g.tag === 0x86) out.uris.push(td.decode(g.value));
      else if (g.tag === 0x81) out.emails.push(td.decode(g.value));
      else if (g.tag === 0x82) out.dnsNames.push(td.decode(g.value));
      else if (g.tag === 0x87) {
        const ip = formatIpAddress(g.value);
        if (ip === undefined) malformed('iPAddress of neither 4 nor 16 bytes');
        out.ipAddresses.push(ip);
      } else if (g.tag === 0xa0) {
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
