/**
 * Verification material of a proposed Rekor v1 entry: a PEM `PUBLIC KEY` (RFC 5280 SPKI), a PEM
 * `CERTIFICATE`, or a PEM certificate chain (leaf first, at most 10, each signed by the next), as
 * Rekor's `pkg/pki/x509.NewPublicKey` accepts them. Produces what the write path needs: a node
 * KeyObject, the DER SPKI, the canonical PEM Rekor stores (`CanonicalValue()`: the key re-encoded
 * as `PUBLIC KEY`, or the certificates' DER re-encoded as `CERTIFICATE` blocks) and search keys.
 *
 * Accepted key types are those of the SDK's one key policy (@scriba/sdk/crypto `checkKeyPolicy`, the
 * verifier's too): ECDSA on P-256/P-384/P-521 (uncompressed points), RSA 2048-4096 bits, Ed25519. Parsed verifiers are cached by their base64 text (an LRU of
 * CACHE_SIZE): parsing a PEM and building a KeyObject per request costs ~3x the verification.
 */
import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import {
  checkKeyPolicy,
  type EcCurve,
  type KeyShape,
  type PemBlock,
  pemDecodeAll,
  pemEncode,
  sha256,
} from '@scriba/sdk/crypto';
import { base64Encode, hexEncode } from '@scriba/sdk/encoding';
import { sanSearchKeys } from '@scriba/sdk/entries';
import { isScribaError } from '@scriba/sdk/errors';
import { parseCertificate as parseSdkCertificate, subjectAltNames } from '@scriba/sdk/x509';
import { EntryValidationError } from './errors.js';
import { goBase64Std, invalid } from './fields.js';
import type { NativeKeyHandle } from './native.js';

export type { EcCurve };
export type KeyAlgorithm =
  | { type: 'ecdsa'; curve: EcCurve }
  | { type: 'rsa'; bits: number }
  | { type: 'ed25519' };

export type ParsedVerifier = {
  /** What Rekor stores for this verifier: canonical PEM text. */
  canonicalPem: string;
  /** canonicalPem's blocks: their label and each one's DER (what a compact stored body keeps). */
  pemBlocks: { label: 'PUBLIC KEY' | 'CERTIFICATE'; ders: Uint8Array[] };
  /** The verifying key (the leaf certificate's key for certificates). */
  keyObject: KeyObject;
  /** DER SubjectPublicKeyInfo of the verifying key. */
  spki: Uint8Array;
  alg: KeyAlgorithm;
  /** Lower-case hex SHA-256 of the SPKI (bare key) or of the leaf certificate's DER. */
  fingerprint: string;
  emails: string[];
  subjects: string[];
  /** Native addon handle, created on first prehashed verification (null: the addon refused the key). */
  native?: NativeKeyHandle | null;
};

export const CACHE_SIZE = 4096;
export const MAX_CHAIN = 10;

const cache = new Map<string, ParsedVerifier>();

/** node:crypto's curve names -> the SDK's. */
const NODE_CURVES: Record<string, EcCurve> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

function unsupported(field: string, message: string): EntryValidationError {
  return new EntryValidationError('UNSUPPORTED_KEY', field, message);
}

/** Whitespace-separated sequence of PEM blocks and nothing else (the SDK's PEM reader). */
function parsePemBlocks(text: string, field: string): PemBlock[] {
  try {
    return pemDecodeAll(text);
  } catch (cause) {
    throw invalid(field, (cause as Error).message, cause);
  }
}

/** The key's shape as the SDK's key policy sees it. */
function shapeOf(key: KeyObject): KeyShape {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const name = key.asymmetricKeyDetails?.namedCurve ?? '?';
      return { kind: 'ecdsa', curve: NODE_CURVES[name] ?? name };
    }
    case 'rsa':
      return { kind: 'rsa', bits: key.asymmetricKeyDetails?.modulusLength ?? 0 };
    case 'ed25519':
      return { kind: 'ed25519' };
    default:
      return { kind: 'other', name: key.asymmetricKeyType ?? '?' };
  }
}

function classify(key: KeyObject, field: string, spki: Uint8Array): KeyAlgorithm {
  const shape = shapeOf(key);
  try {
    checkKeyPolicy(shape);
  } catch (e) {
    if (isScribaError(e, 'KEY_UNSUPPORTED')) throw unsupported(field, e.message);
    throw e;
  }
  switch (shape.kind) {
    case 'ecdsa': {
      const curve = shape.curve as EcCurve;
      // Go (and so Rekor) rejects compressed points; the BIT STRING's first key byte MUST be 0x04.
      const pointLen = { 'P-256': 65, 'P-384': 97, 'P-521': 133 }[curve];
      if (spki[spki.length - pointLen] !== 0x04)
        throw unsupported(field, 'compressed EC points are not supported');
      return { type: 'ecdsa', curve };
    }
    case 'rsa':
      return { type: 'rsa', bits: shape.bits };
    case 'ed25519':
      return { type: 'ed25519' };
    case 'other':
      throw unsupported(field, `key type ${shape.name} is not supported`);
  }
}

function keyFromSpki(
  der: Uint8Array,
  field: string,
): { keyObject: KeyObject; spki: Uint8Array; alg: KeyAlgorithm } {
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch (cause) {
    throw invalid(field, 'is not a valid DER SubjectPublicKeyInfo', cause);
  }
  const spki = new Uint8Array(keyObject.export({ type: 'spki', format: 'der' }));
  if (!Buffer.from(spki).equals(Buffer.from(der))) {
    // Trailing bytes or a non-DER encoding: Go's parser rejects these too.
    throw invalid(field, 'SubjectPublicKeyInfo is not in canonical DER');
  }
  return { keyObject, spki, alg: classify(keyObject, field, spki) };
}

function parseCertificate(der: Uint8Array, field: string): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(Buffer.from(der));
  } catch (cause) {
    throw invalid(field, 'is not a valid X.509 certificate', cause);
  }
  if (!cert.raw.equals(Buffer.from(der))) throw invalid(field, 'certificate has trailing data');
  return cert;
}

/** Rekor's `verifyCertChain`: each certificate is signed by the next, a CA, all valid at the leaf's notBefore. */
function checkChain(certs: X509Certificate[], field: string): void {
  const at = Date.parse((certs[0] as X509Certificate).validFrom);
  for (let i = 0; i < certs.length; i++) {
    const c = certs[i] as X509Certificate;
    if (!(Date.parse(c.validFrom) <= at && at <= Date.parse(c.validTo))) {
      throw invalid(field, `certificate ${i} of the chain is not valid at the leaf's notBefore`);
    }
    if (i + 1 < certs.length) {
      const issuer = certs[i + 1] as X509Certificate;
      if (!issuer.ca || !c.checkIssued(issuer) || !c.verify(issuer.publicKey)) {
        throw invalid(field, `certificate ${i} of the chain is not issued by certificate ${i + 1}`);
      }
    }
  }
}

function parseUncached(bytes: Uint8Array, field: string): ParsedVerifier {
  return parseBlocks(parsePemBlocks(Buffer.from(bytes).toString('latin1'), field), field);
}

function parseBlocks(blocks: PemBlock[], field: string): ParsedVerifier {
  const first = blocks[0] as PemBlock;
  if (first.label === 'PUBLIC KEY') {
    if (blocks.length !== 1) throw invalid(field, 'a PUBLIC KEY must be the only PEM block');
    const { keyObject, spki, alg } = keyFromSpki(first.der, field);
    return {
      canonicalPem: pemEncode(spki, 'PUBLIC KEY'),
      pemBlocks: { label: 'PUBLIC KEY', ders: [spki] },
      keyObject,
      spki,
      alg,
      fingerprint: hexEncode(sha256(spki)),
      emails: [],
      subjects: [],
    };
  }
  if (blocks.some((b) => b.label !== 'CERTIFICATE')) {
    throw invalid(field, `PEM type ${blocks.find((b) => b.label !== 'CERTIFICATE')?.label} is not supported`);
  }
  if (blocks.length > MAX_CHAIN) throw invalid(field, `certificate chains are limited to ${MAX_CHAIN}`);
  const certs = blocks.map((b) => parseCertificate(b.der, field));
  if (certs.length > 1) checkChain(certs, field);
  const leaf = certs[0] as X509Certificate;
  const { keyObject, spki, alg } = keyFromSpki(
    new Uint8Array(leaf.publicKey.export({ type: 'spki', format: 'der' })),
    field,
  );
  return {
    canonicalPem: blocks.map((b) => pemEncode(b.der, 'CERTIFICATE')).join(''),
    pemBlocks: { label: 'CERTIFICATE', ders: blocks.map((b) => b.der) },
    keyObject,
    spki,
    alg,
    fingerprint: hexEncode(sha256(first.der)),
    ...certificateSearchKeys(first.der, field),
  };
}

/** The leaf's search keys from its SANs, read with the SDK's X.509 parser (the verifier's). */
function certificateSearchKeys(der: Uint8Array, field: string): { emails: string[]; subjects: string[] } {
  try {
    return sanSearchKeys(subjectAltNames(parseSdkCertificate(der)));
  } catch (cause) {
    throw invalid(field, 'is not a valid X.509 certificate', cause);
  }
}

function cached(key: string, parse: () => ParsedVerifier): ParsedVerifier {
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const parsed = parse();
  cache.set(key, parsed);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return parsed;
}

/** Parses base64-encoded PEM verification material (a `format: byte` field); cached by its text. */
export function parseVerifierBase64(b64: string, field: string): ParsedVerifier {
  return cached(b64, () => {
    const bytes = goBase64Std(b64);
    if (bytes === null) throw invalid(field, 'is not valid base64');
    if (bytes.length === 0) throw invalid(field, 'must not be empty');
    return parseUncached(bytes, field);
  });
}

/**
 * Parses DER verification material as Rekor v2 carries it: one SPKI (`PUBLIC KEY`) or one leaf
 * certificate (`CERTIFICATE`), under the same rules and cache as the PEM forms (the key is the
 * label and the DER's base64, which no PEM-text key can equal).
 */
export function parseVerifierDer(
  der: Uint8Array,
  label: 'PUBLIC KEY' | 'CERTIFICATE',
  field: string,
): ParsedVerifier {
  return cached(`${label}:${base64Encode(der)}`, () => {
    if (der.length === 0) throw invalid(field, 'must not be empty');
    return parseBlocks([{ label, der: new Uint8Array(der) }], field);
  });
}

/** Parses PEM verification material given as bytes (not cached). */
export function parseVerifierBytes(bytes: Uint8Array, field: string): ParsedVerifier {
  return parseUncached(bytes, field);
}
