/**
 * Canonical bodies of Rekor v1 entries (what Rekor stores and hashes into its Merkle tree), built
 * from the pieces of a proposed entry after they have been validated: hashedrekord 0.0.1, dsse 0.0.1
 * and intoto 0.0.2, as Rekor's `pkg/types/<kind>/<version>` `Canonicalize()` builds them and its
 * `types.CanonicalizeEntry` serializes them (RFC 8785 JSON). The leaf hash is `hashLeaf(body)`.
 *
 * These functions do no signature checking: callers (the server's write path) MUST verify the
 * signatures and parse the keys first, and pass the canonical key/certificate PEM (Rekor stores
 * the re-encoded PEM of the parsed key — `-----BEGIN PUBLIC KEY-----` of the DER SPKI, or the
 * certificate(s) as given in DER — never the client's text). Field rules per kind:
 *
 * - hashedrekord 0.0.1: `spec.data.hash{algorithm,value}` and `spec.signature{content,
 *   publicKey.content}`; `data.content` and any key URL are dropped.
 * - dsse 0.0.1: `spec{envelopeHash, payloadHash, signatures[{signature, verifier}]}`, signatures
 *   sorted by the base64 signature string (Go `sort.Strings`, byte order); no envelope.
 * - intoto 0.0.2: `spec.content{envelope{payloadType, signatures[{keyid?, sig, publicKey}]}, hash,
 *   payloadHash}`; the payload is not stored (current Rekor), `sig` and `publicKey` are base64 of
 *   the bytes the client sent (the signature's base64 text and the client's PEM), in the client's
 *   order; `keyid` is omitted when empty (Go `omitempty`).
 */
import { canonicalJsonBytes } from '../crypto/index.js';
import { base64Encode, utf8Encode } from '../encoding.js';
import { ScribaError } from '../errors.js';

/** Digest as Rekor writes it: algorithm name and lower-case hex value. */
export type RekorHash = { algorithm: 'sha256' | 'sha384' | 'sha512'; value: string };

export type HashedRekordV001Parts = {
  hash: RekorHash;
  /** Signature bytes (decoded from the proposed entry's base64). */
  signature: Uint8Array;
  /** Canonical PEM of the public key or certificate(s). */
  publicKeyPem: string;
};

export type DsseV001Parts = {
  /** SHA-256 of the proposed envelope string, lower-case hex. */
  envelopeHash: string;
  /** SHA-256 of the decoded payload, lower-case hex. */
  payloadHash: string;
  /** One per distinct envelope signature: its base64 text as in the envelope, and the canonical PEM of the key that verified it. */
  signatures: { signature: string; verifierPem: string }[];
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

const HEX: Record<RekorHash['algorithm'], RegExp> = {
  sha256: /^[0-9a-f]{64}$/,
  sha384: /^[0-9a-f]{96}$/,
  sha512: /^[0-9a-f]{128}$/,
};

function checkHash(h: RekorHash, what: string): RekorHash {
  const re = HEX[h.algorithm];
  if (!re?.test(h.value))
    throw new ScribaError('ENTRY_MALFORMED', `${what}: not a lower-case hex ${h.algorithm}`);
  return { algorithm: h.algorithm, value: h.value };
}

function bytesOf(s: string): Uint8Array {
  return utf8Encode(s);
}

/** Go's sort.Strings order (bytewise on UTF-8); equal to UTF-16 order for the ASCII strings used here. */
function byteOrder(a: string, b: string): number {
  const x = bytesOf(a);
  const y = bytesOf(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - (y[i] as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Canonical body of a hashedrekord 0.0.1 entry. */
export function canonicalHashedRekordV001(p: HashedRekordV001Parts): Uint8Array {
  return canonicalJsonBytes({
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: checkHash(p.hash, 'spec.data.hash') },
      signature: {
        content: base64Encode(p.signature),
        publicKey: { content: base64Encode(bytesOf(p.publicKeyPem)) },
      },
    },
  });
}

/** Canonical body of a dsse 0.0.1 entry. */
export function canonicalDsseV001(p: DsseV001Parts): Uint8Array {
  if (p.signatures.length === 0) throw new ScribaError('ENTRY_MALFORMED', 'dsse: no signatures');
  const sigs = [...p.signatures]
    .sort((a, b) => byteOrder(a.signature, b.signature))
    .map((s) => ({ signature: s.signature, verifier: base64Encode(bytesOf(s.verifierPem)) }));
  return canonicalJsonBytes({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: checkHash({ algorithm: 'sha256', value: p.envelopeHash }, 'envelopeHash'),
      payloadHash: checkHash({ algorithm: 'sha256', value: p.payloadHash }, 'payloadHash'),
      signatures: sigs,
    },
  });
}

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
        hash: checkHash(p.hash, 'content.hash'),
        payloadHash: checkHash(p.payloadHash, 'content.payloadHash'),
      },
    },
  });
}
