/**
 * RFC 3161 time-stamp tokens (TimeStampResp / TimeStampToken = CMS SignedData, RFC 5652, with an
 * id-ct-TSTInfo payload) verified against the trusted timestamp authorities of a Sigstore
 * TrustedRoot: the token MUST be signed (CMS signed attributes: content type + message digest of
 * the TSTInfo) by the first certificate of a trusted TSA chain (or an embedded certificate issued
 * by it), its message imprint MUST be the hash of the bundle's signature bytes, every certificate on
 * the TSA path MUST be valid at genTime, and the TSA's trusted-root window MUST contain genTime.
 */
import { ContentInfo, SignedData, type SignerInfo } from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';
import { TimeStampResp, TSTInfo } from '@peculiar/asn1-tsp';
import { windowContains } from '../bundle/trusted-root.js';
import { digest, type HashAlgorithm, type PublicKey, verifySignature } from '../crypto/index.js';
import { bytesEqual } from '../encoding.js';
import { VerificationError } from '../verify/errors.js';
import {
  certificateValidAt,
  isIssuedBy,
  nameDer,
  OID_EKU_TIME_STAMPING,
  parseCertificate,
  type X509Certificate,
} from './certificate.js';
import type { TrustedAuthority } from './chain.js';
import { encodeTlv, rawChildren, single } from './der.js';

const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4';
const OID_ATTR_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const OID_ATTR_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const HASH_OIDS: Record<string, HashAlgorithm> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const SIG_HASH: Record<string, HashAlgorithm> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};

export type ParsedTimestamp = {
  genTime: number;
  imprintAlgorithm: HashAlgorithm;
  imprint: Uint8Array;
  tstInfo: Uint8Array;
  signer: SignerInfo;
  signedAttrs: Uint8Array;
  embedded: X509Certificate[];
};

function malformed(message: string, cause?: unknown): never {
  throw new VerificationError('TIMESTAMP_MALFORMED', message, { cause });
}

const u8 = (b: ArrayBuffer): Uint8Array => new Uint8Array(b);

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
  let token: ContentInfo;
  // A TimeStampResp starts with PKIStatusInfo (a SEQUENCE); a ContentInfo with an OID.
  const isResp = der.length > 4 && der[0] === 0x30 && firstChildTag(der) === 0x30;
  if (isResp) {
    const resp = AsnConvert.parse(der, TimeStampResp);
    if (resp.status.status !== 0 && resp.status.status !== 1)
      malformed(`timestamp status ${resp.status.status}`);
    if (!resp.timeStampToken) malformed('timestamp response without a token');
    token = resp.timeStampToken;
  } else {
    token = AsnConvert.parse(der, ContentInfo);
  }
  if (token.contentType !== OID_SIGNED_DATA) malformed('timestamp token is not CMS SignedData');
  const sd = AsnConvert.parse(token.content, SignedData);
  const eci = sd.encapContentInfo;
  if (eci.eContentType !== OID_TST_INFO) malformed('timestamp token does not carry a TSTInfo');
  const ec = eci.eContent;
  const tstInfo = ec?.single ? u8(ec.single.buffer) : ec?.any ? u8(ec.any) : undefined;
  if (!tstInfo) malformed('timestamp token without content');
  const info = AsnConvert.parse(tstInfo, TSTInfo);
  if (sd.signerInfos.length !== 1) malformed('timestamp token must have exactly one signer');
  const signer = sd.signerInfos[0] as SignerInfo;
  if (!signer.signedAttrs) malformed('timestamp signer has no signed attributes');
  const signedAttrs = rawSignedAttributes(u8(token.content));
  const imprintAlgorithm = HASH_OIDS[info.messageImprint.hashAlgorithm.algorithm];
  if (!imprintAlgorithm) malformed('unsupported message imprint hash algorithm');
  const embedded: X509Certificate[] = [];
  for (const c of sd.certificates ?? []) {
    if (c.certificate) embedded.push(parseCertificate(u8(AsnConvert.serialize(c.certificate))));
  }
  const genTime = info.genTime.getTime();
  if (!Number.isFinite(genTime)) malformed('invalid genTime');
  return {
    genTime,
    imprintAlgorithm,
    imprint: u8(info.messageImprint.hashedMessage.buffer),
    tstInfo,
    signer,
    signedAttrs,
    embedded,
  };
}

/**
 * The exact DER of the (single) signer's signed attributes, re-tagged as the SET OF that is signed
 * (RFC 5652 §5.4: the [0] IMPLICIT tag is replaced by the SET OF tag 0x31).
 */
function rawSignedAttributes(signedDataDer: Uint8Array): Uint8Array {
  const parts = rawChildren(single(signedDataDer).value);
  const infos = parts.findLast((p) => p.tag === 0x31);
  if (!infos || infos === parts[1]) malformed('SignedData without signerInfos');
  const signerInfo = rawChildren(infos.value)[0];
  if (!signerInfo) malformed('SignedData without a signer');
  const attrs = rawChildren(signerInfo.value).find((p) => p.tag === 0xa0);
  if (!attrs) malformed('timestamp signer has no signed attributes');
  return encodeTlv(0x31, attrs.value);
}

function firstChildTag(der: Uint8Array): number | undefined {
  const l = der[1] ?? 0;
  const off = l & 0x80 ? 2 + (l & 0x7f) : 2;
  return der[off];
}

function stripHeader(tlv: Uint8Array): Uint8Array {
  const l = tlv[1] ?? 0;
  return tlv.subarray(l & 0x80 ? 2 + (l & 0x7f) : 2);
}

function sidMatches(signer: SignerInfo, cert: X509Certificate): boolean {
  const ias = signer.sid.issuerAndSerialNumber;
  if (ias) {
    return (
      bytesEqual(nameDer(ias.issuer), cert.issuer) &&
      bytesEqual(stripZeros(u8(ias.serialNumber)), stripZeros(cert.serialNumber))
    );
  }
  const ski = signer.sid.subjectKeyIdentifier;
  return (
    ski !== undefined && cert.subjectKeyId !== undefined && bytesEqual(u8(ski.buffer), cert.subjectKeyId)
  );
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

async function verifyCms(ts: ParsedTimestamp, key: PublicKey): Promise<void> {
  const s = ts.signer;
  const digestAlg = HASH_OIDS[s.digestAlgorithm.algorithm];
  if (!digestAlg) throw new VerificationError('TIMESTAMP_MALFORMED', 'unsupported CMS digest algorithm');
  let contentType: string | undefined;
  let messageDigest: Uint8Array | undefined;
  for (const a of s.signedAttrs ?? []) {
    const v = a.attrValues[0];
    if (a.attrType === OID_ATTR_CONTENT_TYPE && v) contentType = decodeOidValue(u8(v));
    if (a.attrType === OID_ATTR_MESSAGE_DIGEST && v) messageDigest = stripHeader(u8(v));
  }
  if (contentType !== OID_TST_INFO || !messageDigest) {
    throw new VerificationError(
      'TIMESTAMP_SIGNATURE_INVALID',
      'timestamp signed attributes lack content type/digest',
    );
  }
  if (!bytesEqual(messageDigest, digest(digestAlg, ts.tstInfo))) {
    throw new VerificationError(
      'TIMESTAMP_SIGNATURE_INVALID',
      'timestamp content digest does not match its TSTInfo',
    );
  }
  const hash = SIG_HASH[s.signatureAlgorithm.algorithm] ?? digestAlg;
  let ok = false;
  try {
    ok = await verifySignature(key, ts.signedAttrs, u8(s.signature.buffer), {
      hash,
      ...(key.kind === 'ecdsa' ? { ecdsaFormat: 'der' as const } : {}),
    });
  } catch {
    ok = false;
  }
  if (!ok) throw new VerificationError('TIMESTAMP_SIGNATURE_INVALID', 'timestamp signature does not verify');
}

function decodeOidValue(tlv: Uint8Array): string | undefined {
  if (tlv[0] !== 0x06) return undefined;
  const v = stripHeader(tlv);
  const parts: number[] = [];
  let acc = 0;
  for (const b of v) {
    acc = acc * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(acc);
      acc = 0;
    }
  }
  const first = parts.shift();
  if (first === undefined) return undefined;
  const a = first < 80 ? Math.floor(first / 40) : 2;
  return [a, first - a * 40, ...parts].join('.');
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
