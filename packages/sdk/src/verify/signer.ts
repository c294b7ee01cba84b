/**
 * Step 1 — the signer's material. A key-signed bundle (verificationMaterial.publicKey) MUST be
 * verified with a key supplied by the caller (the bundle's hint is unauthenticated; when present it
 * MUST name the supplied key: base64 SHA-256 of its SPKI, as Sigstore clients set it). A
 * certificate-signed bundle yields its leaf; a chain that ships a root (self-issued) certificate is
 * refused — roots come from the trusted root only.
 */
import type { Bundle } from '../bundle/types.js';
import { type PublicKey, parsePublicKey, sha256 } from '../crypto/index.js';
import { base64Encode, bytesEqual, hexEncode } from '../encoding.js';
import { isSelfIssued, parseCertificate, type X509Certificate } from '../x509/certificate.js';
import { VerificationError } from './errors.js';

export type Signer =
  | { type: 'publicKey'; key: PublicKey }
  | { type: 'certificate'; leaf: X509Certificate; key: PublicKey };

/** Resolves the signer; throws PUBLIC_KEY_REQUIRED / PUBLIC_KEY_MISMATCH / PUBLIC_KEY_INVALID / CERTIFICATE_*. */
export function resolveSigner(bundle: Bundle, publicKey?: string | Uint8Array | PublicKey): Signer {
  const vm = bundle.verificationMaterial;
  const given = publicKey === undefined ? undefined : toKey(publicKey);
  if (vm.kind === 'publicKey') {
    if (!given) {
      throw new VerificationError(
        'PUBLIC_KEY_REQUIRED',
        'the bundle is signed with a key, but no key was supplied',
      );
    }
    if (vm.hint !== undefined && !hintMatches(vm.hint, given.spki)) {
      throw new VerificationError('PUBLIC_KEY_MISMATCH', 'the supplied key is not the key the bundle names');
    }
    return { type: 'publicKey', key: given };
  }
  const certs = vm.kind === 'certificate' ? [vm.certificate] : vm.certificates;
  const parsed = certs.map((c) => parseCertificate(c));
  const leaf = parsed[0] as X509Certificate;
  if (parsed.some((c) => isSelfIssued(c))) {
    throw new VerificationError('CERTIFICATE_CHAIN_HAS_ROOT', 'the bundle ships a root certificate');
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

function hintMatches(hint: string, spki: Uint8Array): boolean {
  const h = sha256(spki);
  return hint === base64Encode(h) || hint.toLowerCase() === hexEncode(h);
}
