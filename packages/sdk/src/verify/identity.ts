/**
 * Step 8 — the identity policy: the certificate's subject alternative name (URI, email or
 * otherName) and the OIDC issuer recorded by Fulcio (1.3.6.1.4.1.57264.1.8, else the deprecated
 * .1.1) MUST match the caller's policy, exactly or by regular expression (IDENTITY_MISMATCH,
 * ISSUER_MISMATCH).
 */
import { fulcioIssuer, subjectAltNames, type X509Certificate } from '../x509/certificate.js';
import { VerificationError } from './errors.js';
import type { IdentityPolicy } from './options.js';

function matches(want: string | RegExp, got: string): boolean {
  if (typeof want === 'string') return want === got;
  want.lastIndex = 0;
  return want.test(got);
}

export function certificateIdentity(leaf: X509Certificate): { san?: string; issuer?: string } {
  const s = subjectAltNames(leaf);
  const san = s.uris[0] ?? s.emails[0] ?? s.otherNames[0] ?? s.dnsNames[0];
  const issuer = fulcioIssuer(leaf);
  return { ...(san !== undefined ? { san } : {}), ...(issuer !== undefined ? { issuer } : {}) };
}

export function verifyIdentity(leaf: X509Certificate, policy: IdentityPolicy | undefined): void {
  if (!policy) return;
  if (policy.subjectAlternativeName !== undefined) {
    const s = subjectAltNames(leaf);
    const all = [...s.uris, ...s.emails, ...s.otherNames, ...s.dnsNames];
    const want = policy.subjectAlternativeName;
    if (!all.some((n) => matches(want, n))) {
      throw new VerificationError('IDENTITY_MISMATCH', `no subject alternative name matches ${String(want)}`);
    }
  }
  if (policy.issuer !== undefined) {
    const iss = fulcioIssuer(leaf);
    if (iss === undefined || !matches(policy.issuer, iss)) {
      throw new VerificationError(
        'ISSUER_MISMATCH',
        `the certificate's OIDC issuer does not match ${String(policy.issuer)}`,
      );
    }
  }
}
