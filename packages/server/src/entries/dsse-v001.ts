/**
 * dsse 0.0.1 (Rekor `pkg/types/dsse/v0.0.1`): a DSSE envelope (as a JSON string) plus the keys or
 * certificates that verify it. Every envelope signature MUST verify over the PAE (dsse.ts); the
 * canonical body (@scriba/sdk `canonicalDsseV001`) keeps the SHA-256 of the envelope string and of
 * the decoded payload, and each distinct signature with the canonical PEM of the first key that
 * verified it, sorted by signature text; the envelope itself is not stored.
 *
 * Only the proposed form is accepted: a request carrying the server-computed fields (envelopeHash,
 * payloadHash, signatures) is rejected, as Rekor does when inserting.
 */
import { sha256 } from '@scriba/sdk/crypto';
import { hexEncode, utf8Encode } from '@scriba/sdk/encoding';
import { canonicalDsseV001, dssePae, dsseV001SearchDigests } from '@scriba/sdk/entries';
import { hashLeaf } from '@scriba/sdk/merkle';
import { dsseBase64, MAX_SIGNATURES, MAX_VERIFIERS, verifyEnvelopeSignatures } from './dsse.js';
import { EntryValidationError } from './errors.js';
import {
  invalid,
  isObject,
  type JsonObject,
  optionalString,
  requireArray,
  requireObject,
  requireString,
} from './fields.js';
import type { ValidatedEntry } from './types.js';
import { type ParsedVerifier, parseVerifierBase64 } from './verifier.js';

export async function validateDsseV001(spec: JsonObject): Promise<ValidatedEntry> {
  for (const k of ['envelopeHash', 'payloadHash', 'signatures']) {
    if (spec[k] !== undefined && spec[k] !== null)
      throw invalid(`spec.${k}`, 'is computed by the log and must not be sent');
  }
  const proposed = requireObject(spec, 'proposedContent', 'spec.proposedContent');
  const envelopeText = requireString(proposed, 'envelope', 'spec.proposedContent.envelope');
  const verifiers = requireArray(proposed, 'verifiers', 'spec.proposedContent.verifiers', MAX_VERIFIERS);

  let envelope: unknown;
  try {
    envelope = JSON.parse(envelopeText);
  } catch (cause) {
    throw invalid('spec.proposedContent.envelope', 'is not valid JSON', cause);
  }
  if (!isObject(envelope)) throw invalid('spec.proposedContent.envelope', 'must be a JSON object');
  const payloadType = requireString(envelope, 'payloadType', 'spec.proposedContent.envelope.payloadType');
  const payloadText = optionalString(envelope, 'payload', 'spec.proposedContent.envelope.payload') ?? '';
  const payload = dsseBase64(payloadText);
  if (payload === null) throw invalid('spec.proposedContent.envelope.payload', 'is not valid base64');
  const sigs = requireArray(
    envelope,
    'signatures',
    'spec.proposedContent.envelope.signatures',
    MAX_SIGNATURES,
  );
  const signatures = sigs.map((s, i) => {
    const field = `spec.proposedContent.envelope.signatures[${i}].sig`;
    if (!isObject(s)) throw invalid(`spec.proposedContent.envelope.signatures[${i}]`, 'must be an object');
    optionalString(s, 'keyid', `spec.proposedContent.envelope.signatures[${i}].keyid`);
    return { sig: requireString(s, 'sig', field), field };
  });
  const keys = verifiers.map((v, i) => {
    const field = `spec.proposedContent.verifiers[${i}]`;
    if (typeof v !== 'string' || v.length === 0) throw invalid(field, 'must be a non-empty base64 string');
    return { parse: () => parseVerifierBase64(v, field), field };
  });

  const verifiedBy = verifyEnvelopeSignatures(dssePae(payloadType, payload), signatures, keys, true);

  // One canonical signature per distinct signature text (Rekor keys them by text in a map).
  const bySig = new Map<string, ParsedVerifier>();
  signatures.forEach((s, i) => {
    if (!bySig.has(s.sig)) bySig.set(s.sig, verifiedBy[i] as ParsedVerifier);
  });
  const envelopeHash = hexEncode(sha256(utf8Encode(envelopeText)));
  const payloadHash = hexEncode(sha256(payload));
  let body: Uint8Array;
  try {
    body = canonicalDsseV001({
      envelopeHash,
      payloadHash,
      signatures: [...bySig].map(([signature, v]) => ({ signature, verifierPem: v.canonicalPem })),
    });
  } catch (cause) {
    throw new EntryValidationError(
      'INVALID_ENTRY',
      'spec.proposedContent.envelope',
      'cannot be canonicalized',
      { cause },
    );
  }
  const used = [...new Set(bySig.values())];
  return {
    kind: 'dsse',
    apiVersion: '0.0.1',
    body,
    leafHash: hashLeaf(body),
    searchKeys: {
      sha256Digests: dsseV001SearchDigests(payloadHash, envelopeHash, payloadType, payload),
      publicKeyFingerprints: unique(used.map((v) => v.fingerprint)),
      emails: unique(used.flatMap((v) => v.emails)),
      subjects: unique(used.flatMap((v) => v.subjects)),
    },
  };
}

export function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
