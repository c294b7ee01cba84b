/**
 * RFC 3161 §2.4.1 `TimeStampReq`, read strictly (DER, ITU-T X.690 §10) with the SDK's DER reader
 * (crypto/der.ts: definite minimal lengths, no trailing bytes):
 *
 *   TimeStampReq ::= SEQUENCE { version INTEGER { v1(1) }, messageImprint MessageImprint,
 *     reqPolicy TSAPolicyId OPTIONAL, nonce INTEGER OPTIONAL, certReq BOOLEAN DEFAULT FALSE,
 *     extensions [0] IMPLICIT Extensions OPTIONAL }
 *   MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }
 *
 * On top of the reader: fields in order and each at most once, INTEGERs minimal, a BOOLEAN is 0x00
 * or 0xFF and `certReq` FALSE is never encoded (DER omits a DEFAULT value). Anything else throws
 * ScribaError INVALID_DER. What the fields mean (which hashes, which policy) is the TSA's to judge.
 * `encodeTimeStampRequest` writes one (what a client sends: the answer is read by ./timestamp.ts).
 */
import {
  children,
  decodeOid,
  encodeOid,
  encodeTlv,
  encodeUnsignedInteger,
  parseSingle,
  readTlv,
  TAG_OCTET_STRING,
  TAG_OID,
  TAG_SEQUENCE,
  type Tlv,
} from '../crypto/der.js';
import type { HashAlgorithm } from '../crypto/hash.js';
import { concatBytes } from '../encoding.js';
import { ScribaError } from '../errors.js';
import { hashAlgorithmOid } from './oids.js';

export type TimeStampReq = {
  version: number;
  hashAlgorithm: string;
  /** The AlgorithmIdentifier parameters' DER (e.g. NULL 05 00), undefined when absent. */
  hashParameters: Uint8Array | undefined;
  hashedMessage: Uint8Array;
  reqPolicy: string | undefined;
  /** The nonce INTEGER's contents (minimal two's complement), as sent. */
  nonce: Uint8Array | undefined;
  certReq: boolean;
  /** True when the request carries extensions (their contents are not read). */
  hasExtensions: boolean;
};

function fail(message: string): never {
  throw new ScribaError('INVALID_DER', `TimeStampReq: ${message}`);
}

function integer(t: Tlv, what: string): Uint8Array {
  const v = t.value;
  if (v.length === 0) fail(`${what}: empty INTEGER`);
  const b0 = v[0] as number;
  const b1 = (v[1] ?? 0) as number;
  if (v.length > 1 && ((b0 === 0 && (b1 & 0x80) === 0) || (b0 === 0xff && (b1 & 0x80) !== 0))) {
    fail(`${what}: non-minimal INTEGER`);
  }
  return v;
}

/** Parses a DER TimeStampReq. Throws ScribaError INVALID_DER. */
export function parseTimeStampReq(der: Uint8Array): TimeStampReq {
  try {
    return parse(der);
  } catch (e) {
    if (e instanceof ScribaError) throw new ScribaError('INVALID_DER', e.message, { cause: e });
    fail('malformed');
  }
}

function parse(der: Uint8Array): TimeStampReq {
  const fields = children(parseSingle(der, 0x30, 'TimeStampReq'));
  let i = 0;
  const next = (tag: number) => (fields[i]?.tag === tag ? (fields[i++] as Tlv) : undefined);
  const versionT = next(0x02) ?? fail('missing version');
  const version = integer(versionT, 'version');
  const mi = children((next(0x30) ?? fail('missing messageImprint')).value);
  if (mi.length !== 2 || mi[0]?.tag !== 0x30 || mi[1]?.tag !== 0x04) fail('malformed messageImprint');
  const alg = children((mi[0] as Tlv).value);
  if (alg.length < 1 || alg.length > 2 || alg[0]?.tag !== 0x06) fail('malformed hashAlgorithm');
  const params = alg[1];
  const reqPolicyT = next(0x06);
  const nonceT = next(0x02);
  const certReqT = next(0x01);
  const extT = next(0xa0);
  if (i !== fields.length) fail('unexpected or repeated field');
  if (certReqT) {
    if (certReqT.value.length !== 1 || (certReqT.value[0] !== 0xff && certReqT.value[0] !== 0x00)) {
      fail('certReq is not a DER BOOLEAN');
    }
    if (certReqT.value[0] === 0x00) fail('certReq FALSE is its default and MUST NOT be encoded');
  }
  let paramsDer: Uint8Array | undefined;
  if (params) {
    const full = (mi[0] as Tlv).value;
    const first = readTlv(full, 0);
    paramsDer = full.subarray(first.end);
  }
  return {
    version: version.length === 1 ? (version[0] as number) : -1,
    hashAlgorithm: decodeOid((alg[0] as Tlv).value),
    hashParameters: paramsDer,
    hashedMessage: (mi[1] as Tlv).value,
    reqPolicy: reqPolicyT ? decodeOid(reqPolicyT.value) : undefined,
    nonce: nonceT ? integer(nonceT, 'nonce') : undefined,
    certReq: certReqT !== undefined,
    hasExtensions: extT !== undefined,
  };
}

const NULL = new Uint8Array([0x05, 0x00]);
const TRUE = new Uint8Array([0x01, 0x01, 0xff]);

export type TimeStampRequest = {
  algorithm: HashAlgorithm;
  /** The digest of the message to timestamp (for a Sigstore bundle: of the signature bytes). */
  digest: Uint8Array;
  /** Unsigned big-endian nonce, echoed in the token. */
  nonce?: Uint8Array;
  /** Ask for the TSA's certificate in the token (default true). */
  certReq?: boolean;
};

/** The DER TimeStampReq. */
export function encodeTimeStampRequest(req: TimeStampRequest): Uint8Array {
  const oid = encodeTlv(TAG_OID, encodeOid(hashAlgorithmOid(req.algorithm)));
  const algId = encodeTlv(TAG_SEQUENCE, concatBytes(oid, NULL));
  const imprint = encodeTlv(TAG_SEQUENCE, concatBytes(algId, encodeTlv(TAG_OCTET_STRING, req.digest)));
  const parts = [encodeUnsignedInteger(new Uint8Array([1])), imprint];
  if (req.nonce) parts.push(encodeUnsignedInteger(req.nonce));
  if (req.certReq !== false) parts.push(TRUE);
  return encodeTlv(TAG_SEQUENCE, concatBytes(...parts));
}
