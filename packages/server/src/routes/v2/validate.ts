/**
 * Validation of Rekor v2 create-entry requests (sigstore/rekor-tiles `hashedRekordRequestV002`):
 * parse (SDK), check the verifier against its declared `keyDetails`, verify the signature over the
 * digest, canonicalize (SDK: hashedrekord 0.0.2) and derive the search keys. No Fastify here.
 *
 * As rekor-tiles since #744, v2 takes hashedrekord 0.0.2 only: a `dsseRequestV002` is refused
 * (400 UNSUPPORTED_KIND) with the way to log a DSSE envelope instead — a hashedRekordRequestV002
 * over Hash(PAE(payloadType, payload)) with the envelope's signature.
 *
 * Signature verification is the v1 write path's (packages/server/src/entries): key and certificate
 * parsing from DER with its KeyObject cache, verification over a message with the digest and RSA
 * padding the key details name, prehashed ECDSA/RSA/Ed25519ph verification over a digest.
 *
 * Leniency, documented: @sigstore/sign 4.1.1 sends a bare public key (DER SPKI) in the
 * `x509Certificate` field when signing with a key. Such bytes are not a certificate; they are
 * accepted as what they are and logged (and canonicalized) as a `publicKey` verifier.
 */
import { hexEncode } from '@scriba/sdk';
import {
  type CreateEntryRequestV2,
  canonicalHashedRekordV002,
  parseCreateEntryRequestV2,
  V2_KEY_DETAILS,
  type V2Verifier,
} from '@scriba/sdk/entries';
import { hashLeaf } from '@scriba/sdk/merkle';
import {
  EntryValidationError,
  type ParsedVerifier,
  parseVerifierDer,
  type ValidatedEntry,
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
  // rekor-tiles #744: Rekor v2 takes hashedrekord 0.0.2 only. A DSSE envelope is logged as a
  // hashedRekordRequestV002 whose digest is Hash(PAE(payloadType, payload)) and whose signature is
  // the envelope's signature (what sigstore-go, -python and -java now send).
  throw new EntryValidationError(
    'UNSUPPORTED_KIND',
    'dsseRequestV002',
    'Rekor v2 accepts only hashedRekordRequestV002 (hashedrekord 0.0.2); log a DSSE envelope as a hashedRekordRequestV002 whose digest is SHA-256 of PAE(payloadType, payload) and whose signature is the envelope signature',
  );
}
