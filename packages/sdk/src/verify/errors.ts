/**
 * VerificationError: the one coded error of the offline Sigstore verifier (`verifyBundle` and the
 * bundle / trusted-root / X.509 / entry-body parsers it uses). Every refusal carries exactly one code
 * from the closed union below, naming the check that refused; callers and tests branch on `code`,
 * never on the message. Lower-level ScribaErrors (encoding, crypto, merkle, note) are wrapped into a
 * VerificationError with the original as `cause`, so nothing else escapes `verifyBundle`.
 */
export const VERIFICATION_ERROR_CODES = [
  // inputs and structure
  'BUNDLE_PARSE_ERROR',
  'BUNDLE_INVALID',
  'BUNDLE_UNSUPPORTED_VERSION',
  'TRUSTED_ROOT_INVALID',
  'SIGNING_CONFIG_INVALID',
  'OPTIONS_INVALID',
  // signer material
  'PUBLIC_KEY_REQUIRED',
  'PUBLIC_KEY_MISMATCH',
  'PUBLIC_KEY_INVALID',
  // artifact and signature
  'ARTIFACT_REQUIRED',
  'MESSAGE_DIGEST_MISMATCH',
  'SIGNATURE_INVALID',
  // in-toto statements (callers checking an attestation's predicate type and subject)
  'PREDICATE_TYPE_MISMATCH',
  'SUBJECT_REQUIRED',
  // transparency log entries
  'TLOG_ENTRY_MALFORMED',
  'TLOG_KIND_VERSION_MISMATCH',
  'TLOG_KIND_UNSUPPORTED',
  'BINDING_DIGEST_MISMATCH',
  'BINDING_KEY_MISMATCH',
  'BINDING_SIGNATURE_MISMATCH',
  'BINDING_KIND_UNSUPPORTED',
  'TLOG_UNTRUSTED_LOG',
  'TLOG_LOG_NOT_VALID_AT_TIME',
  'TLOG_SET_INVALID',
  'TLOG_INCLUSION_PROOF_INVALID',
  'TLOG_PROOF_INDEX_MISMATCH',
  'TLOG_CHECKPOINT_MISSING',
  'TLOG_CHECKPOINT_MALFORMED',
  'TLOG_CHECKPOINT_SIGNATURE_INVALID',
  'TLOG_CHECKPOINT_MISMATCH',
  'TLOG_CHECKPOINT_COSIGNATURES_MISSING',
  'TLOG_ENTRY_UNPROVEN',
  'TLOG_THRESHOLD_NOT_MET',
  // RFC 3161 timestamps and time sources
  'TIMESTAMP_MALFORMED',
  'TIMESTAMP_MESSAGE_IMPRINT_MISMATCH',
  'TIMESTAMP_UNTRUSTED_TSA',
  'TIMESTAMP_SIGNATURE_INVALID',
  'TIMESTAMP_TSA_NOT_VALID_AT_TIME',
  'TIMESTAMP_CERT_NOT_VALID_AT_TIME',
  'TIMESTAMP_THRESHOLD_NOT_MET',
  // certificates, SCTs, identity
  'CERTIFICATE_MALFORMED',
  'CERTIFICATE_CHAIN_HAS_ROOT',
  'CERTIFICATE_CHAIN_UNTRUSTED',
  'CERTIFICATE_CA_NOT_VALID_AT_TIME',
  'CERTIFICATE_NOT_VALID_AT_TIME',
  'CERTIFICATE_USAGE_INVALID',
  'SCT_MALFORMED',
  'SCT_THRESHOLD_NOT_MET',
  'IDENTITY_MISMATCH',
  'ISSUER_MISMATCH',
] as const;

export type VerificationErrorCode = (typeof VERIFICATION_ERROR_CODES)[number];

/** A coded verification failure. `cause` carries the underlying exception, if any. */
export class VerificationError extends Error {
  readonly code: VerificationErrorCode;
  /**
   * For structural refusals: the path of the offending field — a JSON path in a bundle or trusted
   * root (e.g. `$.verificationMaterial`), an ASN.1 path in a DER structure (e.g.
   * `SignerInfo.signatureAlgorithm`, `TBSCertificate.validity.notAfter`).
   */
  readonly field?: string;

  constructor(code: VerificationErrorCode, message: string, options?: { cause?: unknown; field?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VerificationError';
    this.code = code;
    if (options?.field !== undefined) this.field = options.field;
  }
}

/** True when `e` is a VerificationError (optionally with the given code). */
export function isVerificationError(e: unknown, code?: VerificationErrorCode): e is VerificationError {
  return e instanceof VerificationError && (code === undefined || e.code === code);
}

/** Runs `fn`; any non-VerificationError it throws becomes a VerificationError with `code`. */
export function wrapErrors<T>(code: VerificationErrorCode, message: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof VerificationError) throw e;
    throw new VerificationError(code, `${message}: ${errorMessage(e)}`, { cause: e });
  }
}

/** Async variant of wrapErrors. */
export async function wrapErrorsAsync<T>(
  code: VerificationErrorCode,
  message: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof VerificationError) throw e;
    throw new VerificationError(code, `${message}: ${errorMessage(e)}`, { cause: e });
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
