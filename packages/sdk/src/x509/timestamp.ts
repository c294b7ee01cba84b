/**
 * RFC 3161 time-stamp tokens (TimeStampResp / TimeStampToken = CMS SignedData, RFC 5652, with an
 * id-ct-TSTInfo payload) verified against the trusted timestamp authorities of a Sigstore
 * TrustedRoot: the token MUST be signed (CMS signed attributes: content type + message digest of
 * the TSTInfo) by the first certificate of a trusted TSA chain (or an embedded certificate issued
 * by it), its message imprint MUST be the hash of the bundle's signature bytes, every certificate on
 * the TSA path MUST be valid at genTime, and the TSA's trusted-root window MUST contain genTime.
 *
 * The CMS and TSTInfo structures are read with the strict raw-DER walker of ./der.ts (as
 * certificates are, see certificate.ts): the exact signed-attribute bytes are needed anyway, and a
 * schema-library parse cost more than the signature checks it feeds.
 */
import { windowContains } from '../bundle/trusted-root.js';
import { decodeOid } from '../crypto/der.js';
import { digest, type HashAlgorithm, type PublicKey, verifySignature } from '../crypto/index.js';
import { bytesEqual } from '../encoding.js';
import { VerificationError } from '../verify/errors.js';
import {
  certificateValidAt,
  isIssuedBy,
  OID_EKU_TIME_STAMPING,
  parseCertificate,
  type X509Certificate,
} from './certificate.js';
import type { TrustedAuthority } from './chain.js';
import { encodeTlv, type RawTlv, rawChildren, single } from './der.js';
import { HASH_ALGORITHM_OIDS, signatureAlgorithmOf } from './oids.js';

const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4';
const OID_ATTR_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const OID_ATTR_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const HASH_OIDS = HASH_ALGORITHM_OIDS;

/** The signer of a CMS SignedData: its identifier and what it signed. */
type Signer = {
  /** issuerAndSerialNumber (issuer Name DER + serial contents) or subjectKeyIdentifier. */
  sid: { issuer: Uint8Array; serial: Uint8Array } | { ski: Uint8Array };
  digestAlgorithm: string;
  signatureAlgorithm: string;
  signature: Uint8Array;
  /** Parsed signed attributes: type OID -> first value TLV. */
  attributes: Map<string, RawTlv>;
};

export type ParsedTimestamp = {
  genTime: number;
  imprintAlgorithm: HashAlgorithm;
  imprint: Uint8Array;
  tstInfo: Uint8Array;
  signer: Signer;
  /** The DER SET OF signed attributes that the signature covers. */
  signedAttrs: Uint8Array;
  embedded: X509Certificate[];
};

function malformed(message: string, cause?: unknown): never {
  throw new VerificationError('TIMESTAMP_MALFORMED', message, { cause });
}

function expect(t: RawTlv | undefined, tag: number, what: string): RawTlv {
  if (!t || t.tag !== tag) malformed(`timestamp: expected ${what}`);
  return t;
}

const oidOf = (t: RawTlv | undefined, what: string) => decodeOid(expect(t, 0x06, what).value);
const algOf = (t: RawTlv | undefined, what: string) =>
  oidOf(rawChildren(expect(t, 0x30, what).value)[0], what);

/** Parses a DER TimeStampResp (status granted) or a bare TimeStampToken. Throws TIMESTAMP_MALFORMED. */
export function parseTimestamp(der: Uint8Array): ParsedTimestamp {
  try {
    return parse(der);
  } catch (e) {
    if (e instanceof VerificationError) throw e;
    malformed('RFC 3161 timestamp is malformed', e);
  }
}

function parse(der: Uint8Array): ParsedTimestamp {
  let top = rawChildren(expect(single(der), 0x30, 'TimeStampResp or ContentInfo').value);
  // A TimeStampResp starts with PKIStatusInfo (a SEQUENCE); a ContentInfo with an OID.
  if (top[0]?.tag === 0x30) {
    const status = expect(rawChildren(top[0].value)[0], 0x02, 'PKIStatus').value;
    if (status.length !== 1 || (status[0] !== 0 && status[0] !== 1))
      malformed('timestamp status is not granted');
    top = rawChildren(expect(top[1], 0x30, 'timeStampToken').value);
  }
  if (oidOf(top[0], 'contentType') !== OID_SIGNED_DATA) malformed('timestamp token is not CMS SignedData');
  const sdT = expect(single(expect(top[1], 0xa0, 'content').value), 0x30, 'SignedData');
  const sd = rawChildren(sdT.value);
  const eci = rawChildren(expect(sd[2], 0x30, 'encapContentInfo').value);
  if (oidOf(eci[0], 'eContentType') !== OID_TST_INFO) malformed('timestamp token does not carry a TSTInfo');
  const tstInfo = expect(single(expect(eci[1], 0xa0, 'eContent').value), 0x04, 'eContent').value;
  let k = 3;
  const embedded: X509Certificate[] = [];
  if (sd[k]?.tag === 0xa0) {
    for (const c of rawChildren((sd[k] as RawTlv).value))
      if (c.tag === 0x30) embedded.push(parseCertificate(c.raw));
    k++;
  }
  if (sd[k]?.tag === 0xa1) k++;
  const infos = rawChildren(expect(sd[k], 0x31, 'signerInfos').value);
  if (infos.length !== 1) malformed('timestamp token must have exactly one signer');
  const si = rawChildren(expect(infos[0], 0x30, 'SignerInfo').value);
  const sidT = si[1];
  let sid: Signer['sid'];
  if (sidT?.tag === 0x30) {
    const ias = rawChildren(sidT.value);
    sid = { issuer: expect(ias[0], 0x30, 'issuer').raw, serial: expect(ias[1], 0x02, 'serialNumber').value };
  } else if (sidT?.tag === 0x80) {
    sid = { ski: sidT.value };
  } else malformed('timestamp: bad signer identifier');
  const digestAlgorithm = algOf(si[2], 'digestAlgorithm');
  const attrsT = expect(si[3], 0xa0, 'signedAttrs');
  const attributes = new Map<string, RawTlv>();
  for (const a of rawChildren(attrsT.value)) {
    const [type, values] = rawChildren(expect(a, 0x30, 'Attribute').value);
    const first = rawChildren(expect(values, 0x31, 'attrValues').value)[0];
    if (first) attributes.set(oidOf(type, 'attrType'), first);
  }
  const signatureAlgorithm = algOf(si[4], 'signatureAlgorithm');
  const signature = expect(si[5], 0x04, 'signature').value;

  const info = rawChildren(expect(single(tstInfo), 0x30, 'TSTInfo').value);
  const mi = rawChildren(expect(info[2], 0x30, 'messageImprint').value);
  const imprintAlgorithm = HASH_OIDS[algOf(mi[0], 'hashAlgorithm')];
  if (!imprintAlgorithm) malformed('unsupported message imprint hash algorithm');
  const genTime = generalizedTime(expect(info[4], 0x18, 'genTime').value);
  return {
    genTime,
    imprintAlgorithm,
    imprint: expect(mi[1], 0x04, 'hashedMessage').value,
    tstInfo,
    signer: { sid, digestAlgorithm, signatureAlgorithm, signature, attributes },
    // RFC 5652 §5.4: the signature covers the attributes as a DER SET OF, not the [0] IMPLICIT field.
    signedAttrs: encodeTlv(0x31, attrsT.value),
    embedded,
  };
}

function generalizedTime(v: Uint8Array): number {
  const s = String.fromCharCode(...v);
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(s);
  if (!m) malformed(`invalid genTime ${s}`);
  const ms = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms);
}

function sidMatches(signer: Signer, cert: X509Certificate): boolean {
  const sid = signer.sid;
  if ('ski' in sid) return cert.subjectKeyId !== undefined && bytesEqual(sid.ski, cert.subjectKeyId);
  return (
    bytesEqual(sid.issuer, cert.issuer) && bytesEqual(stripZeros(sid.serial), stripZeros(cert.serialNumber))
  );
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

async function verifyCms(ts: ParsedTimestamp, key: PublicKey): Promise<void> {
  const s = ts.signer;
  const digestAlg = HASH_OIDS[s.digestAlgorithm];
  if (!digestAlg) throw new VerificationError('TIMESTAMP_MALFORMED', 'unsupported CMS digest algorithm');
  const ct = s.attributes.get(OID_ATTR_CONTENT_TYPE);
  const md = s.attributes.get(OID_ATTR_MESSAGE_DIGEST);
  let contentType: string | undefined;
  try {
    contentType = ct?.tag === 0x06 ? decodeOid(ct.value) : undefined;
  } catch {
    contentType = undefined;
  }
  if (contentType !== OID_TST_INFO || md?.tag !== 0x04) {
    throw new VerificationError(
      'TIMESTAMP_SIGNATURE_INVALID',
      'timestamp signed attributes lack content type/digest',
    );
  }
  if (!bytesEqual(md.value, digest(digestAlg, ts.tstInfo))) {
    throw new VerificationError(
      'TIMESTAMP_SIGNATURE_INVALID',
      'timestamp content digest does not match its TSTInfo',
    );
  }
  const hash = signatureAlgorithmOf(s.signatureAlgorithm)?.hash ?? digestAlg;
  let ok = false;
  try {
    ok = await verifySignature(key, ts.signedAttrs, s.signature, {
      hash,
      ...(key.kind === 'ecdsa' ? { ecdsaFormat: 'der' as const } : {}),
    });
  } catch {
    ok = false;
  }
  if (!ok) throw new VerificationError('TIMESTAMP_SIGNATURE_INVALID', 'timestamp signature does not verify');
}

export type TimestampResult = { time: number; authority: TrustedAuthority };

/**
 * Verifies one RFC 3161 timestamp over `signature` against the trusted TSAs. Throws
 * TIMESTAMP_MALFORMED / _UNTRUSTED_TSA / _SIGNATURE_INVALID / _MESSAGE_IMPRINT_MISMATCH /
 * _CERT_NOT_VALID_AT_TIME / _TSA_NOT_VALID_AT_TIME.
 */
export async function verifyRfc3161Timestamp(
  der: Uint8Array,
  signature: Uint8Array,
  authorities: TrustedAuthority[],
): Promise<TimestampResult> {
  const ts = parseTimestamp(der);
  const candidates: { authority: TrustedAuthority; path: X509Certificate[] }[] = [];
  for (const authority of authorities) {
    const first = authority.chain[0];
    if (!first) continue;
    if (sidMatches(ts.signer, first)) {
      candidates.push({ authority, path: authority.chain });
      continue;
    }
    for (const e of ts.embedded) {
      if (sidMatches(ts.signer, e) && (await isIssuedBy(e, first))) {
        candidates.push({ authority, path: [e, ...authority.chain] });
        break;
      }
    }
  }
  if (candidates.length === 0) {
    throw new VerificationError(
      'TIMESTAMP_UNTRUSTED_TSA',
      'the timestamp was not signed by a trusted timestamp authority',
    );
  }
  let firstError: unknown;
  for (const c of candidates) {
    try {
      const signerCert = c.path[0] as X509Certificate;
      if (!signerCert.extKeyUsage.includes(OID_EKU_TIME_STAMPING)) {
        throw new VerificationError(
          'TIMESTAMP_UNTRUSTED_TSA',
          'the TSA certificate lacks the timeStamping usage',
        );
      }
      for (let i = 0; i + 1 < c.path.length; i++) {
        if (!(await isIssuedBy(c.path[i] as X509Certificate, c.path[i + 1] as X509Certificate))) {
          throw new VerificationError('TIMESTAMP_UNTRUSTED_TSA', 'the TSA certificate chain does not verify');
        }
      }
      await verifyCms(ts, signerCert.publicKey());
      if (!bytesEqual(ts.imprint, digest(ts.imprintAlgorithm, signature))) {
        throw new VerificationError(
          'TIMESTAMP_MESSAGE_IMPRINT_MISMATCH',
          'the timestamp is not over this bundle signature',
        );
      }
      if (!c.path.every((cert) => certificateValidAt(cert, ts.genTime))) {
        throw new VerificationError(
          'TIMESTAMP_CERT_NOT_VALID_AT_TIME',
          `a TSA certificate is not valid at the timestamp time ${new Date(ts.genTime).toISOString()}`,
        );
      }
      if (!windowContains(c.authority.validFor, ts.genTime)) {
        throw new VerificationError(
          'TIMESTAMP_TSA_NOT_VALID_AT_TIME',
          `the TSA is not trusted at the timestamp time ${new Date(ts.genTime).toISOString()}`,
        );
      }
      return { time: ts.genTime, authority: c.authority };
    } catch (e) {
      firstError ??= e;
    }
  }
  throw firstError;
}
