/**
 * Canonical Rekor entry bodies, as found (base64) in a bundle's `canonicalizedBody`: hashedrekord
 * 0.0.1 / dsse 0.0.1 / intoto 0.0.2 (Rekor v1 `pkg/types`), hashedrekord 0.0.2 / dsse 0.0.2
 * (Rekor v2, rekor-tiles protobuf-JSON `spec.hashedRekordV002` / `spec.dsseV002`).
 *
 * `parseEntryBody` normalizes each into the fields the binding check needs (GHSA-whqx-f9j3-ch6m):
 * the signed digest(s), the signature bytes and the verifier (certificate or public key, as DER).
 * Parsing is strict: unknown kinds/versions, missing fields, bad hex/base64/PEM all throw
 * TLOG_ENTRY_MALFORMED (a VerificationError), never a TypeError.
 */
import { type JsonObject, Reader } from '../bundle/protojson.js';
import { pemDecode } from '../crypto/index.js';
import { hexDecode, utf8Decode } from '../encoding.js';
import { VerificationError } from '../verify/errors.js';

export type BodyDigest = { algorithm: 'sha256' | 'sha384' | 'sha512'; value: Uint8Array };

/** The key material named by an entry: an X.509 certificate or an SPKI public key, DER. */
export type BodyVerifier = { type: 'certificate' | 'publicKey'; der: Uint8Array };

export type BodySignature = { signature: Uint8Array; verifier: BodyVerifier };

export type HashedRekordBody = {
  kind: 'hashedrekord';
  apiVersion: '0.0.1' | '0.0.2';
  /** Digest of the signed artifact (or, for v2 over DSSE, of the PAE). */
  digest: BodyDigest;
  signature: BodySignature;
};

export type DsseV001Body = {
  kind: 'dsse';
  apiVersion: '0.0.1';
  /** SHA-256 of the canonical JSON of the envelope as submitted. */
  envelopeHash: BodyDigest;
  payloadHash: BodyDigest;
  signatures: BodySignature[];
};

export type DsseV002Body = {
  kind: 'dsse';
  apiVersion: '0.0.2';
  payloadHash: BodyDigest;
  signatures: BodySignature[];
};

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

export type RekorBody = HashedRekordBody | DsseV001Body | DsseV002Body | IntotoV002Body;

const r: Reader = new Reader('TLOG_ENTRY_MALFORMED', 'entry body');

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

/** Parses a canonicalized entry body (JSON bytes). Throws TLOG_ENTRY_MALFORMED. */
export function parseEntryBody(bytes: Uint8Array): RekorBody {
  try {
    return parseBody(bytes);
  } catch (e) {
    if (e instanceof VerificationError) throw e;
    throw new VerificationError('TLOG_ENTRY_MALFORMED', 'entry body is malformed', { cause: e });
  }
}

function parseBody(bytes: Uint8Array): RekorBody {
  let json: unknown;
  try {
    json = JSON.parse(utf8Decode(bytes));
  } catch (cause) {
    throw new VerificationError('TLOG_ENTRY_MALFORMED', 'entry body is not valid JSON', { cause });
  }
  const o = r.object(json, 'body');
  const kind = r.reqString(o, 'kind', '$');
  const apiVersion = r.reqString(o, 'apiVersion', '$');
  const spec = r.reqObject(o, 'spec', '$');
  const kv = `${kind}@${apiVersion}`;
  switch (kv) {
    case 'hashedrekord@0.0.1':
      return parseHashedRekordV001(spec);
    case 'hashedrekord@0.0.2':
      return parseHashedRekordV002(r.reqObject(spec, 'hashedRekordV002', '$.spec'));
    case 'dsse@0.0.1':
      return parseDsseV001(spec);
    case 'dsse@0.0.2':
      return parseDsseV002(r.reqObject(spec, 'dsseV002', '$.spec'));
    case 'intoto@0.0.2':
      return parseIntotoV002(spec);
    default:
      throw new VerificationError('TLOG_ENTRY_MALFORMED', `unsupported entry kind ${kv}`);
  }
}

function hexDigest(o: JsonObject, p: string): BodyDigest {
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

function protoDigest(o: JsonObject, p: string): BodyDigest {
  const alg = r.reqString(o, 'algorithm', p);
  const algorithm = Object.hasOwn(PROTO_ALGS, alg) ? PROTO_ALGS[alg] : undefined;
  if (algorithm === undefined) r.fail(`${p}.algorithm`, `unsupported '${alg}'`);
  const value = r.bytes(o, 'digest', p);
  if (value.length !== DIGEST_LEN[algorithm]) r.fail(`${p}.digest`, 'wrong digest length');
  return { algorithm, value };
}

/** base64 of a PEM block (CERTIFICATE or PUBLIC KEY), as Rekor v1 stores keys. */
function pemVerifier(b64: string, p: string): BodyVerifier {
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
function protoVerifier(o: JsonObject, p: string): BodyVerifier {
  const cert = r.optObject(o, 'x509Certificate', p);
  const pk = r.optObject(o, 'publicKey', p);
  if ((cert === undefined) === (pk === undefined))
    r.fail(p, 'expected exactly one of x509Certificate, publicKey');
  if (cert) return { type: 'certificate', der: r.bytes(cert, 'rawBytes', `${p}.x509Certificate`) };
  return { type: 'publicKey', der: r.bytes(pk as JsonObject, 'rawBytes', `${p}.publicKey`) };
}

function parseHashedRekordV001(spec: JsonObject): HashedRekordBody {
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

function parseHashedRekordV002(spec: JsonObject): HashedRekordBody {
  const p = '$.spec.hashedRekordV002';
  const digest = protoDigest(r.reqObject(spec, 'data', p), `${p}.data`);
  const sig = r.reqObject(spec, 'signature', p);
  const signature = r.bytes(sig, 'content', `${p}.signature`);
  const verifier = protoVerifier(r.reqObject(sig, 'verifier', `${p}.signature`), `${p}.signature.verifier`);
  return { kind: 'hashedrekord', apiVersion: '0.0.2', digest, signature: { signature, verifier } };
}

function parseDsseV001(spec: JsonObject): DsseV001Body {
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

function parseDsseV002(spec: JsonObject): DsseV002Body {
  const p = '$.spec.dsseV002';
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

function parseIntotoV002(spec: JsonObject): IntotoV002Body {
  const content = r.reqObject(spec, 'content', '$.spec');
  const env = r.reqObject(content, 'envelope', '$.spec.content');
  const ep = '$.spec.content.envelope';
  const payloadType = r.reqString(env, 'payloadType', ep);
  // Rekor intoto 0.0.2 stores payload and signatures base64-encoded twice.
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
