/**
 * The RFC 3161 time-stamp authority (with the RFC 5816 update): turns a checked `TimestampRequest`
 * into a DER `TimeStampResp` holding a CMS SignedData (RFC 5652) over a `TSTInfo`.
 *
 *  - TSTInfo: version 1, the configured policy OID, the message imprint exactly as requested, a
 *    unique positive serial number (128 random bits), genTime in whole seconds with an accuracy of
 *    one second, the request's nonce echoed; `ordering` false (omitted, DER).
 *  - SignedData: version 3, one SHA-256/384 digest algorithm, the TSTInfo as eContent, the signing
 *    certificate in `certificates` only when the request asked for it (`certReq`), one SignerInfo
 *    identified by issuer and serial number (what sigstore-js matches against the trusted root).
 *  - Signed attributes (a DER SET OF, so sorted by encoding): content-type id-ct-TSTInfo,
 *    message-digest of the TSTInfo, and signing-certificate-v2 (ESSCertIDv2 with the SHA-256 of the
 *    signing certificate and its issuer/serial), as RFC 5816 requires.
 *  - Rejections: status `rejection` with a PKIFailureInfo bit and a statusString, no token.
 *
 * Built with @peculiar/asn1-cms / asn1-tsp; signed with node:crypto (ECDSA, DER signature).
 *
 * Two encoders, one output: `encodeWithLibrary` builds the whole response through the library's
 * schemas (the reference). The library re-parses every nested `ANY` it serializes and runs at a few
 * hundred responses per second here, below the ECDSA signing rate, so `issue` uses `encode`: every
 * constant part (signer identifier, algorithm identifiers, the signing-certificate attribute, the
 * certificate set, the TSTInfo's fixed fields) is serialized once by the library at start, and per
 * request only the variable TLVs (imprint, serial, genTime, nonce, digest, signature) are wrapped
 * around them. The tests check both encoders byte for byte on the same inputs.
 */
import { createHash, type KeyObject, randomBytes, sign } from 'node:crypto';
import {
  Attribute,
  CertificateChoices,
  CertificateSet,
  CMSVersion,
  DigestAlgorithmIdentifiers,
  EncapsulatedContent,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  id_signedData,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
} from '@peculiar/asn1-cms';
import {
  AsnConvert,
  AsnIntegerConverter,
  AsnObjectIdentifierConverter,
  OctetString,
} from '@peculiar/asn1-schema';
import {
  Accuracy,
  MessageImprint,
  PKIFailureInfo,
  type PKIFailureInfoFlags,
  PKIFreeText,
  PKIStatus,
  PKIStatusInfo,
  TimeStampResp,
  TimeStampToken,
  TSTInfo,
} from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier, GeneralName, GeneralNames } from '@peculiar/asn1-x509';
import { encodeTlv } from '@scriba/sdk/crypto';
import { concatBytes } from '@scriba/sdk/encoding';
import {
  EssCertIdV2,
  EssIssuerSerial,
  OID_SIGNING_CERTIFICATE_V2,
  SignedAttributesSet,
  SigningCertificateV2,
} from './ess.js';
import type { TsaKeyMaterial } from './keys.js';
import { HASH_OID, type TimestampRequest } from './request.js';

const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4';
const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const ECDSA_WITH: Record<'sha256' | 'sha384', string> = {
  sha256: '1.2.840.10045.4.3.2',
  sha384: '1.2.840.10045.4.3.3',
};

const NULL = Uint8Array.of(0x05, 0x00).buffer as ArrayBuffer;

function ab(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

export type IssuedTimestamp = { der: Uint8Array; genTime: Date; serialNumber: Uint8Array };

/** What varies per token; everything else is fixed by the TSA's configuration. */
export type TokenInputs = { req: TimestampRequest; serialNumber: Uint8Array; genTime: Date };

/** Signs the DER SET OF signed attributes; returns the DER ECDSA signature. */
export type SignFn = (signedAttrs: Uint8Array) => Uint8Array;

const SEQ = 0x30;
const SET = 0x31;
const seq = (...parts: Uint8Array[]) => encodeTlv(SEQ, concatBytes(...parts));
const ser = (v: unknown) => new Uint8Array(AsnConvert.serialize(v));

let lastTime: { ms: number; der: Uint8Array } = { ms: Number.NaN, der: new Uint8Array(0) };

/** GeneralizedTime in whole seconds: YYYYMMDDHHMMSSZ (DER: no fraction when it is zero). */
function generalizedTime(d: Date): Uint8Array {
  // Tokens of one second share their genTime: encode it once per second.
  if (d.getTime() === lastTime.ms) return lastTime.der;
  const iso = d.toISOString();
  const text = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  lastTime = { ms: d.getTime(), der: encodeTlv(0x18, new TextEncoder().encode(text)) };
  return lastTime.der;
}

export class TimestampAuthority {
  readonly policy: string;
  private readonly signerId: SignerIdentifier;
  private readonly signingCertAttr: Attribute;
  private readonly certSet: CertificateSet;
  private readonly digestAlg: AlgorithmIdentifier;
  private readonly signatureAlg: AlgorithmIdentifier;
  /** Pre-encoded constant parts for `encode` (each produced by the library once). */
  private readonly der: {
    version1: Uint8Array;
    version3: Uint8Array;
    policy: Uint8Array;
    accuracy: Uint8Array;
    hashAlg: Record<string, Uint8Array>;
    hashAlgNull: Record<string, Uint8Array>;
    contentTypeAttr: Uint8Array;
    messageDigestOid: Uint8Array;
    signingCertAttr: Uint8Array;
    sid: Uint8Array;
    digestAlg: Uint8Array;
    digestAlgs: Uint8Array;
    signatureAlg: Uint8Array;
    tstInfoOid: Uint8Array;
    signedDataOid: Uint8Array;
    certSet: Uint8Array;
    granted: Uint8Array;
  };
  private readonly sign: SignFn;
  /** Per-process counter in the low half of every serial (the high half is random). */
  private issued = 0n;
  /** Random bytes drawn in bulk for the serials' high halves (one CSPRNG call per 512 tokens). */
  private random = new Uint8Array(0);
  private randomAt = 0;

  constructor(
    readonly material: TsaKeyMaterial,
    policy: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.policy = policy;
    const key: KeyObject = material.privateKey;
    const hash = material.hash;
    this.sign = (data) => sign(hash, data, key);
    const tbs = material.leafAsn.tbsCertificate;
    this.signerId = new SignerIdentifier({
      issuerAndSerialNumber: new IssuerAndSerialNumber({
        issuer: tbs.issuer,
        serialNumber: tbs.serialNumber,
      }),
    });
    const leafDer = material.chain[0] as Uint8Array;
    const essId = new EssCertIdV2({
      certHash: new OctetString(createHash('sha256').update(leafDer).digest()),
      issuerSerial: new EssIssuerSerial({
        issuer: new GeneralNames([new GeneralName({ directoryName: tbs.issuer })]),
        serialNumber: tbs.serialNumber,
      }),
    });
    this.signingCertAttr = new Attribute({
      attrType: OID_SIGNING_CERTIFICATE_V2,
      attrValues: [AsnConvert.serialize(new SigningCertificateV2({ certs: [essId] }))],
    });
    this.certSet = new CertificateSet([new CertificateChoices({ certificate: material.leafAsn })]);
    this.digestAlg = new AlgorithmIdentifier({ algorithm: HASH_OID[hash] });
    this.signatureAlg = new AlgorithmIdentifier({ algorithm: ECDSA_WITH[hash] });
    const algs = (withNull: boolean) =>
      Object.fromEntries(
        Object.entries(HASH_OID).map(([h, oid]) => [
          h,
          ser(new AlgorithmIdentifier({ algorithm: oid, ...(withNull ? { parameters: NULL } : {}) })),
        ]),
      );
    const mdAttrPrefix = ser(new Attribute({ attrType: OID_MESSAGE_DIGEST, attrValues: [] }));
    this.der = {
      version1: new Uint8Array(AsnIntegerConverter.toASN(1).toBER()),
      version3: new Uint8Array(AsnIntegerConverter.toASN(3).toBER()),
      policy: new Uint8Array(AsnObjectIdentifierConverter.toASN(policy).toBER()),
      accuracy: ser(new Accuracy({ seconds: 1 })),
      hashAlg: algs(false),
      hashAlgNull: algs(true),
      contentTypeAttr: ser(this.contentTypeAttr()),
      // SEQUENCE { OID messageDigest, SET {} }: its OID TLV, to which the SET with the digest is added.
      messageDigestOid: mdAttrPrefix.subarray(2, mdAttrPrefix.length - 2),
      signingCertAttr: ser(this.signingCertAttr),
      sid: ser(this.signerId),
      digestAlg: ser(this.digestAlg),
      digestAlgs: ser(new DigestAlgorithmIdentifiers([this.digestAlg])),
      signatureAlg: ser(this.signatureAlg),
      tstInfoOid: new Uint8Array(AsnObjectIdentifierConverter.toASN(OID_TST_INFO).toBER()),
      signedDataOid: new Uint8Array(AsnObjectIdentifierConverter.toASN(id_signedData).toBER()),
      // [0] IMPLICIT CertificateSet: the SET's contents under tag 0xa0.
      certSet: encodeTlv(0xa0, ser(this.certSet).subarray(this.tlvHeaderLength(ser(this.certSet)))),
      granted: ser(new PKIStatusInfo({ status: PKIStatus.granted })),
    };
  }

  private tlvHeaderLength(der: Uint8Array): number {
    const l = der[1] as number;
    return l < 0x80 ? 2 : 2 + (l & 0x7f);
  }

  private contentTypeAttr(): Attribute {
    return new Attribute({
      attrType: OID_CONTENT_TYPE,
      attrValues: [AsnObjectIdentifierConverter.toASN(OID_TST_INFO).toBER()],
    });
  }

  /** A positive serial number, unique per token: 64 random bits then a per-process counter. */
  private serialNumber(): Uint8Array {
    const b = new Uint8Array(16);
    if (this.randomAt + 8 > this.random.length) {
      this.random = new Uint8Array(randomBytes(4096));
      this.randomAt = 0;
    }
    b.set(this.random.subarray(this.randomAt, this.randomAt + 8), 0);
    this.randomAt += 8;
    this.issued += 1n;
    new DataView(b.buffer).setBigUint64(8, this.issued);
    b[0] = ((b[0] as number) & 0x7f) | 0x01;
    return b;
  }

  /** Issues a granted TimeStampResp for a checked request. */
  issue(req: TimestampRequest): IssuedTimestamp {
    const genTime = new Date(Math.floor(this.now().getTime() / 1000) * 1000);
    const serialNumber = this.serialNumber();
    return { der: this.encode({ req, serialNumber, genTime }, this.sign), genTime, serialNumber };
  }

  /** The DER TSTInfo (RFC 3161 §2.4.2), composed from the pre-encoded parts. */
  private tstInfo(t: TokenInputs): Uint8Array {
    const d = this.der;
    const alg = (t.req.nullParams ? d.hashAlgNull : d.hashAlg)[t.req.hash] as Uint8Array;
    return seq(
      d.version1,
      d.policy,
      seq(alg, encodeTlv(0x04, t.req.hashedMessage)),
      encodeTlv(0x02, t.serialNumber),
      generalizedTime(t.genTime),
      d.accuracy,
      ...(t.req.nonce ? [encodeTlv(0x02, t.req.nonce)] : []),
    );
  }

  /** The response, composed from pre-encoded parts (see the module comment). */
  encode(t: TokenInputs, signFn: SignFn): Uint8Array {
    const d = this.der;
    const tst = this.tstInfo(t);
    const digest = createHash(this.material.hash).update(tst).digest();
    const mdAttr = seq(d.messageDigestOid, encodeTlv(SET, encodeTlv(0x04, digest)));
    // DER SET OF: sorted by encoding.
    const attrs = concatBytes(...[d.contentTypeAttr, mdAttr, d.signingCertAttr].sort(compare));
    const signature = signFn(encodeTlv(SET, attrs));
    const signerInfo = seq(
      d.version1,
      d.sid,
      d.digestAlg,
      encodeTlv(0xa0, attrs),
      d.signatureAlg,
      encodeTlv(0x04, signature),
    );
    const signedData = seq(
      d.version3,
      d.digestAlgs,
      seq(d.tstInfoOid, encodeTlv(0xa0, encodeTlv(0x04, tst))),
      ...(t.req.certReq ? [d.certSet] : []),
      encodeTlv(SET, signerInfo),
    );
    return seq(d.granted, seq(d.signedDataOid, encodeTlv(0xa0, signedData)));
  }

  /** The same response built entirely through the library's schemas: the reference for `encode`. */
  encodeWithLibrary(t: TokenInputs, signFn: SignFn): Uint8Array {
    const { req } = t;
    const tst = new TSTInfo({
      version: 1,
      policy: this.policy,
      messageImprint: new MessageImprint({
        hashAlgorithm: new AlgorithmIdentifier({
          algorithm: HASH_OID[req.hash],
          ...(req.nullParams ? { parameters: NULL } : {}),
        }),
        hashedMessage: new OctetString(req.hashedMessage),
      }),
      serialNumber: ab(t.serialNumber),
      genTime: t.genTime,
      accuracy: new Accuracy({ seconds: 1 }),
      ...(req.nonce ? { nonce: ab(req.nonce) } : {}),
    });
    const tstDer = ser(tst);
    const digest = createHash(this.material.hash).update(tstDer).digest();
    const mdAttr = new Attribute({
      attrType: OID_MESSAGE_DIGEST,
      attrValues: [AsnConvert.serialize(new OctetString(digest))],
    });
    const signedAttrs = [this.contentTypeAttr(), mdAttr, this.signingCertAttr]
      .map((a) => ({ a, der: ser(a) }))
      .sort((x, y) => compare(x.der, y.der))
      .map((x) => x.a);
    // RFC 5652 §5.4: the signature is over the DER SET OF the attributes (tag 0x31).
    const signature = signFn(ser(new SignedAttributesSet(signedAttrs)));
    const signedData = new SignedData({
      version: CMSVersion.v3,
      digestAlgorithms: new DigestAlgorithmIdentifiers([this.digestAlg]),
      encapContentInfo: new EncapsulatedContentInfo({
        eContentType: OID_TST_INFO,
        eContent: new EncapsulatedContent({ single: new OctetString(tstDer) }),
      }),
      ...(req.certReq ? { certificates: this.certSet } : {}),
      signerInfos: new SignerInfos([
        new SignerInfo({
          version: CMSVersion.v1,
          sid: this.signerId,
          digestAlgorithm: this.digestAlg,
          signedAttrs,
          signatureAlgorithm: this.signatureAlg,
          signature: new OctetString(signature),
        }),
      ]),
    });
    const resp = new TimeStampResp({
      status: new PKIStatusInfo({ status: PKIStatus.granted }),
      timeStampToken: new TimeStampToken({
        contentType: id_signedData,
        content: AsnConvert.serialize(signedData),
      }),
    });
    return ser(resp);
  }
}

/** A refused request: TimeStampResp with status rejection, the failure bit and a reason. */
export function rejectionResponse(failInfo: PKIFailureInfoFlags, reason: string): Uint8Array {
  const resp = new TimeStampResp({
    status: new PKIStatusInfo({
      status: PKIStatus.rejection,
      statusString: new PKIFreeText([reason]),
      failInfo: new PKIFailureInfo(failInfo),
    }),
  });
  return new Uint8Array(AsnConvert.serialize(resp));
}
