/**
 * What every entry kind shares: the body's digest / verifier / signature shapes, strict readers for
 * Rekor v1 (hex digests, base64 PEM keys) and Rekor v2 (protobuf-JSON digests and verifiers) fields,
 * and the definition every kind folder exports. All input here is attacker-controlled: readers throw
 * TLOG_ENTRY_MALFORMED (a VerificationError), never a TypeError.
 */
import type { JsonObject } from '../../bundle/protojson.js';
import { Reader } from '../../bundle/protojson.js';
import type { BundleContent } from '../../bundle/types.js';
import { pemDecode } from '../../crypto/index.js';
import { hexDecode, utf8Decode } from '../../encoding.js';
import type { Artifact } from '../../verify/artifact.js';
import type { Signer } from '../../verify/signer.js';
import { ENTRY_KIND_TABLE, type EntryKindId } from './table.js';

export type BodyDigest = { algorithm: 'sha256' | 'sha384' | 'sha512'; value: Uint8Array };

/** The key material named by an entry: an X.509 certificate or an SPKI public key, DER. */
export type BodyVerifier = { type: 'certificate' | 'publicKey'; der: Uint8Array };

export type BodySignature = { signature: Uint8Array; verifier: BodyVerifier };

/** What the binding check of a kind gets: the bundle's content, its resolved signer and the artifact. */
export type BindingContext = { content: BundleContent; signer: Signer; artifact: Artifact };

/**
 * One entry kind and version: its id, how to parse its canonical body's `spec` (for the verifier),
 * and how to bind a parsed body to a bundle (GHSA-whqx-f9j3-ch6m). Canonicalization of proposed
 * entries and search-key digests are exported by each kind folder next to its definition.
 */
export interface EntryKindDefinition<B extends { kind: string; apiVersion: string }> {
  readonly id: EntryKindId;
  readonly kind: B['kind'];
  readonly apiVersion: B['apiVersion'];
  /** Parses the `spec` of a canonical body of this kind. Throws TLOG_ENTRY_MALFORMED. */
  parseSpec(spec: JsonObject): B;
  /** Throws a BINDING_* (or ARTIFACT_REQUIRED) VerificationError unless `body` is about this bundle. */
  bind(body: B, ctx: BindingContext): void;
}

/** A kind's definition, its id, kind and version taken from its row of the kind table. */
export function defineEntryKind<B extends { kind: string; apiVersion: string }>(
  id: EntryKindId,
  parseSpec: (spec: JsonObject) => B,
  bind: (body: B, ctx: BindingContext) => void,
): EntryKindDefinition<B> {
  const row = ENTRY_KIND_TABLE[id];
  return { id, kind: row.kind as B['kind'], apiVersion: row.apiVersion as B['apiVersion'], parseSpec, bind };
}

export const r: Reader = new Reader('TLOG_ENTRY_MALFORMED', 'entry body');

const HEX_ALGS: Record<string, BodyDigest['algorithm']> = {
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
};
const PROTO_ALGS: Record<string, BodyDigest['algorithm']> = {
  SHA2_256: 'sha256',
  SHA2_384: 'sha384',
  SHA2_512: 'sha512',
};
const DIGEST_LEN = { sha256: 32, sha384: 48, sha512: 64 };

/** Rekor v1 `{algorithm, value}` with a lower- or upper-case hex value. */
export function hexDigest(o: JsonObject, p: string): BodyDigest {
  const alg = r.reqString(o, 'algorithm', p);
  const algorithm = Object.hasOwn(HEX_ALGS, alg) ? HEX_ALGS[alg] : undefined;
  if (algorithm === undefined) r.fail(`${p}.algorithm`, `unsupported '${alg}'`);
  const hex = r.reqString(o, 'value', p);
  let value: Uint8Array;
  try {
    value = hexDecode(hex);
  } catch (e) {
    r.fail(`${p}.value`, 'invalid hex', e);
  }
  if (value.length !== DIGEST_LEN[algorithm]) r.fail(`${p}.value`, 'wrong digest length');
  return { algorithm, value };
}

/** Rekor v2 `HashOutput` `{algorithm: SHA2_*, digest}`. */
export function protoDigest(o: JsonObject, p: string): BodyDigest {
  const alg = r.reqString(o, 'algorithm', p);
  const algorithm = Object.hasOwn(PROTO_ALGS, alg) ? PROTO_ALGS[alg] : undefined;
  if (algorithm === undefined) r.fail(`${p}.algorithm`, `unsupported '${alg}'`);
  const value = r.bytes(o, 'digest', p);
  if (value.length !== DIGEST_LEN[algorithm]) r.fail(`${p}.digest`, 'wrong digest length');
  return { algorithm, value };
}

/** base64 of a PEM block (CERTIFICATE or PUBLIC KEY), as Rekor v1 stores keys. */
export function pemVerifier(b64: string, p: string): BodyVerifier {
  const text = utf8Decode(r.decodeBytes(b64, p));
  let block: { label: string; der: Uint8Array };
  try {
    block = pemDecode(text);
  } catch (e) {
    r.fail(p, 'invalid PEM', e);
  }
  if (block.label === 'CERTIFICATE') return { type: 'certificate', der: block.der };
  if (block.label === 'PUBLIC KEY') return { type: 'publicKey', der: block.der };
  r.fail(p, `unsupported PEM block ${block.label}`);
}

/** Rekor v2 `Verifier`: `{ x509Certificate: { rawBytes } }` or `{ publicKey: { rawBytes } }`. */
export function protoVerifier(o: JsonObject, p: string): BodyVerifier {
  const cert = r.optObject(o, 'x509Certificate', p);
  const pk = r.optObject(o, 'publicKey', p);
  if ((cert === undefined) === (pk === undefined))
    r.fail(p, 'expected exactly one of x509Certificate, publicKey');
  if (cert) return { type: 'certificate', der: r.bytes(cert, 'rawBytes', `${p}.x509Certificate`) };
  return { type: 'publicKey', der: r.bytes(pk as JsonObject, 'rawBytes', `${p}.publicKey`) };
}
