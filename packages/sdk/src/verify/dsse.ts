/**
 * DSSE (Dead Simple Signing Envelope) v1 pre-authentication encoding:
 * PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN as ASCII decimal.
 */
import { concatBytes, utf8Encode } from '../encoding.js';

export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = utf8Encode(payloadType);
  return concatBytes(utf8Encode(`DSSEv1 ${type.length} `), type, utf8Encode(` ${payload.length} `), payload);
}
