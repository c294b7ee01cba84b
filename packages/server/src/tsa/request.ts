/**
 * Timestamp requests: RFC 3161 §2.4.1 `TimeStampReq` (DER, `application/timestamp-query`) and the
 * JSON form of sigstore/timestamp-authority (`{artifactHash, hashAlgorithm, nonce, certificates,
 * tsaPolicyOID}`, what sigstore-js's TSAWitness sends), both read into one `TimestampRequest`.
 *
 * Everything here is attacker-controlled: a request that is not exactly DER (the SDK's strict
 * TimeStampReq reader), names a hash other than SHA-256/384/512, carries a digest of the wrong length, an
 * oversized nonce, an unknown policy or any extension is refused with a `TsaRejection` carrying the
 * RFC 3161 PKIFailureInfo bit; the route answers it as a 400 `TimeStampResp` (status rejection).
 */
import { PKIFailureInfoFlags } from '@peculiar/asn1-tsp';
import { base64Decode, bytesEqual } from '@scriba/sdk/encoding';
import { parseTimeStampReq, type TimeStampReq } from '@scriba/sdk/x509';

export type ImprintHash = 'sha256' | 'sha384' | 'sha512';

export const HASH_OID: Record<ImprintHash, string> = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
};
const HASH_BY_OID = new Map(Object.entries(HASH_OID).map(([k, v]) => [v, k as ImprintHash]));
const HASH_LENGTH: Record<ImprintHash, number> = { sha256: 32, sha384: 48, sha512: 64 };

/** The largest nonce accepted, in bytes of its INTEGER encoding (OpenSSL sends 8; 256 bits is plenty). */
export const MAX_NONCE_BYTES = 32;
/** The largest DER request read (a TimeStampReq with a SHA-512 imprint and a full nonce is < 200 bytes). */
export const MAX_REQUEST_BYTES = 4096;

export type TimestampRequest = {
  hash: ImprintHash;
  /** The request's hash AlgorithmIdentifier parameters: absent or NULL, echoed as sent. */
  nullParams: boolean;
  hashedMessage: Uint8Array;
  /** The nonce's INTEGER content bytes (minimal two's complement), echoed in the token. */
  nonce: Uint8Array | undefined;
  certReq: boolean;
};

/** A refused request: the PKIFailureInfo bit and a one-line reason for `statusString`. */
export class TsaRejection extends Error {
  constructor(
    readonly failInfo: PKIFailureInfoFlags,
    message: string,
  ) {
    super(message);
    this.name = 'TsaRejection';
  }
}

const reject = (bit: PKIFailureInfoFlags, message: string): never => {
  throw new TsaRejection(bit, message);
};

function checkImprint(hash: ImprintHash | undefined, digest: Uint8Array): ImprintHash {
  if (hash === undefined) {
    return reject(PKIFailureInfoFlags.badAlg, 'the message imprint hash must be SHA-256, SHA-384 or SHA-512');
  }
  if (digest.length !== HASH_LENGTH[hash]) {
    return reject(
      PKIFailureInfoFlags.badDataFormat,
      `a ${hash} message imprint is ${HASH_LENGTH[hash]} bytes, got ${digest.length}`,
    );
  }
  return hash;
}

function checkPolicy(requested: string | undefined, policy: string): void {
  if (requested !== undefined && requested !== policy) {
    reject(PKIFailureInfoFlags.unacceptedPolicy, `this TSA issues timestamps under policy ${policy} only`);
  }
}

/** Reads a DER TimeStampReq (the SDK's strict reader). Throws TsaRejection. */
export function parseDerRequest(der: Uint8Array, policy: string): TimestampRequest {
  if (der.length === 0) reject(PKIFailureInfoFlags.badDataFormat, 'empty request');
  if (der.length > MAX_REQUEST_BYTES) reject(PKIFailureInfoFlags.badDataFormat, 'request too large');
  let req: TimeStampReq;
  try {
    // DER is one encoding: BER lengths, trailing bytes, an encoded DEFAULT certReq FALSE or a
    // non-minimal integer are refused.
    req = parseTimeStampReq(der);
  } catch (e) {
    return reject(
      PKIFailureInfoFlags.badDataFormat,
      `the request is not a DER TimeStampReq (${(e as Error).message})`,
    );
  }
  if (req.version !== 1) reject(PKIFailureInfoFlags.badRequest, 'unsupported request version');
  const params = req.hashParameters;
  if (params !== undefined && !bytesEqual(params, Uint8Array.of(0x05, 0x00))) {
    reject(PKIFailureInfoFlags.badAlg, 'hash algorithm parameters must be absent or NULL');
  }
  const hash = checkImprint(HASH_BY_OID.get(req.hashAlgorithm), req.hashedMessage);
  checkPolicy(req.reqPolicy, policy);
  if (req.hasExtensions) {
    reject(PKIFailureInfoFlags.unacceptedExtension, 'this TSA supports no request extensions');
  }
  if (req.nonce !== undefined && req.nonce.length > MAX_NONCE_BYTES) {
    reject(PKIFailureInfoFlags.badDataFormat, `the nonce is longer than ${MAX_NONCE_BYTES} bytes`);
  }
  return {
    hash,
    nullParams: params !== undefined,
    hashedMessage: req.hashedMessage.slice(),
    nonce: req.nonce?.slice(),
    certReq: req.certReq,
  };
}

/** Minimal two's-complement big-endian bytes of a non-negative integer. */
function integerBytes(n: bigint): Uint8Array {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  return Uint8Array.from(hex.match(/../g) ?? ['00'], (h) => Number.parseInt(h, 16));
}

/** Reads the JSON form sigstore clients send. Throws TsaRejection. */
export function parseJsonRequest(body: Uint8Array, policy: string): TimestampRequest {
  if (body.length > MAX_REQUEST_BYTES) reject(PKIFailureInfoFlags.badDataFormat, 'request too large');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return reject(PKIFailureInfoFlags.badDataFormat, 'the request is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return reject(PKIFailureInfoFlags.badDataFormat, 'the request must be a JSON object');
  }
  const r = json as Record<string, unknown>;
  const alg = typeof r.hashAlgorithm === 'string' ? r.hashAlgorithm.toLowerCase().replace('-', '') : '';
  const hash = (Object.hasOwn(HASH_OID, alg) ? alg : undefined) as ImprintHash | undefined;
  if (typeof r.artifactHash !== 'string') {
    return reject(PKIFailureInfoFlags.badDataFormat, 'artifactHash must be a base64 string');
  }
  let hashedMessage: Uint8Array;
  try {
    hashedMessage = base64Decode(r.artifactHash);
  } catch {
    return reject(PKIFailureInfoFlags.badDataFormat, 'artifactHash is not valid base64');
  }
  checkImprint(hash, hashedMessage);
  if (r.tsaPolicyOID !== undefined && r.tsaPolicyOID !== '') {
    if (typeof r.tsaPolicyOID !== 'string')
      reject(PKIFailureInfoFlags.badRequest, 'tsaPolicyOID must be a string');
    checkPolicy(r.tsaPolicyOID as string, policy);
  }
  if (r.certificates !== undefined && typeof r.certificates !== 'boolean') {
    reject(PKIFailureInfoFlags.badRequest, 'certificates must be a boolean');
  }
  let nonce: Uint8Array | undefined;
  if (r.nonce !== undefined && r.nonce !== null) {
    const n = r.nonce;
    let value: bigint | undefined;
    if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) value = BigInt(n);
    else if (typeof n === 'string' && /^[0-9]{1,80}$/.test(n)) value = BigInt(n);
    if (value === undefined) {
      return reject(
        PKIFailureInfoFlags.badRequest,
        'nonce must be a non-negative integer (a decimal string if large)',
      );
    }
    nonce = integerBytes(value);
    if (nonce.length > MAX_NONCE_BYTES) {
      reject(PKIFailureInfoFlags.badDataFormat, `the nonce is longer than ${MAX_NONCE_BYTES} bytes`);
    }
  }
  return {
    hash: hash as ImprintHash,
    nullParams: false,
    hashedMessage,
    nonce,
    certReq: r.certificates === true,
  };
}
