/**
 * Rekor v2 entries (sigstore/rekor-tiles; protobuf-specs `dev.sigstore.rekor.v2`): parsing of a
 * protobuf-JSON `CreateEntryRequest` (`hashedRekordRequestV002` / `dsseRequestV002`) and the canonical
 * body the log stores for it, `hashedrekord` 0.0.2 and `dsse` 0.0.2.
 *
 * The canonical body is RFC 8785 JSON of the protobuf-JSON encoding of `Entry { kind, apiVersion,
 * spec }` (lowerCamelCase field names, bytes as standard base64, enums by name, default values
 * omitted), exactly what Rekor v2 canonicalizes and hashes into its tree:
 *   hashedrekord: spec.hashedRekordV002 = { data: { algorithm, digest }, signature: { content, verifier } }
 *     where `data.algorithm` follows from the verifier's `keyDetails`;
 *   dsse: spec.dsseV002 = { payloadHash: { algorithm: SHA2_256, digest: SHA-256(payload) },
 *     signatures: [{ content, verifier }] } with signatures sorted by their raw bytes, each paired with
 *     the verifier that verified it.
 *
 * Signature verification is the caller's job (the server does it on the write path); this module only
 * parses (strictly: everything here is attacker-controlled) and canonicalizes.
 */
import { canonicalJsonBytes, DIGEST_LENGTH, digest, sha256 } from '../crypto/index.js';
import { base64Decode, base64Encode } from '../encoding.js';
import { ScribaError } from '../errors.js';
import { preAuthEncoding } from '../verify/dsse.js';

/** Protobuf-specs `HashAlgorithm` enum names used by Rekor v2 bodies. */
export type V2HashAlgorithm = 'SHA2_256' | 'SHA2_384' | 'SHA2_512';

/** What a `PublicKeyDetails` value means for verification. */
export type KeyDetailsInfo = {
  /** protobuf-specs enum number. */
  number: number;
  key: 'ecdsa' | 'ed25519' | 'rsa';
  curve?: 'P-256' | 'P-384' | 'P-521';
  /** Digest used with the key (for hashedrekord, the digest the signature is over). */
  hash: 'sha256' | 'sha384' | 'sha512';
  rsaPadding?: 'pkcs1' | 'pss';
  /** RSA modulus size in bits. */
  bits?: number;
};

/** The `PublicKeyDetails` values Rekor v2 entries may carry and that Scriba accepts. */
export const V2_KEY_DETAILS: Readonly<Record<string, KeyDetailsInfo>> = {
  PKIX_RSA_PKCS1V15_2048_SHA256: { number: 9, key: 'rsa', hash: 'sha256', rsaPadding: 'pkcs1', bits: 2048 },
  PKIX_RSA_PKCS1V15_3072_SHA256: { number: 10, key: 'rsa', hash: 'sha256', rsaPadding: 'pkcs1', bits: 3072 },
  PKIX_RSA_PKCS1V15_4096_SHA256: { number: 11, key: 'rsa', hash: 'sha256', rsaPadding: 'pkcs1', bits: 4096 },
  PKIX_RSA_PSS_2048_SHA256: { number: 16, key: 'rsa', hash: 'sha256', rsaPadding: 'pss', bits: 2048 },
  PKIX_RSA_PSS_3072_SHA256: { number: 17, key: 'rsa', hash: 'sha256', rsaPadding: 'pss', bits: 3072 },
  PKIX_RSA_PSS_4096_SHA256: { number: 18, key: 'rsa', hash: 'sha256', rsaPadding: 'pss', bits: 4096 },
  PKIX_ECDSA_P256_SHA_256: { number: 5, key: 'ecdsa', curve: 'P-256', hash: 'sha256' },
  PKIX_ECDSA_P384_SHA_384: { number: 12, key: 'ecdsa', curve: 'P-384', hash: 'sha384' },
  PKIX_ECDSA_P521_SHA_512: { number: 13, key: 'ecdsa', curve: 'P-521', hash: 'sha512' },
  PKIX_ED25519: { number: 7, key: 'ed25519', hash: 'sha512' },
  PKIX_ED25519_PH: { number: 8, key: 'ed25519', hash: 'sha512' },
};

const HASH_NAME: Record<KeyDetailsInfo['hash'], V2HashAlgorithm> = {
  sha256: 'SHA2_256',
  sha384: 'SHA2_384',
  sha512: 'SHA2_512',
};

/** A Rekor v2 `Verifier`: exactly one of a DER SPKI public key or a DER X.509 certificate. */
export type V2Verifier = {
  keyDetails: string;
} & (
  | { publicKey: Uint8Array; x509Certificate?: undefined }
  | { x509Certificate: Uint8Array; publicKey?: undefined }
);

export type V2Signature = { content: Uint8Array; verifier: V2Verifier };

export type HashedRekordRequestV002 = { digest: Uint8Array; signature: V2Signature };

export type DsseEnvelopeV2 = {
  payload: Uint8Array;
  payloadType: string;
  signatures: { sig: Uint8Array; keyid: string }[];
};

export type DsseRequestV002 = { envelope: DsseEnvelopeV2; verifiers: V2Verifier[] };

export type CreateEntryRequestV2 =
  | { kind: 'hashedrekord'; request: HashedRekordRequestV002 }
  | { kind: 'dsse'; request: DsseRequestV002 };

/** Limits Rekor v2 applies to DSSE requests. */
export const MAX_DSSE_VERIFIERS = 10;
export const MAX_DSSE_SIGNATURES = 10;

function bad(field: string, message: string, cause?: unknown): ScribaError {
  return new ScribaError(
    'ENTRY_MALFORMED',
    `${field}: ${message}`,
    cause === undefined ? undefined : { cause },
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Field lookup accepting the protobuf-JSON name or the original proto (snake_case) name. */
function field(obj: Record<string, unknown>, camel: string, snake?: string): unknown {
  if (Object.hasOwn(obj, camel)) return obj[camel];
  if (snake !== undefined && Object.hasOwn(obj, snake)) return obj[snake];
  return undefined;
}

/** protobuf-JSON bytes: standard or URL-safe base64, padded or not. */
function bytes(v: unknown, path: string, required = true): Uint8Array {
  if (v === undefined || v === null || v === '') {
    if (required) throw bad(path, 'is required');
    return new Uint8Array(0);
  }
  if (typeof v !== 'string') throw bad(path, 'must be a base64 string');
  let s = v.replace(/-/g, '+').replace(/_/g, '/');
  if (s.length % 4 !== 0) s += '='.repeat(4 - (s.length % 4));
  try {
    return base64Decode(s);
  } catch (e) {
    throw bad(path, 'is not valid base64', e);
  }
}

function keyDetailsName(v: unknown, path: string): string {
  if (typeof v === 'number') {
    const found = Object.entries(V2_KEY_DETAILS).find(([, d]) => d.number === v);
    if (!found) throw new ScribaError('KEY_UNSUPPORTED', `${path}: unsupported key details ${v}`);
    return found[0];
  }
  if (typeof v !== 'string' || v === '') throw bad(path, 'is required');
  if (!Object.hasOwn(V2_KEY_DETAILS, v))
    throw new ScribaError('KEY_UNSUPPORTED', `${path}: unsupported key details ${v}`);
  return v;
}

function parseVerifier(v: unknown, path: string): V2Verifier {
  if (!isObject(v)) throw bad(path, 'must be an object');
  const keyDetails = keyDetailsName(field(v, 'keyDetails', 'key_details'), `${path}.keyDetails`);
  const pk = field(v, 'publicKey', 'public_key');
  const cert = field(v, 'x509Certificate', 'x509_certificate');
  if ((pk === undefined) === (cert === undefined)) {
    throw bad(path, 'must carry exactly one of publicKey or x509Certificate');
  }
  if (pk !== undefined) {
    if (!isObject(pk)) throw bad(`${path}.publicKey`, 'must be an object');
    return { keyDetails, publicKey: bytes(field(pk, 'rawBytes', 'raw_bytes'), `${path}.publicKey.rawBytes`) };
  }
  if (!isObject(cert)) throw bad(`${path}.x509Certificate`, 'must be an object');
  return {
    keyDetails,
    x509Certificate: bytes(field(cert, 'rawBytes', 'raw_bytes'), `${path}.x509Certificate.rawBytes`),
  };
}

function parseHashedRekord(v: unknown): HashedRekordRequestV002 {
  const path = 'hashedRekordRequestV002';
  if (!isObject(v)) throw bad(path, 'must be an object');
  const digest = bytes(field(v, 'digest'), `${path}.digest`);
  const sig = field(v, 'signature');
  if (!isObject(sig)) throw bad(`${path}.signature`, 'is required');
  const content = bytes(field(sig, 'content'), `${path}.signature.content`);
  const verifier = parseVerifier(field(sig, 'verifier'), `${path}.signature.verifier`);
  const info = V2_KEY_DETAILS[verifier.keyDetails]!;
  if (digest.length !== DIGEST_LENGTH[info.hash]) {
    throw bad(`${path}.digest`, `must be ${DIGEST_LENGTH[info.hash]} bytes for ${verifier.keyDetails}`);
  }
  return { digest, signature: { content, verifier } };
}

function parseDsse(v: unknown): DsseRequestV002 {
  const path = 'dsseRequestV002';
  if (!isObject(v)) throw bad(path, 'must be an object');
  const env = field(v, 'envelope');
  if (!isObject(env)) throw bad(`${path}.envelope`, 'is required');
  const payload = bytes(field(env, 'payload'), `${path}.envelope.payload`, false);
  const payloadType = field(env, 'payloadType', 'payload_type') ?? '';
  if (typeof payloadType !== 'string') throw bad(`${path}.envelope.payloadType`, 'must be a string');
  const sigs = field(env, 'signatures') ?? [];
  if (!Array.isArray(sigs) || sigs.length === 0) throw bad(`${path}.envelope.signatures`, 'is required');
  if (sigs.length > MAX_DSSE_SIGNATURES) throw bad(`${path}.envelope.signatures`, 'too many signatures');
  const signatures = sigs.map((s, i) => {
    const p = `${path}.envelope.signatures[${i}]`;
    if (!isObject(s)) throw bad(p, 'must be an object');
    const keyid = field(s, 'keyid') ?? '';
    if (typeof keyid !== 'string') throw bad(`${p}.keyid`, 'must be a string');
    return { sig: bytes(field(s, 'sig'), `${p}.sig`), keyid };
  });
  const verifiers = field(v, 'verifiers') ?? [];
  if (!Array.isArray(verifiers) || verifiers.length === 0) throw bad(`${path}.verifiers`, 'is required');
  if (verifiers.length > MAX_DSSE_VERIFIERS) throw bad(`${path}.verifiers`, 'too many verifiers');
  return {
    envelope: { payload, payloadType, signatures },
    verifiers: verifiers.map((x, i) => parseVerifier(x, `${path}.verifiers[${i}]`)),
  };
}

/**
 * Parse a protobuf-JSON `CreateEntryRequest` (the POST /api/v2/log/entries body, already
 * JSON-parsed). Throws ENTRY_MALFORMED, ENTRY_UNSUPPORTED_KIND or KEY_UNSUPPORTED.
 */
export function parseCreateEntryRequestV2(json: unknown): CreateEntryRequestV2 {
  if (!isObject(json)) throw bad('request', 'must be a JSON object');
  const hr = field(json, 'hashedRekordRequestV002', 'hashed_rekord_request_v002');
  const ds = field(json, 'dsseRequestV002', 'dsse_request_v002');
  if (hr !== undefined && ds !== undefined) throw bad('request', 'must carry exactly one request kind');
  if (hr !== undefined) return { kind: 'hashedrekord', request: parseHashedRekord(hr) };
  if (ds !== undefined) return { kind: 'dsse', request: parseDsse(ds) };
  throw new ScribaError(
    'ENTRY_UNSUPPORTED_KIND',
    'request: expected hashedRekordRequestV002 or dsseRequestV002',
  );
}

function verifierJson(v: V2Verifier): Record<string, unknown> {
  return v.publicKey !== undefined
    ? { keyDetails: v.keyDetails, publicKey: { rawBytes: base64Encode(v.publicKey) } }
    : { keyDetails: v.keyDetails, x509Certificate: { rawBytes: base64Encode(v.x509Certificate!) } };
}

function signatureJson(s: V2Signature): Record<string, unknown> {
  return { content: base64Encode(s.content), verifier: verifierJson(s.verifier) };
}

/** The protobuf-JSON wire form of a `hashedRekordRequestV002` (the POST /api/v2/log/entries body). */
export function hashedRekordRequestV002Json(req: HashedRekordRequestV002): {
  hashedRekordRequestV002: Record<string, unknown>;
} {
  return {
    hashedRekordRequestV002: { digest: base64Encode(req.digest), signature: signatureJson(req.signature) },
  };
}

/** The digest algorithm a hashedrekord 0.0.2 body records for a verifier's key details. */
export function hashAlgorithmForKeyDetails(keyDetails: string): V2HashAlgorithm {
  const info = V2_KEY_DETAILS[keyDetails];
  if (!info) throw new ScribaError('KEY_UNSUPPORTED', `unsupported key details ${keyDetails}`);
  return HASH_NAME[info.hash];
}

/** The canonical hashedrekord 0.0.2 body (RFC 8785 bytes) for a (signature-verified) request. */
export function canonicalHashedRekordV002(req: HashedRekordRequestV002): Uint8Array {
  return canonicalJsonBytes({
    apiVersion: '0.0.2',
    kind: 'hashedrekord',
    spec: {
      hashedRekordV002: {
        data: {
          algorithm: hashAlgorithmForKeyDetails(req.signature.verifier.keyDetails),
          digest: base64Encode(req.digest),
        },
        signature: signatureJson(req.signature),
      },
    },
  });
}

/**
 * The canonical dsse 0.0.2 body for an envelope whose every signature was verified: `verified` pairs
 * each envelope signature with the verifier that verified it. Signatures are sorted by raw bytes.
 */
export function canonicalDsseV002(envelope: DsseEnvelopeV2, verified: V2Signature[]): Uint8Array {
  if (verified.length === 0) throw bad('dsseRequestV002', 'no verified signatures');
  const sorted = [...verified].sort((a, b) => compareBytes(a.content, b.content));
  return canonicalJsonBytes({
    apiVersion: '0.0.2',
    kind: 'dsse',
    spec: {
      dsseV002: {
        payloadHash: { algorithm: 'SHA2_256', digest: base64Encode(sha256(envelope.payload)) },
        signatures: sorted.map(signatureJson),
      },
    },
  });
}

/**
 * DSSE v1 pre-authentication encoding, the bytes every envelope signature is over (one
 * implementation: the verifier's `preAuthEncoding`, under the name the entry API uses).
 */
export const dssePae: (payloadType: string, payload: Uint8Array) => Uint8Array = preAuthEncoding;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * How a DSSE envelope is logged with Rekor v2 now (rekor-tiles #744, Rekor v2 spec §6.1.4): v2 takes
 * no `dsseRequestV002`; the envelope goes in as a `hashedRekordRequestV002` whose digest is
 * Hash(PAE(payloadType, payload)) — the hash the key details name — and whose signature is the
 * envelope's one signature. Returns the request and its protobuf-JSON wire form. Throws
 * ENTRY_MALFORMED unless the envelope has exactly one signature, KEY_UNSUPPORTED for unknown key
 * details.
 */
export function dsseAsHashedRekordRequestV002(
  envelope: DsseEnvelopeV2,
  verifier: V2Verifier,
): { request: HashedRekordRequestV002; json: { hashedRekordRequestV002: Record<string, unknown> } } {
  if (envelope.signatures.length !== 1) {
    throw new ScribaError(
      'ENTRY_MALFORMED',
      'a DSSE envelope logged with Rekor v2 must have exactly one signature',
    );
  }
  const info = V2_KEY_DETAILS[verifier.keyDetails];
  if (!info) throw new ScribaError('KEY_UNSUPPORTED', `unsupported key details ${verifier.keyDetails}`);
  const request: HashedRekordRequestV002 = {
    digest: digest(info.hash, preAuthEncoding(envelope.payloadType, envelope.payload)),
    signature: { content: (envelope.signatures[0] as { sig: Uint8Array }).sig, verifier },
  };
  return { request, json: hashedRekordRequestV002Json(request) };
}
