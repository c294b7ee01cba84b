/**
 * dsse 0.0.2 (Rekor v2, rekor-tiles `spec.dsseV002`): a DSSE envelope logged as its payload hash and
 * its verified signatures. Canonicalization of a request is in ../../canonicalize-v2.ts
 * (`canonicalDsseV002`), which also parses the v2 create-entry request.
 */
import type { JsonObject } from '../../../bundle/protojson.js';
import { sha256 } from '../../../crypto/index.js';
import { hexEncode } from '../../../encoding.js';
import { checkPayloadHash, checkSignatures, dsseContent } from '../binding-checks.js';
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

export { canonicalDsseV002 } from '../../canonicalize-v2.js';

export type DsseV002Body = {
  kind: 'dsse';
  apiVersion: '0.0.2';
  payloadHash: BodyDigest;
  signatures: BodySignature[];
};

/** The digests the log indexes for this kind: the payload's SHA-256. */
export function dsseV002SearchDigests(payload: Uint8Array): string[] {
  return [sha256SearchKey(hexEncode(sha256(payload)))];
}

function parseSpec(outer: JsonObject): DsseV002Body {
  const p = '$.spec.dsseV002';
  const spec = r.reqObject(outer, 'dsseV002', '$.spec');
  const payloadHash = protoDigest(r.reqObject(spec, 'payloadHash', p), `${p}.payloadHash`);
  const sigs = r.array(spec, 'signatures', p);
  if (sigs.length === 0) r.fail(`${p}.signatures`, 'missing');
  const signatures = sigs.map((s, i) => {
    const sp = `${p}.signatures[${i}]`;
    const so = r.object(s, sp);
    return {
      signature: r.bytes(so, 'content', sp),
      verifier: protoVerifier(r.reqObject(so, 'verifier', sp), `${sp}.verifier`),
    };
  });
  return { kind: 'dsse', apiVersion: '0.0.2', payloadHash, signatures };
}

function bind(body: DsseV002Body, ctx: BindingContext): void {
  const content = dsseContent(ctx, 'dsse');
  checkPayloadHash(body.payloadHash, content, 'DSSE payload');
  checkSignatures(body.signatures, ctx.signer, content.signatures[0].sig);
}

export const dsseV002: EntryKindDefinition<DsseV002Body> = defineEntryKind('dsse@0.0.2', parseSpec, bind);
