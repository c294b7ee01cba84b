/**
 * The checks every kind's binding (GHSA-whqx-f9j3-ch6m) is made of: the body's digest equals one
 * the verifier computed (BINDING_DIGEST_MISMATCH, or ARTIFACT_REQUIRED when it cannot), the body
 * names the bundle's key or certificate (BINDING_KEY_MISMATCH), and the body's signature is the
 * bundle's (BINDING_SIGNATURE_MISMATCH). Checked in that order by each kind.
 */

import type { DsseEnvelopeContent } from '../../bundle/types.js';
import { digest } from '../../crypto/index.js';
import { bytesEqual } from '../../encoding.js';
import { VerificationError } from '../../verify/errors.js';
import type { Signer } from '../../verify/signer.js';
import { parseCertificate } from '../../x509/certificate.js';
import type { BindingContext, BodyDigest, BodySignature, BodyVerifier } from './common.js';

export function digestMismatch(what: string): never {
  throw new VerificationError('BINDING_DIGEST_MISMATCH', `the log entry records another ${what}`);
}

export function checkDigest(d: BodyDigest, actual: Uint8Array | undefined, what: string): void {
  if (actual === undefined) {
    throw new VerificationError('ARTIFACT_REQUIRED', `the ${d.algorithm} digest of the ${what} is needed`);
  }
  if (!bytesEqual(d.value, actual)) digestMismatch(what);
}

/**
 * A certificate entry must name the bundle's certificate (DER); a key entry must name the signer's
 * key (SPKI DER) — for a certificate-signed bundle, the certificate's key (Rekor v2 may log the
 * key instead of the certificate). A key-signed bundle accepts an entry that logged a certificate
 * for exactly that key.
 */
function verifierMatches(v: BodyVerifier, signer: Signer): boolean {
  if (v.type === 'certificate') {
    if (signer.type === 'certificate') return bytesEqual(v.der, signer.leaf.der);
    // A key-signed bundle whose entry logged a certificate for that very key (SPKI DER equal).
    try {
      return bytesEqual(parseCertificate(v.der).spki, signer.key.spki);
    } catch {
      return false;
    }
  }
  return bytesEqual(v.der, signer.type === 'certificate' ? signer.leaf.spki : signer.key.spki);
}

export function checkSignatures(sigs: BodySignature[], signer: Signer, signature: Uint8Array): void {
  const mine = sigs.filter((s) => verifierMatches(s.verifier, signer));
  if (mine.length === 0) {
    throw new VerificationError(
      'BINDING_KEY_MISMATCH',
      "the log entry names another key or certificate than the bundle's",
    );
  }
  if (!mine.some((s) => bytesEqual(s.signature, signature))) {
    throw new VerificationError(
      'BINDING_SIGNATURE_MISMATCH',
      "the log entry records another signature than the bundle's",
    );
  }
}

/** A DSSE entry's payload hash MUST be that of this envelope's payload. */
export function checkPayloadHash(payloadHash: BodyDigest, content: DsseEnvelopeContent, what: string): void {
  checkDigest(payloadHash, digest(payloadHash.algorithm, content.payload), what);
}

/** The DSSE envelope of the bundle, or BINDING_DIGEST_MISMATCH for a message-signature bundle. */
export function dsseContent(ctx: BindingContext, entry: string): DsseEnvelopeContent {
  if (ctx.content.kind !== 'dsseEnvelope')
    digestMismatch(`kind of content (${entry} entry for a message signature)`);
  return ctx.content;
}
