/**
 * Validation of Rekor v2 create-entry requests (sigstore/rekor-tiles `hashedRekordRequestV002`,
 * `dsseRequestV002`): parse (SDK), check the verifier against its declared `keyDetails`, verify every
 * signature, canonicalize (SDK: hashedrekord 0.0.2 / dsse 0.0.2) and derive the search keys. No
 * Fastify here.
 *
 * Signature verification is the v1 write path's (packages/server/src/entries): key and certificate
 * parsing from DER with its KeyObject cache, verification over a message with the digest and RSA
 * padding the key details name, prehashed ECDSA/RSA/Ed25519ph verification over a digest.
 *
 * Leniency, documented: @sigstore/sign 4.1.1 sends a bare public key (DER SPKI) in the
 * `x509Certificate` field when signing with a key. Such bytes are not a certificate; they are
 * accepted as what they are and logged (and canonicalized) as a `publicKey` verifier.
 */
import { base64Encode, hexEncode } from '@scriba/sdk';
import { sha256 } from '@scriba/sdk/crypto';
import {
  type CreateEntryRequestV2,
  canonicalDsseV002,
  canonicalHashedRekordV002,
  dssePae,
  entryKindOf,
  parseCreateEntryRequestV2,
  V2_KEY_DETAILS,
  type V2Signature,
  type V2Verifier,
} from '@scriba/sdk/entries';
import { hashLeaf } from '@scriba/sdk/merkle';
import {
  EntryValidationError,
  type ParsedVerifier,
  parseVerifierDer,
  type ValidatedEntry,
  verifyMessage,
  verifyOverDigest,
} from '../../entries/index.js';

/** The key behind a v2 verifier, checked against its `keyDetails`; `verifier` is the normalized one. */
function parseV2Verifier(v: V2Verifier, field: string): { parsed: ParsedVerifier; verifier: V2Verifier } {
  let parsed: ParsedVerifier;
  let verifier = v;
  if (v.publicKey !== undefined) {
    parsed = parseVerifierDer(v.publicKey, 'PUBLIC KEY', `${field}.publicKey`);
  } else {
    const der = v.x509Certificate!;
    try {
      parsed = parseVerifierDer(der, 'CERTIFICATE', `${field}.x509Certificate`);
    } catch (e) {
      // sigstore-js 4.1.1 puts a bare SPKI here when signing with a key (see the module comment).
      try {
        parsed = parseVerifierDer(der, 'PUBLIC KEY', `${field}.x509Certificate`);
      } catch {
        throw e;
      }
      verifier = { keyDetails: v.keyDetails, publicKey: der };
    }
  }
  const info = V2_KEY_DETAILS[v.keyDetails]!;
  const alg = parsed.alg;
  const fits =
    (info.key === 'ecdsa' && alg.type === 'ecdsa' && alg.curve === info.curve) ||
    (info.key === 'ed25519' && alg.type === 'ed25519') ||
    (info.key === 'rsa' && alg.type === 'rsa' && alg.bits === info.bits);
  if (!fits) {
    throw new EntryValidationError(
      'UNSUPPORTED_KEY',
      `${field}.keyDetails`,
      `the key is not a ${v.keyDetails} key`,
    );
  }
  return { parsed, verifier };
}

/** Signature over a message (DSSE PAE) with the digest and padding the key details name (Ed25519: pure). */
function verifyPae(p: ParsedVerifier, keyDetails: string, message: Uint8Array, sig: Uint8Array): boolean {
  const info = V2_KEY_DETAILS[keyDetails]!;
  return verifyMessage(p, message, sig, { hash: info.hash, rsaPadding: info.rsaPadding });
}

function searchKeys(digests: Uint8Array[], verifiers: ParsedVerifier[]): ValidatedEntry['searchKeys'] {
  return {
    sha256Digests: [...new Set(digests.map((d) => `sha256:${hexEncode(d)}`))],
    publicKeyFingerprints: [...new Set(verifiers.map((v) => v.fingerprint))],
    emails: [...new Set(verifiers.flatMap((v) => v.emails))],
    subjects: [...new Set(verifiers.flatMap((v) => v.subjects))],
  };
}

function fromSdkError(e: unknown): never {
  const code = (e as { code?: string })?.code;
  const message = (e as Error)?.message ?? 'invalid request';
  const field = message.includes(':') ? message.slice(0, message.indexOf(':')) : 'body';
  if (code === 'KEY_UNSUPPORTED')
    throw new EntryValidationError('UNSUPPORTED_KEY', field, message, { cause: e });
  if (code === 'ENTRY_UNSUPPORTED_KIND')
    throw new EntryValidationError('UNSUPPORTED_KIND', field, message, { cause: e });
  throw new EntryValidationError('INVALID_ENTRY', field, message, { cause: e });
}

/** Validate a parsed JSON CreateEntryRequest. Throws EntryValidationError (400). */
export async function validateCreateEntryRequestV2(json: unknown): Promise<ValidatedEntry> {
  let req: CreateEntryRequestV2;
  try {
    req = parseCreateEntryRequestV2(json);
  } catch (e) {
    fromSdkError(e);
  }
  // Which kinds v2 accepts is the SDK's kind table (`write: 'v2'`).
  if (!entryKindOf(req.kind, '0.0.2', 'v2')) {
    throw new EntryValidationError(
      'UNSUPPORTED_KIND',
      'request',
      `${req.kind} 0.0.2 is not accepted by this log`,
    );
  }
  if (req.kind === 'hashedrekord') {
    const r = req.request;
    const field = 'hashedRekordRequestV002.signature.verifier';
    const { parsed, verifier } = parseV2Verifier(r.signature.verifier, field);
    const info = V2_KEY_DETAILS[verifier.keyDetails]!;
    if (info.rsaPadding === 'pss') {
      throw new EntryValidationError(
        'UNSUPPORTED_KEY',
        `${field}.keyDetails`,
        'RSA-PSS over a digest is not supported',
      );
    }
    const ok = await verifyOverDigest(parsed, info.hash, r.digest, r.signature.content);
    if (!ok) {
      throw new EntryValidationError(
        'SIGNATURE_INVALID',
        'hashedRekordRequestV002.signature.content',
        'the signature does not verify over the digest with the given key',
      );
    }
    const body = canonicalHashedRekordV002({
      digest: r.digest,
      signature: { content: r.signature.content, verifier },
    });
    return {
      kind: 'hashedrekord',
      apiVersion: '0.0.2',
      body,
      leafHash: hashLeaf(body),
      searchKeys: searchKeys(info.hash === 'sha256' ? [r.digest] : [], [parsed]),
    };
  }
  const r = req.request;
  const keys = r.verifiers.map((v, i) => parseV2Verifier(v, `dsseRequestV002.verifiers[${i}]`));
  const pae = dssePae(r.envelope.payloadType, r.envelope.payload);
  const verified: V2Signature[] = [];
  const seen = new Set<string>();
  for (const [i, s] of r.envelope.signatures.entries()) {
    const k = keys.find((key) => verifyPae(key.parsed, key.verifier.keyDetails, pae, s.sig));
    if (!k) {
      throw new EntryValidationError(
        'SIGNATURE_INVALID',
        `dsseRequestV002.envelope.signatures[${i}].sig`,
        'no given verifier verifies this signature',
      );
    }
    const id = base64Encode(s.sig);
    if (seen.has(id)) continue;
    seen.add(id);
    verified.push({ content: s.sig, verifier: k.verifier });
  }
  const body = canonicalDsseV002(r.envelope, verified);
  return {
    kind: 'dsse',
    apiVersion: '0.0.2',
    body,
    leafHash: hashLeaf(body),
    searchKeys: searchKeys(
      [sha256(r.envelope.payload)],
      keys.map((k) => k.parsed),
    ),
  };
}
