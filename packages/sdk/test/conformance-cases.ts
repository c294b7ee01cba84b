/**
 * Loader for the sigstore-conformance bundle-verify cases (../../../test/vectors/sigstore-conformance,
 * commit a73de49) and the table of the error code each `_fail` case must produce.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareTrustMaterial, type VerificationErrorCode, verifyBundle } from '../src/verify/index.js';

export const ROOT = join(import.meta.dirname, '../../../test/vectors');
export const CASES = join(ROOT, 'sigstore-conformance/test/assets/bundle-verify');
export const PROD_ROOT = readFileSync(
  join(ROOT, 'public-good/trusted_root.prod.from-sigstore-js-seeds.json'),
  'utf8',
);
const DEFAULT_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

/** The intended reason of each failing case (from its README), as our error code. */
export const EXPECTED_FAILURES: Record<string, VerificationErrorCode> = {
  'bundle-empty-certificate-chain_fail': 'BUNDLE_INVALID',
  'bundle-from-wrong-instance_fail': 'TLOG_UNTRUSTED_LOG',
  'bundle-invalid-base64-signature_fail': 'BUNDLE_INVALID',
  'bundle-malformed-json_fail': 'BUNDLE_PARSE_ERROR',
  'bundle-negative-log-index_fail': 'BUNDLE_INVALID',
  'bundle-unknown-version_fail': 'BUNDLE_UNSUPPORTED_VERSION',
  'bundle-with-root-cert_fail': 'CERTIFICATE_CHAIN_HAS_ROOT',
  'checkpoint-bad-keyhint_fail': 'TLOG_CHECKPOINT_SIGNATURE_INVALID',
  'checkpoint-wrong-roothash_fail': 'TLOG_CHECKPOINT_MISMATCH',
  'dsse-invalid-sig_fail': 'SIGNATURE_INVALID',
  'dsse-mismatch-envelope_fail': 'BINDING_DIGEST_MISMATCH',
  'dsse-mismatch-sig_fail': 'BINDING_SIGNATURE_MISMATCH',
  'inclusion-proof-corrupted-hash_fail': 'TLOG_INCLUSION_PROOF_INVALID',
  'incorrect-public-key_fail': 'BINDING_KEY_MISMATCH',
  'integrated-time-in-future_fail': 'CERTIFICATE_NOT_VALID_AT_TIME',
  'intoto-expired-certificate_fail': 'CERTIFICATE_CA_NOT_VALID_AT_TIME',
  'intoto-log-entry-mismatch_fail': 'BINDING_SIGNATURE_MISMATCH',
  'intoto-missing-inclusion-proof_fail': 'BUNDLE_INVALID',
  'intoto-set-outside-signing-cert-validity_fail': 'CERTIFICATE_NOT_VALID_AT_TIME',
  'intoto-tsa-timestamp-outside-cert-validity_fail': 'CERTIFICATE_NOT_VALID_AT_TIME',
  'invalid-checkpoint-signature_fail': 'TLOG_CHECKPOINT_SIGNATURE_INVALID',
  'invalid-ct-key_fail': 'SCT_THRESHOLD_NOT_MET',
  'invalid-inclusion-proof_fail': 'TLOG_INCLUSION_PROOF_INVALID',
  'managed-key-no-key_fail': 'PUBLIC_KEY_REQUIRED',
  'managed-key-wrong-key_fail': 'PUBLIC_KEY_INVALID',
  'message-digest-mismatch_fail': 'MESSAGE_DIGEST_MISMATCH',
  'rekor2-checkpoint-missing-log-signature_fail': 'TLOG_CHECKPOINT_MALFORMED',
  'rekor2-checkpoint-missing-origin_fail': 'TLOG_CHECKPOINT_MALFORMED',
  'rekor2-checkpoint-missing-root-hash_fail': 'TLOG_CHECKPOINT_MALFORMED',
  'rekor2-checkpoint-missing-size_fail': 'TLOG_CHECKPOINT_MALFORMED',
  'rekor2-checkpoint-no-matching-signature_fail': 'TLOG_CHECKPOINT_SIGNATURE_INVALID',
  'rekor2-dsse-invalid-sig_fail': 'SIGNATURE_INVALID',
  'rekor2-dsse-mismatch-envelope_fail': 'BINDING_DIGEST_MISMATCH',
  'rekor2-dsse-mismatch-sig_fail': 'BINDING_SIGNATURE_MISMATCH',
  'rekor2-no-inclusion-proof_fail': 'BUNDLE_INVALID',
  'rekor2-no-timestamp_fail': 'TIMESTAMP_THRESHOLD_NOT_MET',
  'rekor2-timestamp-outside-trust-root-tsa-validity_fail': 'TIMESTAMP_TSA_NOT_VALID_AT_TIME',
  'rekor2-timestamp-outside-tsa-cert-validity_fail': 'TIMESTAMP_CERT_NOT_VALID_AT_TIME',
  'rekor2-timestamp-payload-mismatch_fail': 'TIMESTAMP_MESSAGE_IMPRINT_MISMATCH',
  'rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail': 'TIMESTAMP_UNTRUSTED_TSA',
  'rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail': 'TIMESTAMP_UNTRUSTED_TSA',
  'rekor2-timestamp-with-incorrect-time_fail': 'CERTIFICATE_NOT_VALID_AT_TIME',
  'set-invalid-signature_fail': 'TLOG_SET_INVALID',
  'signature-mismatch_fail': 'SIGNATURE_INVALID',
  'trust-root-tlog-missing-validity-start_fail': 'TRUSTED_ROOT_INVALID',
  'wrong-hashedrekord-artifact_fail': 'BINDING_DIGEST_MISMATCH',
  'wrong-hashedrekord-cert-and-sig_fail': 'BINDING_KEY_MISMATCH',
  'wrong-hashedrekord-entry_fail': 'BINDING_DIGEST_MISMATCH',
  'wrong-material_fail': 'MESSAGE_DIGEST_MISMATCH',
};

/**
 * Where several cases share a structural code, the offending field the refusal names (the error's
 * `field`), which pins the intended reason.
 */
export const EXPECTED_FIELDS: Record<string, string> = {
  'bundle-empty-certificate-chain_fail': '$.verificationMaterial.x509CertificateChain.certificates',
  'bundle-invalid-base64-signature_fail': '$.messageSignature.signature',
  'bundle-negative-log-index_fail': '$.verificationMaterial.tlogEntries[0].logIndex',
  'intoto-missing-inclusion-proof_fail': '$.verificationMaterial.tlogEntries[0].inclusionProof',
  'rekor2-no-inclusion-proof_fail': '$.verificationMaterial.tlogEntries[0].inclusionProof',
};

export type ConformanceCase = {
  name: string;
  bundle: string;
  trustedRoot: string;
  artifact: Uint8Array;
  key?: string;
  identity: string;
  issuer: string;
};

export function loadConformanceCases(): ConformanceCase[] {
  return readdirSync(CASES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = join(CASES, name);
      const opt = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : undefined);
      const c: ConformanceCase = {
        name,
        bundle: readFileSync(join(dir, 'bundle.sigstore.json'), 'utf8'),
        trustedRoot: opt('trusted_root.json') ?? PROD_ROOT,
        artifact: new Uint8Array(
          readFileSync(existsSync(join(dir, 'artifact')) ? join(dir, 'artifact') : join(CASES, 'a.txt')),
        ),
        identity: opt('identity')?.trim() ?? DEFAULT_IDENTITY,
        issuer: opt('issuer')?.trim() ?? DEFAULT_ISSUER,
      };
      const key = opt('key.pub');
      if (key !== undefined) c.key = key;
      return c;
    });
}

export async function runConformanceCase(c: ConformanceCase) {
  const trustMaterial = prepareTrustMaterial(c.trustedRoot);
  return verifyBundle(c.bundle, {
    trustMaterial,
    artifact: c.artifact,
    ...(c.key !== undefined
      ? { publicKey: c.key }
      : { policy: { subjectAlternativeName: c.identity, issuer: c.issuer } }),
  });
}
