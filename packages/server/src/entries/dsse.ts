/**
 * DSSE envelopes (secure-systems-lab DSSE v1.0 protocol) as Rekor's dsse 0.0.1 and intoto 0.0.2
 * types verify them with go-securesystemslib: PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP
 * LEN(body) SP body (lengths in ASCII decimal bytes); payload and signatures are base64 (standard
 * alphabet, URL-safe accepted as a fallback); every verifier key is tried on every signature; each
 * key MUST verify at least one signature (go-securesystemslib's threshold of 1 per verifier) and
 * each signature MUST be verified by at least one key ("all signatures must have a key that
 * verifies it"). Key IDs are ignored, as in Rekor (its verifiers expose no public key).
 */
import { EntryValidationError } from './errors.js';
import { goBase64Std, goBase64Url } from './fields.js';
import { verifyOverMessage } from './message.js';
import type { ParsedVerifier } from './verifier.js';

// Every key is tried on every signature: 8 x 8 bounds the work one request can cause (~64 verifies).
export const MAX_SIGNATURES = 8;
export const MAX_VERIFIERS = 8;

/** go-securesystemslib `b64Decode`: standard alphabet, else URL-safe; null when neither. */
export function dsseBase64(s: string): Uint8Array | null {
  return goBase64Std(s) ?? goBase64Url(s);
}

export type EnvelopeSignature = { sig: string; field: string };
export type EnvelopeKey = { parse: () => ParsedVerifier; field: string };

/**
 * Verifies DSSE signatures with the given keys, in order; returns, per signature index, the key that
 * first verified it. With `stopWhenAllVerified` (Rekor's dsse 0.0.1), keys after the point where every
 * signature is verified are not looked at; otherwise (intoto 0.0.2) every key must parse and verify
 * one signature. Throws SIGNATURE_INVALID naming the signature or key that failed.
 */
export function verifyEnvelopeSignatures(
  pae: Uint8Array,
  signatures: EnvelopeSignature[],
  keys: EnvelopeKey[],
  stopWhenAllVerified: boolean,
): ParsedVerifier[] {
  const decoded = signatures.map((s) => {
    const b = dsseBase64(s.sig);
    if (b === null || b.length === 0) {
      throw new EntryValidationError('INVALID_ENTRY', s.field, 'signature is not valid base64');
    }
    return b;
  });
  const verifiedBy: (ParsedVerifier | undefined)[] = signatures.map(() => undefined);
  let remaining = signatures.length;
  for (const key of keys) {
    if (stopWhenAllVerified && remaining === 0) break;
    const verifier = key.parse();
    let any = false;
    decoded.forEach((sig, i) => {
      if (verifyOverMessage(verifier, pae, sig)) {
        any = true;
        if (verifiedBy[i] === undefined) {
          verifiedBy[i] = verifier;
          remaining--;
        }
      }
    });
    if (!any) {
      throw new EntryValidationError(
        'SIGNATURE_INVALID',
        key.field,
        'this key verifies none of the envelope signatures',
      );
    }
  }
  const unverified = verifiedBy.indexOf(undefined);
  if (unverified >= 0) {
    throw new EntryValidationError(
      'SIGNATURE_INVALID',
      (signatures[unverified] as EnvelopeSignature).field,
      'no given key verifies this signature',
    );
  }
  return verifiedBy as ParsedVerifier[];
}
