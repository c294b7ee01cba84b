/**
 * dsse 0.0.1 (Rekor v1 `pkg/types/dsse/v0.0.1`): a DSSE envelope, logged as its hashes and its
 * signatures. Canonical body: `spec{envelopeHash, payloadHash, signatures[{signature, verifier}]}`,
 * signatures sorted by the base64 signature string (Go `sort.Strings`, byte order); no envelope.
 * The caller MUST have verified every signature and pass each key's canonical PEM.
 */
import type { JsonObject } from '../../../bundle/protojson.js';
import { canonicalJsonBytes } from '../../../crypto/index.js';
import { base64Encode, utf8Encode } from '../../../encoding.js';
import { ScribaError } from '../../../errors.js';
import { checkPayloadHash, checkSignatures, dsseContent } from '../binding-checks.js';
import {
  type BindingContext,
  type BodyDigest,
  type BodySignature,
  defineEntryKind,
  type EntryKindDefinition,
  hexDigest,
  pemVerifier,
  r,
} from '../common.js';
import { intotoSubjectSearchDigests } from '../intoto-subjects.js';
import { checkRekorHash, sha256SearchKey } from '../rekor-hash.js';

export type DsseV001Body = {
  kind: 'dsse';
  apiVersion: '0.0.1';
  /** SHA-256 of the canonical JSON of the envelope as submitted. */
  envelopeHash: BodyDigest;
  payloadHash: BodyDigest;
  signatures: BodySignature[];
};

export type DsseV001Parts = {
  /** SHA-256 of the proposed envelope string, lower-case hex. */
  envelopeHash: string;
  /** SHA-256 of the decoded payload, lower-case hex. */
  payloadHash: string;
  /** One per distinct envelope signature: its base64 text as in the envelope, and the canonical PEM of the key that verified it. */
  signatures: { signature: string; verifierPem: string }[];
};

/** Go's sort.Strings order (bytewise on UTF-8). */
function byteOrder(a: string, b: string): number {
  const x = utf8Encode(a);
  const y = utf8Encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - (y[i] as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Canonical body of a dsse 0.0.1 entry. */
export function canonicalDsseV001(p: DsseV001Parts): Uint8Array {
  if (p.signatures.length === 0) throw new ScribaError('ENTRY_MALFORMED', 'dsse: no signatures');
  const sigs = [...p.signatures]
    .sort((a, b) => byteOrder(a.signature, b.signature))
    .map((s) => ({ signature: s.signature, verifier: base64Encode(utf8Encode(s.verifierPem)) }));
  return canonicalJsonBytes({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: checkRekorHash({ algorithm: 'sha256', value: p.envelopeHash }, 'envelopeHash'),
      payloadHash: checkRekorHash({ algorithm: 'sha256', value: p.payloadHash }, 'payloadHash'),
      signatures: sigs,
    },
  });
}

/** The digests Rekor indexes for this kind: payload, envelope and in-toto subjects. */
export function dsseV001SearchDigests(
  payloadHash: string,
  envelopeHash: string,
  payloadType: string,
  payload: Uint8Array,
): string[] {
  return [
    ...new Set([
      sha256SearchKey(payloadHash),
      sha256SearchKey(envelopeHash),
      ...intotoSubjectSearchDigests(payloadType, payload),
    ]),
  ];
}

function parseSpec(spec: JsonObject): DsseV001Body {
  const envelopeHash = hexDigest(r.reqObject(spec, 'envelopeHash', '$.spec'), '$.spec.envelopeHash');
  const payloadHash = hexDigest(r.reqObject(spec, 'payloadHash', '$.spec'), '$.spec.payloadHash');
  const sigs = r.array(spec, 'signatures', '$.spec');
  if (sigs.length === 0) r.fail('$.spec.signatures', 'missing');
  const signatures = sigs.map((s, i) => {
    const p = `$.spec.signatures[${i}]`;
    const so = r.object(s, p);
    return {
      signature: r.bytes(so, 'signature', p),
      verifier: pemVerifier(r.reqString(so, 'verifier', p), `${p}.verifier`),
    };
  });
  return { kind: 'dsse', apiVersion: '0.0.1', envelopeHash, payloadHash, signatures };
}

function bind(body: DsseV001Body, ctx: BindingContext): void {
  const content = dsseContent(ctx, 'dsse');
  checkPayloadHash(body.payloadHash, content, 'DSSE payload');
  checkSignatures(body.signatures, ctx.signer, content.signatures[0].sig);
  // envelopeHash is a hash of the envelope JSON *as the client serialized it* (field order and an
  // empty keyid vary by client), so it cannot be recomputed reliably. It adds nothing here: the
  // payload hash, the key and the signature bytes are bound above, and the signature step verified
  // those bytes over PAE(payloadType, payload) of this envelope.
}

export const dsseV001: EntryKindDefinition<DsseV001Body> = defineEntryKind('dsse@0.0.1', parseSpec, bind);
