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
 */
import { createHash, randomBytes, sign } from 'node:crypto';
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
import { AsnConvert, AsnObjectIdentifierConverter, OctetString } from '@peculiar/asn1-schema';
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

export class TimestampAuthority {
  readonly policy: string;
  private readonly signerId: SignerIdentifier;
  private readonly signingCertAttr: Uint8Array;
  private readonly certSet: CertificateSet;
  private readonly digestAlg: AlgorithmIdentifier;
  private readonly signatureAlg: AlgorithmIdentifier;
  /** The first 8 bytes of every serial: random per process, so processes sharing a chain never collide. */
  private issued = 0;

  constructor(
    readonly material: TsaKeyMaterial,
    policy: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.policy = policy;
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
    this.signingCertAttr = new Uint8Array(
      AsnConvert.serialize(
        new Attribute({
          attrType: OID_SIGNING_CERTIFICATE_V2,
          attrValues: [AsnConvert.serialize(new SigningCertificateV2({ certs: [essId] }))],
        }),
      ),
    );
    this.certSet = new CertificateSet([new CertificateChoices({ certificate: material.leafAsn })]);
    this.digestAlg = new AlgorithmIdentifier({ algorithm: HASH_OID[material.hash] });
    this.signatureAlg = new AlgorithmIdentifier({ algorithm: ECDSA_WITH[material.hash] });
  }

  /** A positive serial number, unique per token: 64 random bits then a per-process counter. */
  private serialNumber(): Uint8Array {
    const b = new Uint8Array(16);
    b.set(randomBytes(8), 0);
    new DataView(b.buffer).setBigUint64(8, BigInt(++this.issued));
    b[0] = ((b[0] as number) & 0x7f) | 0x01;
    return b;
  }

  /** Issues a granted TimeStampResp for a checked request. */
  issue(req: TimestampRequest): IssuedTimestamp {
    const genTime = new Date(Math.floor(this.now().getTime() / 1000) * 1000);
    const serialNumber = this.serialNumber();
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
      serialNumber: ab(serialNumber),
      genTime,
      accuracy: new Accuracy({ seconds: 1 }),
      ...(req.nonce ? { nonce: ab(req.nonce) } : {}),
    });
    const tstDer = new Uint8Array(AsnConvert.serialize(tst));
    const digest = createHash(this.material.hash).update(tstDer).digest();
    const attrs = [
      new Uint8Array(
        AsnConvert.serialize(
          new Attribute({
            attrType: OID_CONTENT_TYPE,
            attrValues: [AsnObjectIdentifierConverter.toASN(OID_TST_INFO).toBER()],
          }),
        ),
      ),
      new Uint8Array(
        AsnConvert.serialize(
          new Attribute({
            attrType: OID_MESSAGE_DIGEST,
            attrValues: [AsnConvert.serialize(new OctetString(digest))],
          }),
        ),
      ),
      this.signingCertAttr,
    ].sort(compare);
    const signedAttrs = attrs.map((a) => AsnConvert.parse(a, Attribute));
    // RFC 5652 §5.4: the signature is over the DER SET OF the attributes (tag 0x31).
    const signedAttrsDer = new Uint8Array(AsnConvert.serialize(new SignedAttributesSet(signedAttrs)));
    const signature = sign(this.material.hash, signedAttrsDer, this.material.privateKey);
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
    return { der: new Uint8Array(AsnConvert.serialize(resp)), genTime, serialNumber };
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
