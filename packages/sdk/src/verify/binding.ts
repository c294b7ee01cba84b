/**
 * The binding check (GHSA-whqx-f9j3-ch6m). A log entry proves that the log saw *its body*; it says
 * nothing about this bundle unless the body is bound to it. For every entry the verifier accepts:
 *
 * - the body's digest MUST equal the digest of the artifact computed by the verifier (hashedrekord),
 *   or for DSSE the payload hash (dsse, intoto) MUST be that of this envelope's payload, and for
 *   Rekor v2 hashedrekord 0.0.2 over DSSE the digest MUST be that of the PAE;
 * - the body's key or certificate MUST equal the bundle's verification material (DER bytes);
 * - the body's signature MUST equal the bundle's signature (byte for byte).
 *
 * Checked in that order: BINDING_DIGEST_MISMATCH, BINDING_KEY_MISMATCH, BINDING_SIGNATURE_MISMATCH.
 */
import type { Bundle } from '../bundle/types.js';
import { digest } from '../crypto/index.js';
import { bytesEqual } from '../encoding.js';
import type { BodyDigest, BodySignature, BodyVerifier, RekorBody } from '../entries/body.js';
import { parseCertificate } from '../x509/certificate.js';
import type { Artifact } from './artifact.js';
import { preAuthEncoding } from './dsse.js';
import { VerificationError } from './errors.js';
import type { Signer } from './signer.js';

function digestMismatch(what: string): never {
  throw new VerificationError('BINDING_DIGEST_MISMATCH', `the log entry records another ${what}`);
}

function checkDigest(d: BodyDigest, actual: Uint8Array | undefined, what: string): void {
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

function checkSignatures(sigs: BodySignature[], signer: Signer, signature: Uint8Array): void {
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

/** Checks that `body` is about this bundle: digest, then key, then signature. */
export function verifyBinding(body: RekorBody, bundle: Bundle, signer: Signer, artifact: Artifact): void {
  const content = bundle.content;
  if (content.kind === 'messageSignature') {
    if (body.kind !== 'hashedrekord')
      digestMismatch(`kind of content (${body.kind} entry for a message signature)`);
    checkDigest(body.digest, artifact.digest(body.digest.algorithm), 'artifact digest');
    checkSignatures([body.signature], signer, content.signature);
    return;
  }
  const sig = content.signatures[0].sig;
  switch (body.kind) {
    case 'hashedrekord': {
      if (body.apiVersion !== '0.0.2')
        digestMismatch('kind of content (hashedrekord 0.0.1 entry for a DSSE envelope)');
      const pae = preAuthEncoding(content.payloadType, content.payload);
      checkDigest(body.digest, digest(body.digest.algorithm, pae), 'DSSE envelope (PAE digest)');
      checkSignatures([body.signature], signer, sig);
      return;
    }
    case 'dsse': {
      checkDigest(body.payloadHash, digest(body.payloadHash.algorithm, content.payload), 'DSSE payload');
      checkSignatures(body.signatures, signer, sig);
      // dsse 0.0.1 envelopeHash is a hash of the envelope JSON *as the client serialized it* (field
      // order and an empty keyid vary by client), so it cannot be recomputed reliably. It adds
      // nothing here: the payload hash, the key and the signature bytes are bound above, and the
      // signature step verified those bytes over PAE(payloadType, payload) of this envelope.
      return;
    }
    case 'intoto': {
      checkDigest(body.payloadHash, digest(body.payloadHash.algorithm, content.payload), 'in-toto payload');
      if (body.payload !== undefined && !bytesEqual(body.payload, content.payload)) {
        digestMismatch('in-toto payload');
      }
      if (body.payloadType !== content.payloadType) digestMismatch('in-toto payload type');
      checkSignatures(body.signatures, signer, sig);
      return;
    }
  }
}
