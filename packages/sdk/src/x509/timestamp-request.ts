/**
 * RFC 3161 §2.4.1 TimeStampReq encoding (DER), as sent to a timestamp authority
 * (sigstore/timestamp-authority: POST /api/v1/timestamp, `application/timestamp-query`):
 *   TimeStampReq ::= SEQUENCE { version INTEGER { v1(1) }, messageImprint MessageImprint,
 *     reqPolicy TSAPolicyId OPTIONAL, nonce INTEGER OPTIONAL, certReq BOOLEAN DEFAULT FALSE, ... }
 *   MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }
 * The answer (TimeStampResp) is read by ./timestamp.ts.
 */
import { encodeTlv, encodeUnsignedInteger, TAG_OCTET_STRING, TAG_SEQUENCE } from '../crypto/der.js';
import type { HashAlgorithm } from '../crypto/hash.js';
import { concatBytes } from '../encoding.js';

// DER OIDs of the NIST hash algorithms (2.16.840.1.101.3.4.2.1/.2/.3), with their tag and length.
const HASH_OID: Record<HashAlgorithm, Uint8Array> = {
  sha256: new Uint8Array([0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]),
  sha384: new Uint8Array([0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02]),
  sha512: new Uint8Array([0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03]),
};
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
  const algId = encodeTlv(TAG_SEQUENCE, concatBytes(HASH_OID[req.algorithm], NULL));
  const imprint = encodeTlv(TAG_SEQUENCE, concatBytes(algId, encodeTlv(TAG_OCTET_STRING, req.digest)));
  const parts = [encodeUnsignedInteger(new Uint8Array([1])), imprint];
  if (req.nonce) parts.push(encodeUnsignedInteger(req.nonce));
  if (req.certReq !== false) parts.push(TRUE);
  return encodeTlv(TAG_SEQUENCE, concatBytes(...parts));
}
