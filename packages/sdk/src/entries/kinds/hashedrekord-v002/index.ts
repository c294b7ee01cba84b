/**
 * hashedrekord 0.0.2 (Rekor v2, rekor-tiles `spec.hashedRekordV002`): a signature over a digest,
 * either of an artifact (message-signature bundles) or of a DSSE envelope's PAE (Rekor v2 logs DSSE
 * bundles this way). Canonicalization of a request is in ../../canonicalize-v2.ts
 * (`canonicalHashedRekordV002`), which also parses the v2 create-entry request.
 */
import type { JsonObject } from '../../../bundle/protojson.js';
import { digest as digestOf } from '../../../crypto/index.js';
import { hexEncode } from '../../../encoding.js';
import { preAuthEncoding } from '../../../verify/dsse.js';
import { checkDigest, checkSignatures } from '../binding-checks.js';
import {
  type BindingContext,
  type BodyDigest,
  type BodySignature,
  defineEntryKind,
  type EntryKindDefinition,
  protoDigest,
  protoVerifier,
  r,
} from '../common.js';
import { sha256SearchKey } from '../rekor-hash.js';

export { canonicalHashedRekordV002 } from '../../canonicalize-v2.js';

export type HashedRekordV002Body = {
  kind: 'hashedrekord';
  apiVersion: '0.0.2';
  /** Digest of the signed artifact, or of the PAE for a DSSE envelope. */
  digest: BodyDigest;
  signature: BodySignature;
};

/** The digests the log indexes for this kind: the signed digest, when it is a SHA-256. */
export function hashedRekordV002SearchDigests(
  digest: Uint8Array,
  algorithm: BodyDigest['algorithm'],
): string[] {
  return algorithm === 'sha256' ? [sha256SearchKey(hexEncode(digest))] : [];
}

function parseSpec(outer: JsonObject): HashedRekordV002Body {
  const p = '$.spec.hashedRekordV002';
  const spec = r.reqObject(outer, 'hashedRekordV002', '$.spec');
  const digest = protoDigest(r.reqObject(spec, 'data', p), `${p}.data`);
  const sig = r.reqObject(spec, 'signature', p);
  const signature = r.bytes(sig, 'content', `${p}.signature`);
  const verifier = protoVerifier(r.reqObject(sig, 'verifier', `${p}.signature`), `${p}.signature.verifier`);
  return { kind: 'hashedrekord', apiVersion: '0.0.2', digest, signature: { signature, verifier } };
}

function bind(body: HashedRekordV002Body, { content, signer, artifact }: BindingContext): void {
  if (content.kind === 'messageSignature') {
    checkDigest(body.digest, artifact.digest(body.digest.algorithm), 'artifact digest');
    checkSignatures([body.signature], signer, content.signature);
    return;
  }
  const pae = preAuthEncoding(content.payloadType, content.payload);
  checkDigest(body.digest, digestOf(body.digest.algorithm, pae), 'DSSE envelope (PAE digest)');
  checkSignatures([body.signature], signer, content.signatures[0].sig);
}

export const hashedRekordV002: EntryKindDefinition<HashedRekordV002Body> = defineEntryKind(
  'hashedrekord@0.0.2',
  parseSpec,
  bind,
);
