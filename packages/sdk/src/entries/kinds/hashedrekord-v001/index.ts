/**
 * hashedrekord 0.0.1 (Rekor v1 `pkg/types/hashedrekord/v0.0.1`): a detached signature over an
 * artifact known by its digest. Canonical body per Rekor's `Canonicalize()` (RFC 8785 JSON):
 * `spec.data.hash{algorithm,value}` and `spec.signature{content, publicKey.content}`; `data.content`
 * and any key URL are dropped. The signature MUST have been verified by the caller (the server) and
 * the key given as the canonical PEM Rekor stores (the re-encoded SPKI or certificates).
 */
import type { JsonObject } from '../../../bundle/protojson.js';
import { canonicalJsonBytes } from '../../../crypto/index.js';
import { base64Encode, utf8Encode } from '../../../encoding.js';
import { checkDigest, checkSignatures, digestMismatch } from '../binding-checks.js';
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
import { checkRekorHash, type RekorHash, sha256SearchKey } from '../rekor-hash.js';

export type HashedRekordV001Body = {
  kind: 'hashedrekord';
  apiVersion: '0.0.1';
  /** Digest of the signed artifact. */
  digest: BodyDigest;
  signature: BodySignature;
};

export type HashedRekordV001Parts = {
  hash: RekorHash;
  /** Signature bytes (decoded from the proposed entry's base64). */
  signature: Uint8Array;
  /** Canonical PEM of the public key or certificate(s). */
  publicKeyPem: string;
};

/** Canonical body of a hashedrekord 0.0.1 entry. */
export function canonicalHashedRekordV001(p: HashedRekordV001Parts): Uint8Array {
  return canonicalJsonBytes({
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: checkRekorHash(p.hash, 'spec.data.hash') },
      signature: {
        content: base64Encode(p.signature),
        publicKey: { content: base64Encode(utf8Encode(p.publicKeyPem)) },
      },
    },
  });
}

/** The digests Rekor indexes for this kind: the artifact's, when it is a SHA-256. */
export function hashedRekordV001SearchDigests(hash: RekorHash): string[] {
  return hash.algorithm === 'sha256' ? [sha256SearchKey(hash.value)] : [];
}

function parseSpec(spec: JsonObject): HashedRekordV001Body {
  const data = r.reqObject(spec, 'data', '$.spec');
  const digest = hexDigest(r.reqObject(data, 'hash', '$.spec.data'), '$.spec.data.hash');
  const sig = r.reqObject(spec, 'signature', '$.spec');
  const signature = r.bytes(sig, 'content', '$.spec.signature');
  const pk = r.reqObject(sig, 'publicKey', '$.spec.signature');
  const verifier = pemVerifier(
    r.reqString(pk, 'content', '$.spec.signature.publicKey'),
    '$.spec.signature.publicKey',
  );
  return { kind: 'hashedrekord', apiVersion: '0.0.1', digest, signature: { signature, verifier } };
}

/** A message signature over the artifact only: the artifact digest, then key, then signature. */
function bind(body: HashedRekordV001Body, { content, signer, artifact }: BindingContext): void {
  if (content.kind !== 'messageSignature')
    digestMismatch('kind of content (hashedrekord 0.0.1 entry for a DSSE envelope)');
  checkDigest(body.digest, artifact.digest(body.digest.algorithm), 'artifact digest');
  checkSignatures([body.signature], signer, content.signature);
}

export const hashedRekordV001: EntryKindDefinition<HashedRekordV001Body> = defineEntryKind(
  'hashedrekord@0.0.1',
  parseSpec,
  bind,
);
