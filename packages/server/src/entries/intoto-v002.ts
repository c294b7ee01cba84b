/**
 * intoto 0.0.2 (Rekor `pkg/types/intoto/v0.0.2`): a DSSE envelope carried field by field, each
 * signature with its own key or certificate, payload and signatures base64-encoded once more
 * (`format: byte` over the envelope's base64 text). Every signature MUST verify over the PAE and every
 * key MUST verify one of them (dsse.ts). Canonical body (@scriba/sdk `canonicalIntotoV002`): payload
 * type, the signatures as sent (keyid, sig, publicKey), the client's envelope hash and the payload
 * hash computed here; the payload is not stored.
 *
 * Stricter than Rekor: `content.hash.value` MUST be 64 lower-case hex digits (Rekor checks only that
 * it is a string), and the payload MUST be present (Rekor's `Insertable()` also requires it).
 */
import { sha256 } from '@scriba/sdk/crypto';
import { hexEncode } from '@scriba/sdk/encoding';
import { canonicalIntotoV002, dssePae, intotoV002SearchDigests } from '@scriba/sdk/entries';
import { hashLeaf } from '@scriba/sdk/merkle';
import { MAX_SIGNATURES, verifyEnvelopeSignatures } from './dsse.js';
import { unique } from './dsse-v001.js';
import { EntryValidationError } from './errors.js';
import {
  goBase64Std,
  invalid,
  isObject,
  type JsonObject,
  optionalString,
  requireArray,
  requireBase64,
  requireObject,
  requireString,
  wellFormed,
} from './fields.js';
import type { ValidatedEntry } from './types.js';
import { parseVerifierBase64 } from './verifier.js';

export async function validateIntotoV002(spec: JsonObject): Promise<ValidatedEntry> {
  const content = requireObject(spec, 'content', 'spec.content');
  const envelope = requireObject(content, 'envelope', 'spec.content.envelope');
  const payloadType = wellFormed(requireString(envelope, 'payloadType', 'spec.content.envelope.payloadType'));
  const payloadB64 = Buffer.from(
    requireBase64(envelope, 'payload', 'spec.content.envelope.payload'),
  ).toString('latin1');
  const payload = goBase64Std(payloadB64);
  if (payload === null)
    throw invalid('spec.content.envelope.payload', 'does not hold the base64 of a DSSE payload');

  const hash = requireObject(content, 'hash', 'spec.content.hash');
  const hashAlg = requireString(hash, 'algorithm', 'spec.content.hash.algorithm');
  if (hashAlg !== 'sha256')
    throw new EntryValidationError('UNSUPPORTED_HASH', 'spec.content.hash.algorithm', 'must be sha256');
  const hashValue = requireString(hash, 'value', 'spec.content.hash.value');
  if (!/^[0-9a-f]{64}$/.test(hashValue))
    throw invalid('spec.content.hash.value', 'must be 64 lower-case hex digits');

  const sigs = requireArray(envelope, 'signatures', 'spec.content.envelope.signatures', MAX_SIGNATURES);
  const parts = sigs.map((s, i) => {
    const at = `spec.content.envelope.signatures[${i}]`;
    if (!isObject(s)) throw invalid(at, 'must be an object');
    const keyid = optionalString(s, 'keyid', `${at}.keyid`);
    const sig = requireBase64(s, 'sig', `${at}.sig`);
    const publicKeyB64 = requireString(s, 'publicKey', `${at}.publicKey`);
    return { keyid: keyid === undefined ? undefined : wellFormed(keyid), sig, publicKeyB64, at };
  });
  const verifiedBy = verifyEnvelopeSignatures(
    dssePae(payloadType, payload),
    parts.map((p) => ({ sig: Buffer.from(p.sig).toString('latin1'), field: `${p.at}.sig` })),
    parts.map((p) => ({
      parse: () => parseVerifierBase64(p.publicKeyB64, `${p.at}.publicKey`),
      field: `${p.at}.publicKey`,
    })),
    false,
  );

  const payloadHash = hexEncode(sha256(payload));
  const body = canonicalIntotoV002({
    payloadType,
    signatures: parts.map((p) => ({
      ...(p.keyid ? { keyid: p.keyid } : {}),
      sig: p.sig,
      publicKey: goBase64Std(p.publicKeyB64) as Uint8Array,
    })),
    hash: { algorithm: 'sha256', value: hashValue },
    payloadHash: { algorithm: 'sha256', value: payloadHash },
  });
  const used = [...new Set(verifiedBy)];
  return {
    kind: 'intoto',
    apiVersion: '0.0.2',
    body,
    leafHash: hashLeaf(body),
    searchKeys: {
      sha256Digests: intotoV002SearchDigests(payloadHash, payloadType, payload),
      publicKeyFingerprints: unique(used.map((v) => v.fingerprint)),
      emails: unique(used.flatMap((v) => v.emails)),
      subjects: unique(used.flatMap((v) => v.subjects)),
    },
  };
}
