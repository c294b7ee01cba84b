/**
 * intoto 0.0.2 (Rekor v1 `pkg/types/intoto/v0.0.2`): a DSSE envelope with an in-toto payload.
 * Canonical body: `spec.content{envelope{payloadType, signatures[{keyid?, sig, publicKey}]}, hash,
 * payloadHash}`; the payload is not stored (current Rekor), `sig` and `publicKey` are base64 of the
 * bytes the client sent (the signature's base64 text and the client's PEM), in the client's order;
 * `keyid` is omitted when empty (Go `omitempty`). The caller MUST have verified the signatures.
 */
import type { JsonObject } from '../../../bundle/protojson.js';
import { canonicalJsonBytes } from '../../../crypto/index.js';
import { base64Encode, bytesEqual, utf8Decode } from '../../../encoding.js';
import { ScribaError } from '../../../errors.js';
import { checkPayloadHash, checkSignatures, digestMismatch, dsseContent } from '../binding-checks.js';
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
import { checkRekorHash, type RekorHash, sha256SearchKey } from '../rekor-hash.js';

export type IntotoV002Body = {
  kind: 'intoto';
  apiVersion: '0.0.2';
  payloadType: string;
  /** The envelope payload as logged, when present (decoded). */
  payload?: Uint8Array;
  payloadHash: BodyDigest;
  envelopeHash?: BodyDigest;
  signatures: BodySignature[];
};

export type IntotoV002Parts = {
  payloadType: string;
  /** In the client's order: keyid (omitted when empty), signature and public key bytes as sent. */
  signatures: { keyid?: string; sig: Uint8Array; publicKey: Uint8Array }[];
  /** The client's envelope hash (Rekor stores it as given, after schema validation). */
  hash: RekorHash;
  /** SHA-256 of the decoded payload, computed by the server. */
  payloadHash: RekorHash;
};

/** Canonical body of an intoto 0.0.2 entry. */
export function canonicalIntotoV002(p: IntotoV002Parts): Uint8Array {
  if (p.signatures.length === 0) throw new ScribaError('ENTRY_MALFORMED', 'intoto: no signatures');
  const signatures = p.signatures.map((s) => ({
    ...(s.keyid ? { keyid: s.keyid } : {}),
    publicKey: base64Encode(s.publicKey),
    sig: base64Encode(s.sig),
  }));
  return canonicalJsonBytes({
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: { payloadType: p.payloadType, signatures },
        hash: checkRekorHash(p.hash, 'content.hash'),
        payloadHash: checkRekorHash(p.payloadHash, 'content.payloadHash'),
      },
    },
  });
}

/** The digests Rekor indexes for this kind: the payload's and the in-toto subjects'. */
export function intotoV002SearchDigests(
  payloadHash: string,
  payloadType: string,
  payload: Uint8Array,
): string[] {
  return [...new Set([sha256SearchKey(payloadHash), ...intotoSubjectSearchDigests(payloadType, payload)])];
}

/**
 * Rekor intoto 0.0.2 bodies store `sig` (and `payload`) base64-encoded once or twice depending on
 * the Rekor version that wrote them: when the once-decoded bytes are themselves canonical base64
 * text, decode again.
 */
function maybeDoubleBase64(once: Uint8Array): Uint8Array {
  if (once.length === 0 || once.length % 4 !== 0) return once;
  for (const c of once) {
    const ok =
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x2b ||
      c === 0x2f ||
      c === 0x3d;
    if (!ok) return once;
  }
  try {
    return r.decodeBytes(utf8Decode(once), 'base64 text');
  } catch {
    return once;
  }
}

function parseSpec(spec: JsonObject): IntotoV002Body {
  const content = r.reqObject(spec, 'content', '$.spec');
  const env = r.reqObject(content, 'envelope', '$.spec.content');
  const ep = '$.spec.content.envelope';
  const payloadType = r.reqString(env, 'payloadType', ep);
  const payloadB64 = r.optString(env, 'payload', ep);
  const payload =
    payloadB64 === undefined ? undefined : maybeDoubleBase64(r.decodeBytes(payloadB64, `${ep}.payload`));
  const payloadHash = hexDigest(
    r.reqObject(content, 'payloadHash', '$.spec.content'),
    '$.spec.content.payloadHash',
  );
  const hashObj = r.optObject(content, 'hash', '$.spec.content');
  const sigs = r.array(env, 'signatures', ep);
  if (sigs.length === 0) r.fail(`${ep}.signatures`, 'missing');
  const signatures = sigs.map((s, i) => {
    const p = `${ep}.signatures[${i}]`;
    const so = r.object(s, p);
    return {
      signature: maybeDoubleBase64(r.bytes(so, 'sig', p)),
      verifier: pemVerifier(r.reqString(so, 'publicKey', p), `${p}.publicKey`),
    };
  });
  const body: IntotoV002Body = { kind: 'intoto', apiVersion: '0.0.2', payloadType, payloadHash, signatures };
  if (payload !== undefined) body.payload = payload;
  if (hashObj) body.envelopeHash = hexDigest(hashObj, '$.spec.content.hash');
  return body;
}

function bind(body: IntotoV002Body, ctx: BindingContext): void {
  const content = dsseContent(ctx, 'intoto');
  checkPayloadHash(body.payloadHash, content, 'in-toto payload');
  if (body.payload !== undefined && !bytesEqual(body.payload, content.payload)) {
    digestMismatch('in-toto payload');
  }
  if (body.payloadType !== content.payloadType) digestMismatch('in-toto payload type');
  checkSignatures(body.signatures, ctx.signer, content.signatures[0].sig);
}

export const intotoV002: EntryKindDefinition<IntotoV002Body> = defineEntryKind(
  'intoto@0.0.2',
  parseSpec,
  bind,
);
