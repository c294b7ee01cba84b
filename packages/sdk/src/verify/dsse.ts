/**
 * DSSE (Dead Simple Signing Envelope) v1 pre-authentication encoding:
 * PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN as ASCII decimal.
 * The one implementation: entries (`dssePae`) and the server's DSSE checks use it too.
 */
import { concatBytes, utf8Encode } from '../encoding.js';

export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = utf8Encode(payloadType);
  return concatBytes(utf8Encode(`DSSEv1 ${type.length} `), type, utf8Encode(` ${payload.length} `), payload);
}
