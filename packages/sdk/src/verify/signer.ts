/**
 * Step 1 — the signer's material. A key-signed bundle (verificationMaterial.publicKey) MUST be
 * verified with a key supplied by the caller (the bundle's hint is an unauthenticated key label
 * and is not used; the binding check ties the log entry to the supplied key). A
 * certificate-signed bundle yields its leaf; a chain that ships a root (self-issued) certificate is
 * refused — roots come from the trusted root only (a shipped copy of a trusted root, byte for byte,
 * is tolerated as redundant). Shipped intermediates are never used for trust.
 */
import type { Bundle } from '../bundle/types.js';
import { type PublicKey, parsePublicKey } from '../crypto/index.js';
import type { VerificationCache } from '../crypto/verification-cache.js';
import { bytesEqual } from '../encoding.js';
import { isSelfIssued, parseCertificate, type X509Certificate } from '../x509/certificate.js';
import { VerificationError } from './errors.js';
import type { TrustMaterial } from './trust-material.js';

export type Signer =
  | { type: 'publicKey'; key: PublicKey }
  | { type: 'certificate'; leaf: X509Certificate; key: PublicKey };

/** Resolves the signer; throws PUBLIC_KEY_REQUIRED / PUBLIC_KEY_MISMATCH / PUBLIC_KEY_INVALID / CERTIFICATE_*. */
export function resolveSigner(
  bundle: Bundle,
  trust: TrustMaterial,
  publicKey?: string | Uint8Array | PublicKey,
  cache?: VerificationCache,
): Signer {
  const vm = bundle.verificationMaterial;
  const given = publicKey === undefined ? undefined : toKey(publicKey);
  if (vm.kind === 'publicKey') {
    if (!given) {
      throw new VerificationError(
        'PUBLIC_KEY_REQUIRED',
        'the bundle is signed with a key, but no key was supplied',
      );
    }
    return { type: 'publicKey', key: given };
  }
  const certs = vm.kind === 'certificate' ? [vm.certificate] : vm.certificates;
  // With a cache, one parse per distinct DER: bundles signed by one certificate then share its
  // parsed object, whose key import and issuer check (isIssuedBy) are memoized on it.
  const parsed = certs.map((c) =>
    cache ? cache.memo('certificate', [c], () => parseCertificate(c)) : parseCertificate(c),
  );
  const leaf = parsed[0] as X509Certificate;
  const anchors = trust.certificateAuthorities.flatMap((ca) => ca.chain);
  if (parsed.some((c) => isSelfIssued(c) && !anchors.some((a) => bytesEqual(a.der, c.der)))) {
    throw new VerificationError(
      'CERTIFICATE_CHAIN_HAS_ROOT',
      'the bundle ships a root certificate that is not a trust anchor',
    );
  }
  const key = leaf.publicKey();
  if (given && !bytesEqual(given.spki, leaf.spki)) {
    throw new VerificationError('PUBLIC_KEY_MISMATCH', "the supplied key is not the certificate's key");
  }
  return { type: 'certificate', leaf, key };
}

function toKey(k: string | Uint8Array | PublicKey): PublicKey {
  if (typeof k === 'string' || k instanceof Uint8Array) {
    try {
      return parsePublicKey(k);
    } catch (e) {
      throw new VerificationError('PUBLIC_KEY_INVALID', 'the supplied public key cannot be parsed', {
        cause: e,
      });
    }
  }
  return k;
}
