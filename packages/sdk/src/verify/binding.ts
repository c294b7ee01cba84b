/**
 * The binding check (GHSA-whqx-f9j3-ch6m). A log entry proves that the log saw *its body*; it says
 * nothing about this bundle unless the body is bound to it. For every entry the verifier accepts:
 *
 * - the body's digest MUST equal the digest of the artifact computed by the verifier (hashedrekord),
 *   or for DSSE the payload hash (dsse, intoto) and the envelope hash (dsse 0.0.1) MUST be those of
 *   this envelope, and for Rekor v2 hashedrekord 0.0.2 over DSSE the digest MUST be that of the PAE;
 * - the body's key or certificate MUST equal the bundle's verification material (DER bytes);
 * - the body's signature MUST equal the bundle's signature (byte for byte).
 *
 * Checked in that order: BINDING_DIGEST_MISMATCH, BINDING_KEY_MISMATCH, BINDING_SIGNATURE_MISMATCH
 * (the dsse 0.0.1 envelope hash, which also covers the signature, last).
 */
import type { Bundle, DsseEnvelopeContent } from '../bundle/types.js';
import { canonicalJsonBytes, digest } from '../crypto/index.js';
import { base64Encode, bytesEqual } from '../encoding.js';
import type { BodyDigest, BodySignature, BodyVerifier, RekorBody } from '../entries/body.js';
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

function verifierMatches(v: BodyVerifier, signer: Signer): boolean {
  if (signer.type === 'certificate') return v.type === 'certificate' && bytesEqual(v.der, signer.leaf.der);
  return v.type === 'publicKey' && bytesEqual(v.der, signer.key.spki);
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

/** Rekor dsse 0.0.1 envelopeHash: SHA-256 of the RFC 8785 JSON of the envelope as submitted. */
export function dsseEnvelopeHash(c: DsseEnvelopeContent, alg: BodyDigest['algorithm']): Uint8Array {
  const env = {
    payload: base64Encode(c.payload),
    payloadType: c.payloadType,
    signatures: c.signatures.map((s) =>
      s.keyid ? { keyid: s.keyid, sig: base64Encode(s.sig) } : { sig: base64Encode(s.sig) },
    ),
  };
  return digest(alg, canonicalJsonBytes(env));
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
      // Payload, key and signature agree; the envelope hash then binds the rest (payload type, key ids).
      if (body.apiVersion === '0.0.1') {
        checkDigest(
          body.envelopeHash,
          dsseEnvelopeHash(content, body.envelopeHash.algorithm),
          'DSSE envelope',
        );
      }
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
