/**
 * Sigstore bundle parsing and structural validation (sigstore protobuf-specs `bundle.proto`,
 * protobuf-JSON encoding). Media types: `application/vnd.dev.sigstore.bundle+json;version=0.1|0.2|0.3`
 * and `application/vnd.dev.sigstore.bundle.v0.3+json`; anything else is refused.
 *
 * Version rules: v0.1 entries MUST carry an inclusion promise (SET); v0.2+ entries MUST carry an
 * inclusion proof (its checkpoint is required too, and is checked by the inclusion step so that a
 * proof that does not fit the entry is reported as such); v0.3 MUST NOT use x509CertificateChain.
 * Exactly one of messageSignature / dsseEnvelope. Negative or non-integer int64s, malformed base64
 * and unknown versions are refused with coded errors.
 */
import { VerificationError } from '../verify/errors.js';
import { type JsonObject, jsonInput, Reader } from './protojson.js';
import type {
  Bundle,
  BundleContent,
  BundleVersion,
  HashAlgorithm,
  InclusionProof,
  TransparencyLogEntry,
  VerificationMaterial,
} from './types.js';

const MEDIA_TYPES: Record<string, BundleVersion> = {
  'application/vnd.dev.sigstore.bundle+json;version=0.1': '0.1',
  'application/vnd.dev.sigstore.bundle+json;version=0.2': '0.2',
  'application/vnd.dev.sigstore.bundle+json;version=0.3': '0.3',
  'application/vnd.dev.sigstore.bundle.v0.3+json': '0.3',
};

const HASH_ALGORITHMS: Record<string, HashAlgorithm> = {
  SHA2_256: 'sha256',
  SHA2_384: 'sha384',
  SHA2_512: 'sha512',
};

const r: Reader = new Reader('BUNDLE_INVALID', 'bundle');

/**
 * Parses a bundle from JSON text, UTF-8 bytes or an already-parsed JSON value. Throws
 * BUNDLE_PARSE_ERROR (not JSON), BUNDLE_UNSUPPORTED_VERSION, BUNDLE_INVALID.
 */
export function parseBundle(input: string | Uint8Array | unknown): Bundle {
  const json = jsonInput(input, 'BUNDLE_PARSE_ERROR', 'bundle');
  const root = r.object(json, 'bundle');
  const mediaType = r.optString(root, 'mediaType', '$');
  if (mediaType === undefined) r.fail('$.mediaType', 'missing');
  const version = Object.hasOwn(MEDIA_TYPES, mediaType) ? MEDIA_TYPES[mediaType] : undefined;
  if (version === undefined) {
    throw new VerificationError('BUNDLE_UNSUPPORTED_VERSION', `unsupported bundle media type '${mediaType}'`);
  }

  const vm = r.reqObject(root, 'verificationMaterial', '$');
  const verificationMaterial = parseMaterial(vm, version);
  const tlogEntries = r
    .array(vm, 'tlogEntries', '$.verificationMaterial')
    .map((e, i) => parseEntry(e, `$.verificationMaterial.tlogEntries[${i}]`, version));
  const tvd = r.optObject(vm, 'timestampVerificationData', '$.verificationMaterial');
  const rfc3161Timestamps = tvd
    ? r.array(tvd, 'rfc3161Timestamps', '$.tvd').map((t, i) => {
        const p = `$.verificationMaterial.timestampVerificationData.rfc3161Timestamps[${i}]`;
        return r.bytes(r.object(t, p), 'signedTimestamp', p);
      })
    : [];
  const content = parseContent(root);
  return { mediaType, version, verificationMaterial, tlogEntries, rfc3161Timestamps, content };
}

function parseMaterial(vm: JsonObject, version: BundleVersion): VerificationMaterial {
  const p = '$.verificationMaterial';
  const present = ['publicKey', 'x509CertificateChain', 'certificate'].filter(
    (k) => r.field(vm, k) !== undefined && r.field(vm, k) !== null,
  );
  if (present.length !== 1) r.fail(p, `expected exactly one of publicKey, x509CertificateChain, certificate`);
  const kind = present[0];
  if (kind === 'publicKey') {
    const pk = r.reqObject(vm, 'publicKey', p);
    const hint = r.optString(pk, 'hint', `${p}.publicKey`);
    return hint === undefined || hint === '' ? { kind: 'publicKey' } : { kind: 'publicKey', hint };
  }
  if (kind === 'x509CertificateChain') {
    if (version === '0.3') r.fail(`${p}.x509CertificateChain`, 'not allowed in a v0.3 bundle');
    const chain = r.reqObject(vm, 'x509CertificateChain', p);
    const certs = r.array(chain, 'certificates', `${p}.x509CertificateChain`);
    if (certs.length === 0) r.fail(`${p}.x509CertificateChain.certificates`, 'empty certificate chain');
    return {
      kind: 'x509CertificateChain',
      certificates: certs.map((c, i) => {
        const cp = `${p}.x509CertificateChain.certificates[${i}]`;
        return r.bytes(r.object(c, cp), 'rawBytes', cp);
      }),
    };
  }
  const cert = r.reqObject(vm, 'certificate', p);
  return { kind: 'certificate', certificate: r.bytes(cert, 'rawBytes', `${p}.certificate`) };
}

/**
 * One protobuf-JSON TransparencyLogEntry on its own (as a Rekor v2 log answers), validated with the
 * v0.3 rules (an inclusion proof is required). Throws BUNDLE_INVALID.
 */
export function parseTlogEntryJson(json: unknown): TransparencyLogEntry {
  return parseEntry(json, '$', '0.3');
}

function parseEntry(v: unknown, p: string, version: BundleVersion): TransparencyLogEntry {
  const e = r.object(v, p);
  const logIndex = r.int64(e, 'logIndex', p);
  const logId = r.bytes(r.reqObject(e, 'logId', p), 'keyId', `${p}.logId`);
  const kv = r.reqObject(e, 'kindVersion', p);
  const kind = r.reqString(kv, 'kind', `${p}.kindVersion`);
  const kversion = r.reqString(kv, 'version', `${p}.kindVersion`);
  const integratedTime = r.int64(e, 'integratedTime', p);
  const promise = r.optObject(e, 'inclusionPromise', p);
  const signedEntryTimestamp = promise
    ? r.bytes(promise, 'signedEntryTimestamp', `${p}.inclusionPromise`)
    : undefined;
  const proofObj = r.optObject(e, 'inclusionProof', p);
  const inclusionProof = proofObj ? parseProof(proofObj, `${p}.inclusionProof`) : undefined;
  const canonicalizedBody = r.bytes(e, 'canonicalizedBody', p);
  if (version === '0.1' && signedEntryTimestamp === undefined) {
    r.fail(`${p}.inclusionPromise`, 'a v0.1 bundle requires a signed entry timestamp');
  }
  if (version !== '0.1' && inclusionProof === undefined) {
    r.fail(`${p}.inclusionProof`, `a v${version} bundle requires an inclusion proof`);
  }
  const entry: TransparencyLogEntry = {
    logIndex,
    logId,
    kind,
    version: kversion,
    integratedTime,
    canonicalizedBody,
  };
  if (signedEntryTimestamp) entry.signedEntryTimestamp = signedEntryTimestamp;
  if (inclusionProof) entry.inclusionProof = inclusionProof;
  return entry;
}

function parseProof(o: JsonObject, p: string): InclusionProof {
  const logIndex = r.int64(o, 'logIndex', p);
  const rootHash = r.bytes(o, 'rootHash', p);
  const treeSize = r.int64(o, 'treeSize', p, true);
  const hashes = r.array(o, 'hashes', p).map((h, i) => {
    if (typeof h !== 'string') r.fail(`${p}.hashes[${i}]`, 'expected base64 bytes');
    return r.decodeBytes(h, `${p}.hashes[${i}]`);
  });
  const cp = r.optObject(o, 'checkpoint', p);
  const envelope = cp ? r.optString(cp, 'envelope', `${p}.checkpoint`) : undefined;
  const proof: InclusionProof = { logIndex, rootHash, treeSize, hashes };
  if (envelope !== undefined && envelope !== '') proof.checkpoint = envelope;
  return proof;
}

function parseContent(root: JsonObject): BundleContent {
  const ms = r.optObject(root, 'messageSignature', '$');
  const dsse = r.optObject(root, 'dsseEnvelope', '$');
  if ((ms === undefined) === (dsse === undefined)) {
    r.fail('$', 'expected exactly one of messageSignature, dsseEnvelope');
  }
  if (ms) {
    const p = '$.messageSignature';
    const signature = r.bytes(ms, 'signature', p);
    const md = r.optObject(ms, 'messageDigest', p);
    const content: BundleContent = { kind: 'messageSignature', signature };
    if (md) {
      const alg = r.reqString(md, 'algorithm', `${p}.messageDigest`);
      const algorithm = Object.hasOwn(HASH_ALGORITHMS, alg) ? HASH_ALGORITHMS[alg] : undefined;
      if (algorithm === undefined) r.fail(`${p}.messageDigest.algorithm`, `unsupported '${alg}'`);
      content.messageDigest = { algorithm, digest: r.bytes(md, 'digest', `${p}.messageDigest`) };
    }
    return content;
  }
  const p = '$.dsseEnvelope';
  const env = dsse as JsonObject;
  const payload = r.bytes(env, 'payload', p);
  const payloadType = r.reqString(env, 'payloadType', p);
  const sigs = r.array(env, 'signatures', p);
  if (sigs.length !== 1) r.fail(`${p}.signatures`, 'expected exactly one signature');
  const s = r.object(sigs[0], `${p}.signatures[0]`);
  const sig = r.bytes(s, 'sig', `${p}.signatures[0]`);
  const keyid = r.optString(s, 'keyid', `${p}.signatures[0]`) ?? '';
  return { kind: 'dsseEnvelope', payload, payloadType, signatures: [{ sig, keyid }] };
}
