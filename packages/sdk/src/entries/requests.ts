/**
 * The request bodies a client sends to log an entry (the inverse of what the server validates):
 * Rekor v1 proposed entries (`POST /api/v1/log/entries`: hashedrekord 0.0.1, dsse 0.0.1, as in
 * Rekor's `pkg/generated/models`) and Rekor v2 `CreateEntryRequest`s (`POST /api/v2/log/entries`:
 * `hashedRekordRequestV002`, protobuf JSON; a DSSE envelope goes to v2 through
 * `dsseAsHashedRekordRequestV002`). Keys travel as PEM (v1) or DER SPKI with their
 * `PublicKeyDetails` (v2).
 */
import { base64Encode, hexEncode, utf8Encode } from '../encoding.js';
import { hashedRekordRequestV002Json, type V2Verifier } from './canonicalize-v2.js';

export type DsseEnvelopeParts = {
  payloadType: string;
  payload: Uint8Array;
  signature: Uint8Array;
  keyid?: string;
};

/** A hashedrekord 0.0.1 proposed entry. */
export function hashedRekordV001Request(p: {
  algorithm: 'sha256' | 'sha384' | 'sha512';
  digest: Uint8Array;
  signature: Uint8Array;
  publicKeyPem: string;
}): unknown {
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: p.algorithm, value: hexEncode(p.digest) } },
      signature: {
        content: base64Encode(p.signature),
        publicKey: { content: base64Encode(utf8Encode(p.publicKeyPem)) },
      },
    },
  };
}

/** The DSSE envelope JSON (payload and signatures base64). */
export function dsseEnvelopeJson(e: DsseEnvelopeParts): {
  payloadType: string;
  payload: string;
  signatures: { keyid: string; sig: string }[];
} {
  return {
    payloadType: e.payloadType,
    payload: base64Encode(e.payload),
    signatures: [{ keyid: e.keyid ?? '', sig: base64Encode(e.signature) }],
  };
}

/** A dsse 0.0.1 proposed entry. */
export function dsseV001Request(e: DsseEnvelopeParts, publicKeyPem: string): unknown {
  return {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      proposedContent: {
        envelope: JSON.stringify(dsseEnvelopeJson(e)),
        verifiers: [base64Encode(utf8Encode(publicKeyPem))],
      },
    },
  };
}

/** A Rekor v2 hashedRekordRequestV002 for a key (DER SPKI) or a certificate (DER). */
export function hashedRekordV002Request(
  p: { digest: Uint8Array; signature: Uint8Array; keyDetails: string } & (
    | { spki: Uint8Array; certificate?: undefined }
    | { certificate: Uint8Array; spki?: undefined }
  ),
): unknown {
  const verifier: V2Verifier = p.certificate
    ? { keyDetails: p.keyDetails, x509Certificate: p.certificate }
    : { keyDetails: p.keyDetails, publicKey: p.spki as Uint8Array };
  return hashedRekordRequestV002Json({ digest: p.digest, signature: { content: p.signature, verifier } });
}
