/**
 * The one key policy of Scriba (RFC 5480 curves, RFC 8410 Ed25519, RFC 8017 RSA): which public keys
 * the log accepts on its write path and the verifier accepts in a bundle. Both MUST answer alike, or a
 * key the log accepts yields entries Scriba's own verifier refuses (seen: the log took RSA up to 8192
 * bits, the verifier 4096).
 *
 * Decision: ECDSA on P-256/P-384/P-521 (uncompressed points), Ed25519, and RSA of 2048 to 4096 bits.
 * 4096 is the largest RSA size Sigstore's algorithm registry names (PKIX_RSA_*_4096, also the largest
 * `PublicKeyDetails` Rekor v2 carries), so a larger key could never be logged by a v2 log nor
 * verified by other Sigstore verifiers; 2048 is the smallest any of them accepts.
 */
import { ScribaError } from '../errors.js';

export type EcCurve = 'P-256' | 'P-384' | 'P-521';

export const KEY_POLICY = {
  ecdsaCurves: ['P-256', 'P-384', 'P-521'] as readonly EcCurve[],
  rsaMinBits: 2048,
  rsaMaxBits: 4096,
  ed25519: true,
} as const;

export const RSA_MIN_BITS = KEY_POLICY.rsaMinBits;
export const RSA_MAX_BITS = KEY_POLICY.rsaMaxBits;

/** What the policy looks at: a key's type and, for ECDSA and RSA, its curve or modulus size. */
export type KeyShape =
  | { kind: 'ecdsa'; curve: string }
  | { kind: 'rsa'; bits: number }
  | { kind: 'ed25519' }
  | { kind: 'other'; name: string };

/** True when `curve` is one of the policy's ECDSA curves. */
export function isSupportedCurve(curve: string): curve is EcCurve {
  return (KEY_POLICY.ecdsaCurves as readonly string[]).includes(curve);
}

/**
 * Throws KEY_UNSUPPORTED (with the message both the log and the verifier report) unless the key's
 * shape is allowed by the policy.
 */
export function checkKeyPolicy(key: KeyShape): void {
  switch (key.kind) {
    case 'ecdsa':
      if (!isSupportedCurve(key.curve)) {
        throw new ScribaError(
          'KEY_UNSUPPORTED',
          `EC curve ${key.curve} is not supported (${KEY_POLICY.ecdsaCurves.join(', ')})`,
        );
      }
      return;
    case 'rsa':
      if (!(key.bits >= RSA_MIN_BITS && key.bits <= RSA_MAX_BITS)) {
        throw new ScribaError(
          'KEY_UNSUPPORTED',
          `RSA keys of ${key.bits} bits are not supported (${RSA_MIN_BITS}-${RSA_MAX_BITS})`,
        );
      }
      return;
    case 'ed25519':
      return;
    case 'other':
      throw new ScribaError('KEY_UNSUPPORTED', `key type ${key.name} is not supported`);
    default:
      assertNever(key);
  }
}

function assertNever(x: never): never {
  throw new ScribaError('KEY_UNSUPPORTED', `unknown key shape ${JSON.stringify(x)}`);
}
