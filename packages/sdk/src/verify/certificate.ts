/**
 * Step 7 — the signing certificate: a path to a trusted certificate authority valid at every
 * verified time (x509/chain.ts), the code-signing usage and no unprocessed critical extension
 * (CERTIFICATE_USAGE_INVALID), and embedded SCTs from trusted CT logs meeting the threshold
 * (SCT_THRESHOLD_NOT_MET).
 */
import type { VerificationCache } from '../crypto/verification-cache.js';
import { bytesEqual } from '../encoding.js';
import { OID_EKU_CODE_SIGNING, type X509Certificate } from '../x509/certificate.js';
import { type ChainResult, verifyCertificateChain } from '../x509/chain.js';
import { type SctResult, verifyEmbeddedScts } from '../x509/sct.js';
import { VerificationError } from './errors.js';
import type { TrustMaterial } from './trust-material.js';

/** Extensions this verifier processes on a signing certificate. */
const UNDERSTOOD_CRITICAL = new Set([
  '2.5.29.15', // keyUsage
  '2.5.29.17', // subjectAltName
  '2.5.29.19', // basicConstraints
  '2.5.29.37', // extKeyUsage
]);

/** SCT checks started early against the likely issuer (used only if the path confirms it). */
export type SctPrefetch = { issuer: X509Certificate; result: Promise<SctResult[]> };

/** Starts the SCT checks against the trusted certificate whose subject is the leaf's issuer. */
export function prefetchScts(
  leaf: X509Certificate,
  trust: TrustMaterial,
  cache?: VerificationCache,
): SctPrefetch | undefined {
  for (const ca of trust.certificateAuthorities) {
    const first = ca.chain[0];
    if (first && bytesEqual(first.subject, leaf.issuer)) {
      const result = verifyEmbeddedScts(leaf, first, trust.ctlogs, cache);
      result.catch(() => {});
      return { issuer: first, result };
    }
  }
  return undefined;
}

export async function verifySigningCertificate(
  leaf: X509Certificate,
  times: number[],
  trust: TrustMaterial,
  ctlogThreshold: number,
  sctPrefetch?: SctPrefetch,
  cache?: VerificationCache,
): Promise<{ chain: ChainResult; verifiedScts: number }> {
  const chain = await verifyCertificateChain(leaf, trust.certificateAuthorities, times);
  if (leaf.isCA || !leaf.keyUsageDigitalSignature || !leaf.extKeyUsage.includes(OID_EKU_CODE_SIGNING)) {
    throw new VerificationError(
      'CERTIFICATE_USAGE_INVALID',
      'the certificate is not a code-signing leaf certificate',
    );
  }
  // RFC 5280 §4.2: a certificate with a critical extension the verifier does not process MUST be rejected.
  const unknown = leaf.extensions.find((e) => e.critical && !UNDERSTOOD_CRITICAL.has(e.oid));
  if (unknown) {
    throw new VerificationError('CERTIFICATE_USAGE_INVALID', `unsupported critical extension ${unknown.oid}`);
  }
  let verifiedScts = 0;
  if (ctlogThreshold > 0) {
    const issuer = chain.path[1] as X509Certificate;
    const scts =
      sctPrefetch?.issuer === issuer
        ? sctPrefetch.result
        : verifyEmbeddedScts(leaf, issuer, trust.ctlogs, cache);
    verifiedScts = (await scts).length;
    if (verifiedScts < ctlogThreshold) {
      throw new VerificationError(
        'SCT_THRESHOLD_NOT_MET',
        `${verifiedScts} SCT(s) verified against trusted CT logs, ${ctlogThreshold} required`,
      );
    }
  }
  return { chain, verifiedScts };
}
