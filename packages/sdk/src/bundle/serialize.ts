/**
 * Sigstore bundle writer (sigstore protobuf-specs `bundle.proto`, protobuf-JSON mapping): the
 * inverse of `parseBundle`. int64 fields are decimal strings, bytes are standard base64, enum values
 * by name. Media type `application/vnd.dev.sigstore.bundle.v0.3+json` unless the bundle names an
 * older one. Also reads a Rekor v1 LogEntry (the `{uuid: LogEntry}` answer of
 * POST/GET /api/v1/log/entries) and a Rekor v2 TransparencyLogEntry into the parsed
 * `TransparencyLogEntry` the verifier uses, so a signer can assemble a bundle from what the log
 * returned without re-stating any field.
 */
import { base64Encode, hexDecode } from '../encoding.js';
import { parseEntryBody } from '../entries/body.js';
import { VerificationError } from '../verify/errors.js';
import { parseBundle, parseTlogEntryJson } from './bundle.js';
import { decodeProtoBytes, type JsonObject } from './protojson.js';
import type { Bundle, HashAlgorithm, TransparencyLogEntry } from './types.js';

export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

const HASH_NAMES: Record<HashAlgorithm, string> = {
  sha256: 'SHA2_256',
  sha384: 'SHA2_384',
  sha512: 'SHA2_512',
};

/** protobuf-JSON of one transparency log entry. */
export function tlogEntryToJson(e: TransparencyLogEntry): JsonObject {
  const out: JsonObject = {
    logIndex: String(e.logIndex),
    logId: { keyId: base64Encode(e.logId) },
    kindVersion: { kind: e.kind, version: e.version },
    integratedTime: String(e.integratedTime),
  };
  if (e.signedEntryTimestamp)
    out.inclusionPromise = { signedEntryTimestamp: base64Encode(e.signedEntryTimestamp) };
  if (e.inclusionProof) {
    const p = e.inclusionProof;
    out.inclusionProof = {
      logIndex: String(p.logIndex),
      rootHash: base64Encode(p.rootHash),
      treeSize: String(p.treeSize),
      hashes: p.hashes.map(base64Encode),
      ...(p.checkpoint !== undefined ? { checkpoint: { envelope: p.checkpoint } } : {}),
    };
  }
  out.canonicalizedBody = base64Encode(e.canonicalizedBody);
  return out;
}

/** protobuf-JSON of a bundle; `parseBundle(bundleToJson(b))` gives `b` back. */
export function bundleToJson(b: Bundle): JsonObject {
  const vm: JsonObject = {};
  const m = b.verificationMaterial;
  if (m.kind === 'publicKey') vm.publicKey = m.hint !== undefined ? { hint: m.hint } : {};
  else if (m.kind === 'certificate') vm.certificate = { rawBytes: base64Encode(m.certificate) };
  else vm.x509CertificateChain = { certificates: m.certificates.map((c) => ({ rawBytes: base64Encode(c) })) };
  vm.tlogEntries = b.tlogEntries.map(tlogEntryToJson);
  if (b.rfc3161Timestamps.length > 0) {
    vm.timestampVerificationData = {
      rfc3161Timestamps: b.rfc3161Timestamps.map((t) => ({ signedTimestamp: base64Encode(t) })),
    };
  }
  const out: JsonObject = { mediaType: b.mediaType, verificationMaterial: vm };
  const c = b.content;
  if (c.kind === 'messageSignature') {
    out.messageSignature = {
      ...(c.messageDigest
        ? {
            messageDigest: {
              algorithm: HASH_NAMES[c.messageDigest.algorithm],
              digest: base64Encode(c.messageDigest.digest),
            },
          }
        : {}),
      signature: base64Encode(c.signature),
    };
  } else {
    out.dsseEnvelope = {
      payload: base64Encode(c.payload),
      payloadType: c.payloadType,
      signatures: c.signatures.map((s) => ({ sig: base64Encode(s.sig), keyid: s.keyid })),
    };
  }
  return out;
}

/** Builds a v0.3 bundle from its parts and checks it parses back (BUNDLE_INVALID otherwise). */
export function assembleBundle(parts: Omit<Bundle, 'mediaType' | 'version'>): Bundle {
  const b: Bundle = { mediaType: BUNDLE_V03_MEDIA_TYPE, version: '0.3', ...parts };
  parseBundle(bundleToJson(b));
  return b;
}

function bad(message: string, cause?: unknown): never {
  throw new VerificationError(
    'TLOG_ENTRY_MALFORMED',
    `Rekor LogEntry: ${message}`,
    cause ? { cause } : undefined,
  );
}

type V1Value = {
  body?: unknown;
  integratedTime?: unknown;
  logID?: unknown;
  logIndex?: unknown;
  verification?: {
    signedEntryTimestamp?: unknown;
    inclusionProof?: {
      logIndex?: unknown;
      treeSize?: unknown;
      rootHash?: unknown;
      hashes?: unknown;
      checkpoint?: unknown;
    };
  };
};

function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    bad(`${what} must be a non-negative integer`);
  return v;
}

function hex(v: unknown, what: string): Uint8Array {
  if (typeof v !== 'string' || !/^([0-9a-fA-F]{2})+$/.test(v)) bad(`${what} must be hex`);
  return hexDecode(v.toLowerCase());
}

function b64(v: unknown, what: string): Uint8Array {
  if (typeof v !== 'string') bad(`${what} must be base64`);
  try {
    return decodeProtoBytes(v);
  } catch (e) {
    bad(`${what} is not base64`, e);
  }
}

/**
 * One Rekor v1 LogEntry value (`Object.values(answer)[i]`) as a TransparencyLogEntry: body, index,
 * integrated time, log ID, SET and inclusion proof with its checkpoint; kind and version are read
 * from the body. Throws TLOG_ENTRY_MALFORMED.
 */
export function tlogEntryFromRekorV1(value: unknown): TransparencyLogEntry {
  if (typeof value !== 'object' || value === null) bad('not an object');
  const v = value as V1Value;
  const body = b64(v.body, 'body');
  let kind: string;
  let version: string;
  try {
    const parsed = parseEntryBody(body);
    kind = parsed.kind;
    version = parsed.apiVersion;
  } catch (e) {
    bad('body is not a Rekor entry body', e);
  }
  const entry: TransparencyLogEntry = {
    logIndex: int(v.logIndex, 'logIndex'),
    logId: hex(v.logID, 'logID'),
    kind,
    version,
    integratedTime: int(v.integratedTime, 'integratedTime'),
    canonicalizedBody: body,
  };
  const ver = v.verification;
  if (ver?.signedEntryTimestamp !== undefined) {
    entry.signedEntryTimestamp = b64(ver.signedEntryTimestamp, 'verification.signedEntryTimestamp');
  }
  const p = ver?.inclusionProof;
  if (p !== undefined) {
    if (!Array.isArray(p.hashes)) bad('verification.inclusionProof.hashes must be an array');
    entry.inclusionProof = {
      logIndex: int(p.logIndex, 'inclusionProof.logIndex'),
      treeSize: int(p.treeSize, 'inclusionProof.treeSize'),
      rootHash: hex(p.rootHash, 'inclusionProof.rootHash'),
      hashes: p.hashes.map((h, i) => hex(h, `inclusionProof.hashes[${i}]`)),
    };
    if (p.checkpoint !== undefined) {
      if (typeof p.checkpoint !== 'string') bad('inclusionProof.checkpoint must be a string');
      entry.inclusionProof.checkpoint = p.checkpoint;
    }
  }
  return entry;
}

/** A Rekor v2 TransparencyLogEntry (protobuf JSON, the 201 answer of POST /api/v2/log/entries). */
export function tlogEntryFromRekorV2(json: unknown): TransparencyLogEntry {
  return parseTlogEntryJson(json);
}
