/**
 * Strict DER reading of RFC 3161 time-stamp tokens: TimeStampResp (RFC 3161 §2.4.2) or a bare
 * TimeStampToken, i.e. a CMS ContentInfo with SignedData (RFC 5652 §5) carrying an id-ct-TSTInfo
 * (RFC 3161 §2.4.2), signed attributes with content type, message digest and the ESS
 * signing-certificate attribute (RFC 5035 / RFC 2634 §5.4), optionally CMSAlgorithmProtection
 * (RFC 6211). Every field is read and checked, signed or not; nothing is skipped:
 *
 * - ContentInfo: contentType id-signedData, content [0] EXPLICIT, nothing after.
 * - SignedData: version 3 (RFC 5652 §5.1: eContentType is not id-data), digestAlgorithms a DER SET
 *   of known hashes, encapContentInfo with id-ct-TSTInfo and its eContent, certificates [0] (X.509
 *   certificates only, each parsed strictly), crls [1] (CertificateLists or other formats, each
 *   well-formed), exactly one SignerInfo.
 * - SignerInfo: version 1 with issuerAndSerialNumber or 3 with subjectKeyIdentifier, a known
 *   digestAlgorithm listed in digestAlgorithms, signedAttrs (a DER SET, each attribute once, each
 *   with one value for the attributes RFC 5652 §11 says so), a known signatureAlgorithm with the
 *   parameters its spec fixes, the signature, unsignedAttrs well-formed.
 * - TSTInfo: version 1, policy, messageImprint (known hash, digest of its length), serialNumber,
 *   genTime (DER GeneralizedTime), accuracy (millis and micros 1..999), ordering (DER: present only
 *   when TRUE), nonce, tsa [0] GeneralName, extensions [1] (no critical ones: none is defined).
 *
 * DER order of SET OF elements (X.690 §11.6) is required where RFC 5652 requires DER (the signed
 * attributes, which the signature covers, and their values) and for digestAlgorithms; the
 * certificates, crls and unsigned attributes may come in the order the TSA wrote them (RFC 5652
 * allows BER there and TSAs commonly write a chain leaf first).
 *
 * Every refusal is TIMESTAMP_MALFORMED with `field` naming the offending field.
 */
import { DIGEST_LENGTH, type HashAlgorithm } from '../crypto/index.js';
import { VerificationError } from '../verify/errors.js';
import { parseCertificate, readGeneralName, readName, type X509Certificate } from './certificate.js';
import {
  DerReader,
  encodeTlv,
  type RawTlv,
  TAG_INTEGER,
  TAG_OCTET_STRING,
  TAG_SEQUENCE,
  TAG_SET,
  TAG_UTC_TIME,
} from './der.js';
import { hashAlgorithmOf, signatureAlgorithmOf } from './oids.js';

export const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
export const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4';
const OID_ATTR_CONTENT_TYPE = '1.2.840.113549.1.9.3';
export const OID_ATTR_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const OID_ATTR_SIGNING_TIME = '1.2.840.113549.1.9.5';
const OID_ATTR_SIGNING_CERTIFICATE = '1.2.840.113549.1.9.16.2.12';
const OID_ATTR_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';
const OID_ATTR_CMS_ALGORITHM_PROTECTION = '1.2.840.113549.1.9.52';

/** An ESS certificate identifier (RFC 5035 ESSCertIDv2 / RFC 2634 ESSCertID). */
export type EssCertId = {
  /** 'sha1' for a version-1 SigningCertificate. */
  hashAlgorithm: HashAlgorithm | 'sha1';
  certHash: Uint8Array;
  issuerSerial?: { issuerNames: Uint8Array[]; serial: Uint8Array };
};

/** The signer of a CMS SignedData: its identifier and what it signed. */
export type CmsSigner = {
  version: 1 | 3;
  /** issuerAndSerialNumber (issuer Name DER + serial contents) or subjectKeyIdentifier. */
  sid: { issuer: Uint8Array; serial: Uint8Array } | { ski: Uint8Array };
  digestAlgorithm: string;
  signatureAlgorithm: string;
  signature: Uint8Array;
  /** Signed attributes: type OID -> its single value TLV (the first value for multi-valued ones). */
  attributes: Map<string, RawTlv>;
  /** The certificates named by the ESS signing-certificate attribute (first = the signer's). */
  essCertIds: EssCertId[];
};

export type ParsedTimestamp = {
  genTime: number;
  imprintAlgorithm: HashAlgorithm;
  imprint: Uint8Array;
  /** The DER TSTInfo (the signed content). */
  tstInfo: Uint8Array;
  policy: string;
  serialNumber: Uint8Array;
  nonce?: Uint8Array;
  /** The `tsa` field: its GeneralName tag and, for a directoryName, the Name's DER. */
  tsaName?: { tag: number; directoryName?: Uint8Array };
  signer: CmsSigner;
  /** The DER SET OF signed attributes that the signature covers. */
  signedAttrs: Uint8Array;
  embedded: X509Certificate[];
};

const CODE = 'TIMESTAMP_MALFORMED' as const;

/** Parses a DER TimeStampResp (status granted) or a bare TimeStampToken. Throws TIMESTAMP_MALFORMED. */
export function parseTimestamp(der: Uint8Array): ParsedTimestamp {
  if (!(der instanceof Uint8Array)) {
    throw new VerificationError(CODE, 'TimeStampToken: not bytes', { field: 'TimeStampToken' });
  }
  const top = DerReader.top(der, TAG_SEQUENCE, 'TimeStampToken', CODE);
  // A TimeStampResp starts with PKIStatusInfo (a SEQUENCE); a ContentInfo with an OID.
  let ci: DerReader;
  if (top.peekTag() === TAG_SEQUENCE) {
    const resp = DerReader.top(der, TAG_SEQUENCE, 'TimeStampResp', CODE);
    readStatus(resp.enter(TAG_SEQUENCE, 'status', 'PKIStatusInfo'));
    ci = resp.enter(TAG_SEQUENCE, 'timeStampToken', 'ContentInfo');
    resp.end();
  } else {
    ci = DerReader.top(der, TAG_SEQUENCE, 'ContentInfo', CODE);
  }
  if (ci.oid('contentType') !== OID_SIGNED_DATA) ci.fail('contentType', 'not id-signedData');
  const content = ci.enter(0xa0, 'content');
  const signedData = readSignedData(content.enter(TAG_SEQUENCE, '', 'SignedData'));
  content.end();
  ci.end();
  const info = readTstInfo(signedData.tstInfo);
  return { ...info, ...signedData };
}

/** PKIStatusInfo (RFC 3161 §2.4.2): status granted (0) or grantedWithMods (1), no failInfo. */
function readStatus(r: DerReader): void {
  const status = r.smallInt('status');
  if (status !== 0 && status !== 1) r.fail('status', `status ${status} is not granted`);
  const text = r.optional(TAG_SEQUENCE, 'statusString');
  if (text) {
    for (const s of r.elements(text, 'statusString', { sorted: false, min: 1 })) {
      if (s.tag !== 0x0c) r.fail('statusString', 'PKIFreeText holds a non-UTF8String');
    }
  }
  if (r.peekTag() === 0x03) r.fail('failInfo', 'failInfo present in a granted response');
  r.end();
}

type SignedDataPart = Pick<ParsedTimestamp, 'tstInfo' | 'signer' | 'signedAttrs' | 'embedded'>;

function readSignedData(sd: DerReader): SignedDataPart {
  const version = sd.smallInt('version');
  if (version !== 3)
    sd.fail('version', `version ${version}, want 3 (RFC 5652 §5.1, eContentType id-ct-TSTInfo)`);
  const digestAlgorithms = new Set<string>();
  sd.setOf('digestAlgorithms').forEach((t, i) => {
    const oid = hashAlgorithm('SignedData', `digestAlgorithms[${i}]`, t);
    if (digestAlgorithms.has(oid)) sd.fail(`digestAlgorithms[${i}]`, `duplicate digest algorithm ${oid}`);
    digestAlgorithms.add(oid);
  });
  const eci = sd.enter(TAG_SEQUENCE, 'encapContentInfo', 'EncapsulatedContentInfo');
  if (eci.oid('eContentType') !== OID_TST_INFO) eci.fail('eContentType', 'not id-ct-TSTInfo');
  const eContent = eci.enter(0xa0, 'eContent');
  const tstInfo = eContent.octets('');
  eContent.end();
  eci.end();

  const embedded: X509Certificate[] = [];
  const certs = sd.optional(0xa0, 'certificates');
  if (certs) {
    sd.elements(certs, 'certificates', { sorted: false }).forEach((c, i) => {
      const field = `certificates[${i}]`;
      if (c.tag !== TAG_SEQUENCE) sd.fail(field, 'only X.509 certificates are supported in a timestamp');
      try {
        embedded.push(parseCertificate(c.raw));
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        sd.fail(field, `embedded certificate is malformed (${why})`, e);
      }
    });
  }
  const crls = sd.optional(0xa1, 'crls');
  if (crls) {
    sd.elements(crls, 'crls', { sorted: false }).forEach((c, i) => {
      readRevocationInfo(sd, c, `crls[${i}]`);
    });
  }
  const infos = sd.setOf('signerInfos');
  if (infos.length !== 1) sd.fail('signerInfos', `${infos.length} SignerInfos, want exactly one`);
  const siT = infos[0] as RawTlv;
  if (siT.tag !== TAG_SEQUENCE) sd.fail('signerInfos[0]', 'expected a SignerInfo SEQUENCE');
  sd.end();
  const { signer, signedAttrs } = readSignerInfo(sd.into(siT, '', 'SignerInfo'), digestAlgorithms);
  return { tstInfo, signer, signedAttrs, embedded };
}

/** RevocationInfoChoice (RFC 5652 §10.2.1): a CertificateList (RFC 5280 §5.1) or [1] other. */
function readRevocationInfo(sd: DerReader, c: RawTlv, field: string): void {
  const r = sd.into(c, field);
  if (c.tag === 0xa1) {
    r.oid('otherRevInfoFormat');
    r.any('otherRevInfo');
    r.end();
    return;
  }
  if (c.tag !== TAG_SEQUENCE) r.fail('', 'neither a CertificateList nor another revocation format');
  const tbs = r.enter(TAG_SEQUENCE, 'tbsCertList');
  if (tbs.peekTag() === TAG_INTEGER && tbs.smallInt('version') !== 1) tbs.fail('version', 'want v2 (1)');
  tbs.algorithm('signature');
  readName(tbs, 'issuer');
  tbs.time('thisUpdate');
  if (tbs.peekTag() === TAG_UTC_TIME || tbs.peekTag() === 0x18) tbs.time('nextUpdate');
  const revoked = tbs.optional(TAG_SEQUENCE, 'revokedCertificates');
  if (revoked) {
    tbs.elements(revoked, 'revokedCertificates', { sorted: false }).forEach((e, i) => {
      const x = tbs.into(e, `revokedCertificates[${i}]`);
      x.integer('userCertificate');
      x.time('revocationDate');
      if (!x.atEnd()) x.any('crlEntryExtensions');
      x.end();
    });
  }
  if (!tbs.atEnd()) {
    const ext = tbs.enter(0xa0, 'crlExtensions');
    ext.any('');
    ext.end();
  }
  tbs.end();
  r.algorithm('signatureAlgorithm');
  r.bitString('signatureValue');
  r.end();
}

/** A hash AlgorithmIdentifier (RFC 5754 §2: parameters NULL or absent) of a known hash. */
function hashAlgorithm(path: string, field: string, t: RawTlv): string {
  const r = new DerReader(t.raw, path, CODE);
  const alg = r.algorithm(field, 'null-or-absent');
  if (hashAlgorithmOf(alg.oid) === undefined) r.fail(field, `unsupported hash algorithm ${alg.oid}`);
  return alg.oid;
}

function readSignerInfo(
  si: DerReader,
  digestAlgorithms: Set<string>,
): { signer: CmsSigner; signedAttrs: Uint8Array } {
  const version = si.smallInt('version');
  if (version !== 1 && version !== 3) si.fail('version', `version ${version}, want 1 or 3`);
  let sid: CmsSigner['sid'];
  if (si.peekTag() === TAG_SEQUENCE) {
    if (version !== 1) si.fail('sid', 'issuerAndSerialNumber needs SignerInfo version 1 (RFC 5652 §5.3)');
    const ias = si.enter(TAG_SEQUENCE, 'sid');
    const issuer = readName(ias, 'issuer');
    const serial = ias.integer('serialNumber');
    ias.end();
    sid = { issuer, serial };
  } else if (si.peekTag() === 0x80) {
    if (version !== 3) si.fail('sid', 'subjectKeyIdentifier needs SignerInfo version 3 (RFC 5652 §5.3)');
    const ski = si.octets('sid', 0x80);
    if (ski.length === 0) si.fail('sid', 'empty subjectKeyIdentifier');
    sid = { ski };
  } else si.fail('sid', 'neither issuerAndSerialNumber nor subjectKeyIdentifier');

  const daT = si.next(TAG_SEQUENCE, 'digestAlgorithm');
  const digestAlgorithm = hashAlgorithm('SignerInfo', 'digestAlgorithm', daT);
  if (!digestAlgorithms.has(digestAlgorithm)) {
    si.fail('digestAlgorithm', `${digestAlgorithm} is not listed in SignedData.digestAlgorithms`);
  }

  const attrsT = si.optional(0xa0, 'signedAttrs');
  if (!attrsT) si.fail('signedAttrs', 'missing (RFC 3161 §2.4.1 requires signed attributes)');
  const attributes = readAttributes(si, attrsT, 'signedAttrs', true);

  const saT = si.next(TAG_SEQUENCE, 'signatureAlgorithm');
  const saOid = new DerReader(saT.raw, 'SignerInfo', CODE).algorithm('signatureAlgorithm').oid;
  const sa = signatureAlgorithmOf(saOid, 'cms');
  if (!sa) si.fail('signatureAlgorithm', `unsupported signature algorithm ${saOid}`);
  new DerReader(saT.raw, 'SignerInfo', CODE).algorithm('signatureAlgorithm', sa.params);
  const signature = si.octets('signature');
  if (signature.length === 0) si.fail('signature', 'empty signature');
  const unsigned = si.optional(0xa1, 'unsignedAttrs');
  if (unsigned) readAttributes(si, unsigned, 'unsignedAttrs', false);
  si.end();

  // The signed attributes every timestamp needs (RFC 5652 §11.1, §11.2; RFC 3161 §2.4.1).
  const attrs: DerReader = new DerReader(new Uint8Array(), 'SignerInfo.signedAttrs', CODE);
  const ct = attributes.get(OID_ATTR_CONTENT_TYPE);
  if (!ct) attrs.fail('contentType', 'missing content-type attribute');
  const ctR = new DerReader(ct.raw, 'SignerInfo.signedAttrs', CODE);
  if (ctR.oid('contentType') !== OID_TST_INFO) attrs.fail('contentType', 'content type is not id-ct-TSTInfo');
  const md = attributes.get(OID_ATTR_MESSAGE_DIGEST);
  if (!md) attrs.fail('messageDigest', 'missing message-digest attribute');
  if (md.tag !== TAG_OCTET_STRING) attrs.fail('messageDigest', 'message digest is not an OCTET STRING');
  if (md.value.length !== DIGEST_LENGTH[hashAlgorithmOf(digestAlgorithm) as HashAlgorithm]) {
    attrs.fail('messageDigest', 'message digest length does not match the digest algorithm');
  }
  const st = attributes.get(OID_ATTR_SIGNING_TIME);
  if (st) new DerReader(st.raw, 'SignerInfo.signedAttrs', CODE).time('signingTime');
  const essCertIds = readEss(attributes);
  const protection = attributes.get(OID_ATTR_CMS_ALGORITHM_PROTECTION);
  if (protection) checkAlgorithmProtection(protection, daT.raw, saT.raw);

  return {
    signer: {
      version,
      sid,
      digestAlgorithm,
      signatureAlgorithm: saOid,
      signature,
      attributes,
      essCertIds,
    },
    // RFC 5652 §5.4: the signature covers the attributes as a DER SET OF, not the [0] IMPLICIT field.
    signedAttrs: encodeTlv(TAG_SET, attrsT.value),
  };
}

/** Attributes that MUST have exactly one value (RFC 5652 §11, RFC 5035 §5.4, RFC 6211 §2). */
const SINGLE_VALUED = new Set([
  OID_ATTR_CONTENT_TYPE,
  OID_ATTR_MESSAGE_DIGEST,
  OID_ATTR_SIGNING_TIME,
  OID_ATTR_SIGNING_CERTIFICATE,
  OID_ATTR_SIGNING_CERTIFICATE_V2,
  OID_ATTR_CMS_ALGORITHM_PROTECTION,
]);

/**
 * SET OF Attribute (RFC 5652 §5.3): each `{ attrType, attrValues SET SIZE (1..MAX) }`, every type
 * once, every value well-formed DER. `der`: DER order required (signed attributes).
 */
function readAttributes(si: DerReader, t: RawTlv, field: string, der: boolean): Map<string, RawTlv> {
  const out = new Map<string, RawTlv>();
  const list = si.elements(t, field, { sorted: der, min: 1 });
  list.forEach((a, i) => {
    const r = si.into(a, `${field}[${i}]`);
    if (a.tag !== TAG_SEQUENCE) r.fail('', 'expected an Attribute SEQUENCE');
    const type = r.oid('attrType');
    const values = r.setOf('attrValues', { sorted: der, min: 1 });
    r.end();
    if (out.has(type)) r.fail('attrType', `attribute ${type} appears twice`);
    if (SINGLE_VALUED.has(type) && values.length !== 1)
      r.fail('attrValues', `attribute ${type} needs exactly one value`);
    values.forEach((v, j) => {
      const vr = new DerReader(v.raw, r.name('attrValues'), CODE);
      vr.any(`[${j}]`);
    });
    out.set(type, values[0] as RawTlv);
  });
  return out;
}

/**
 * The ESS signing-certificate attribute (RFC 3161 §2.4.1 requires one): SigningCertificateV2
 * (RFC 5035: certs of ESSCertIDv2 { hashAlgorithm DEFAULT sha256, certHash, issuerSerial OPTIONAL },
 * policies OPTIONAL) or SigningCertificate (RFC 2634: ESSCertID with a SHA-1 hash).
 */
function readEss(attributes: Map<string, RawTlv>): EssCertId[] {
  const v2 = attributes.get(OID_ATTR_SIGNING_CERTIFICATE_V2);
  const v1 = attributes.get(OID_ATTR_SIGNING_CERTIFICATE);
  const field = v2 ? 'signingCertificateV2' : 'signingCertificate';
  const base: DerReader = new DerReader(new Uint8Array(), 'SignerInfo.signedAttrs', CODE);
  const attr = v2 ?? v1;
  if (!attr) base.fail('signingCertificate', 'missing ESS signing-certificate attribute (RFC 3161 §2.4.1)');
  const sc = new DerReader(attr.raw, 'SignerInfo.signedAttrs', CODE).enter(TAG_SEQUENCE, field);
  const certs = sc.setOf('certs', { tag: TAG_SEQUENCE, sorted: false, min: 1 });
  const ids = certs.map((c, i) => {
    const r = sc.into(c, `certs[${i}]`);
    if (c.tag !== TAG_SEQUENCE) r.fail('', 'expected an ESSCertID SEQUENCE');
    let alg: EssCertId['hashAlgorithm'] = v2 ? 'sha256' : 'sha1';
    if (v2 && r.peekTag() === TAG_SEQUENCE) {
      const t = r.next(TAG_SEQUENCE, 'hashAlgorithm');
      const oid = hashAlgorithm(r.path, 'hashAlgorithm', t);
      if (hashAlgorithmOf(oid) === 'sha256')
        r.fail('hashAlgorithm', 'the DEFAULT sha256 is encoded (X.690 §11.5)');
      alg = hashAlgorithmOf(oid) as HashAlgorithm;
    }
    const certHash = r.octets('certHash');
    const want = alg === 'sha1' ? 20 : DIGEST_LENGTH[alg];
    if (certHash.length !== want)
      r.fail('certHash', `certificate hash of ${certHash.length} bytes, want ${want}`);
    const id: EssCertId = { hashAlgorithm: alg, certHash };
    const is = r.optional(TAG_SEQUENCE, 'issuerSerial');
    if (is) {
      const x = r.into(is, 'issuerSerial');
      const names = x.enter(TAG_SEQUENCE, 'issuer');
      const issuerNames: Uint8Array[] = [];
      while (!names.atEnd()) {
        const n = readGeneralName(names, `[${issuerNames.length}]`);
        if (n.directoryName) issuerNames.push(n.directoryName);
      }
      const serial = x.integer('serialNumber');
      x.end();
      id.issuerSerial = { issuerNames, serial };
    }
    r.end();
    return id;
  });
  const policies = sc.optional(TAG_SEQUENCE, 'policies');
  if (policies) {
    sc.elements(policies, 'policies', { sorted: false, min: 1 }).forEach((p, i) => {
      const r = sc.into(p, `policies[${i}]`);
      r.oid('policyIdentifier');
      if (!r.atEnd()) r.any('policyQualifiers');
      r.end();
    });
  }
  sc.end();
  return ids;
}

/**
 * CMSAlgorithmProtection (RFC 6211 §2): `{ digestAlgorithm, signatureAlgorithm [1] IMPLICIT }`
 * MUST repeat the SignerInfo's algorithm identifiers exactly.
 */
function checkAlgorithmProtection(t: RawTlv, digestAlg: Uint8Array, sigAlg: Uint8Array): void {
  const r = new DerReader(t.raw, 'SignerInfo.signedAttrs', CODE).enter(
    TAG_SEQUENCE,
    'cmsAlgorithmProtection',
  );
  const d = r.next(TAG_SEQUENCE, 'digestAlgorithm');
  const s = r.next(0xa1, 'signatureAlgorithm');
  r.end();
  if (!bytes(d.raw, digestAlg)) r.fail('digestAlgorithm', 'differs from SignerInfo.digestAlgorithm');
  // [1] IMPLICIT AlgorithmIdentifier: the SEQUENCE's contents under tag 0xa1.
  if (!bytes(encodeTlv(TAG_SEQUENCE, s.value), sigAlg)) {
    r.fail('signatureAlgorithm', 'differs from SignerInfo.signatureAlgorithm');
  }
}

function bytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

type TstPart = Pick<
  ParsedTimestamp,
  'genTime' | 'imprintAlgorithm' | 'imprint' | 'policy' | 'serialNumber' | 'nonce' | 'tsaName'
>;

/** TSTInfo (RFC 3161 §2.4.2), every field in order. */
function readTstInfo(der: Uint8Array): TstPart {
  const r = DerReader.top(der, TAG_SEQUENCE, 'TSTInfo', CODE);
  const version = r.smallInt('version');
  if (version !== 1) r.fail('version', `version ${version}, want 1`);
  const policy = r.oid('policy');
  const mi = r.enter(TAG_SEQUENCE, 'messageImprint');
  const haT = mi.next(TAG_SEQUENCE, 'hashAlgorithm');
  const imprintAlgorithm = hashAlgorithmOf(hashAlgorithm(mi.path, 'hashAlgorithm', haT)) as HashAlgorithm;
  const imprint = mi.octets('hashedMessage');
  if (imprint.length !== DIGEST_LENGTH[imprintAlgorithm]) {
    mi.fail(
      'hashedMessage',
      `${imprint.length} bytes, want ${DIGEST_LENGTH[imprintAlgorithm]} for ${imprintAlgorithm}`,
    );
  }
  mi.end();
  const serialNumber = r.integer('serialNumber');
  const genTime = r.generalizedTime('genTime', true);
  const acc = r.optional(TAG_SEQUENCE, 'accuracy');
  if (acc) {
    const a = r.into(acc, 'accuracy');
    if (a.peekTag() === TAG_INTEGER) a.smallInt('seconds');
    for (const [tag, name] of [
      [0x80, 'millis'],
      [0x81, 'micros'],
    ] as const) {
      if (a.peekTag() === tag) {
        const n = a.smallInt(name, tag);
        if (n < 1 || n > 999) a.fail(name, `${n} is not within 1..999`);
      }
    }
    a.end();
  }
  r.defaultFalse('ordering');
  const nonce = r.peekTag() === TAG_INTEGER ? r.integer('nonce') : undefined;
  let tsaName: TstPart['tsaName'];
  const tsa = r.optional(0xa0, 'tsa');
  if (tsa) {
    const t = r.into(tsa, 'tsa');
    tsaName = readGeneralName(t, '');
    t.end();
  }
  const exts = r.optional(0xa1, 'extensions');
  if (exts) {
    const seen = new Set<string>();
    r.elements(exts, 'extensions', { sorted: false, min: 1 }).forEach((e, i) => {
      const x = r.into(e, `extensions[${i}]`);
      if (e.tag !== TAG_SEQUENCE) x.fail('', 'expected an Extension SEQUENCE');
      const oid = x.oid('extnID');
      if (x.defaultFalse('critical')) x.fail('critical', `unsupported critical extension ${oid}`);
      x.octets('extnValue');
      x.end();
      if (seen.has(oid)) x.fail('extnID', `duplicate extension ${oid}`);
      seen.add(oid);
    });
  }
  r.end();
  const out: TstPart = { genTime, imprintAlgorithm, imprint, policy, serialNumber };
  if (nonce) out.nonce = nonce;
  if (tsaName) out.tsaName = tsaName;
  return out;
}
