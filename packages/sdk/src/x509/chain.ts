/**
 * Certificate path validation for Sigstore (RFC 5280 §6, as profiled by Sigstore clients): the leaf
 * MUST be issued by the first certificate of a trusted certificate authority's chain (the trusted
 * root supplies intermediates and root; intermediates shipped in a bundle are never trusted), every
 * certificate on the path MUST be valid at each verified signing time, and the authority's
 * trusted-root validity window MUST contain that time. CA chains are checked once (signatures,
 * cA=true) and the results memoized.
 */

import { windowContains } from '../bundle/trusted-root.js';
import type { TrustWindow } from '../bundle/types.js';
import { bytesEqual } from '../encoding.js';
import { VerificationError } from '../verify/errors.js';
import { certificateValidAt, isIssuedBy, type X509Certificate } from './certificate.js';

export type TrustedAuthority = {
  uri: string;
  validFor: TrustWindow;
  /** Parsed chain: issuing certificate first, root last. */
  chain: X509Certificate[];
};

/**
 * Orders a trusted chain issuing-certificate first, root last, by following subject/issuer names:
 * trusted roots in the wild list chains in either order.
 */
export function orderChain(certs: X509Certificate[]): X509Certificate[] {
  if (certs.length < 2) return certs;
  const issues = (a: X509Certificate, b: X509Certificate) => a !== b && bytesEqual(b.issuer, a.subject);
  const bottom = certs.filter((c) => !certs.some((o) => issues(c, o)));
  if (bottom.length !== 1) return certs;
  const out: X509Certificate[] = [bottom[0] as X509Certificate];
  for (;;) {
    const cur = out[out.length - 1] as X509Certificate;
    const next = certs.find((o) => issues(o, cur) && !out.includes(o));
    if (!next) break;
    out.push(next);
  }
  return out.length === certs.length ? out : certs;
}

const chainChecks = new WeakMap<TrustedAuthority, Promise<void>>();

/** Checks a trusted authority's own chain once: each certificate issued by the next, all CAs. */
export function checkAuthorityChain(ca: TrustedAuthority, requireCA = true): Promise<void> {
  let p = chainChecks.get(ca);
  if (!p) {
    p = (async () => {
      for (let i = 0; i < ca.chain.length; i++) {
        const c = ca.chain[i] as X509Certificate;
        const issuer = ca.chain[i + 1] ?? c;
        if (requireCA && !c.isCA) {
          throw new VerificationError(
            'TRUSTED_ROOT_INVALID',
            `trusted chain of ${ca.uri}: certificate ${i} is not a CA`,
          );
        }
        if (!(await isIssuedBy(c, issuer))) {
          throw new VerificationError(
            'TRUSTED_ROOT_INVALID',
            `trusted chain of ${ca.uri}: certificate ${i} is not signed by its successor`,
          );
        }
      }
    })();
    chainChecks.set(ca, p);
  }
  return p;
}

/** Starts (memoized) the leaf-by-issuer signature checks early, so they overlap other work. */
export function prefetchIssuers(leaf: X509Certificate, authorities: TrustedAuthority[]): void {
  for (const ca of authorities) {
    const first = ca.chain[0];
    if (first) void isIssuedBy(leaf, first);
  }
}

export type ChainResult = { authority: TrustedAuthority; path: X509Certificate[] };

/**
 * Finds the trusted authority that issued `leaf` and checks the path at every time in `times`
 * (ms). Throws CERTIFICATE_CHAIN_UNTRUSTED (no trusted issuer), CERTIFICATE_CA_NOT_VALID_AT_TIME
 * (the issuing chain was not valid when the leaf was issued), CERTIFICATE_NOT_VALID_AT_TIME
 * (a certificate on the path is outside its validity at a signing time),
 * CERTIFICATE_CA_NOT_VALID_AT_TIME (the authority is not trusted at that time).
 */
export async function verifyCertificateChain(
  leaf: X509Certificate,
  authorities: TrustedAuthority[],
  times: number[],
): Promise<ChainResult> {
  const issuers: TrustedAuthority[] = [];
  for (const ca of authorities) {
    const first = ca.chain[0];
    if (first && (await isIssuedBy(leaf, first))) issuers.push(ca);
  }
  if (issuers.length === 0) {
    throw new VerificationError(
      'CERTIFICATE_CHAIN_UNTRUSTED',
      'the certificate was not issued by a trusted authority',
    );
  }
  // A CA cannot issue while it is itself outside its validity: the whole issuing chain MUST be
  // valid at the leaf's notBefore.
  if (!issuers.some((ca) => ca.chain.every((c) => certificateValidAt(c, leaf.notBefore)))) {
    throw new VerificationError(
      'CERTIFICATE_CA_NOT_VALID_AT_TIME',
      `the certificate was issued (${new Date(leaf.notBefore).toISOString()}) outside its issuer's validity`,
    );
  }
  for (const t of times) {
    if (!certificateValidAt(leaf, t)) {
      throw new VerificationError(
        'CERTIFICATE_NOT_VALID_AT_TIME',
        `signing time ${new Date(t).toISOString()} is outside the certificate's validity ` +
          `[${new Date(leaf.notBefore).toISOString()}, ${new Date(leaf.notAfter).toISOString()}]`,
      );
    }
  }
  let chosen: TrustedAuthority | undefined;
  for (const ca of issuers) {
    if (
      times.every((t) => windowContains(ca.validFor, t) && ca.chain.every((c) => certificateValidAt(c, t)))
    ) {
      chosen = ca;
      break;
    }
  }
  if (!chosen) {
    throw new VerificationError(
      'CERTIFICATE_CA_NOT_VALID_AT_TIME',
      'the issuing authority is not trusted (or its certificates not valid) at the signing time',
    );
  }
  await checkAuthorityChain(chosen);
  return { authority: chosen, path: [leaf, ...chosen.chain] };
}
