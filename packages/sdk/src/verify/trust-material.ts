/**
 * Trust material: a Sigstore TrustedRoot parsed once into what the checks use — keys of the
 * transparency logs (by log ID), CT logs, certificate authorities and timestamp authorities as
 * parsed certificate chains. Prepare it once and reuse it for many bundles: nothing in it depends on
 * the bundle, and re-deriving it per bundle is what makes peers slow.
 */
import { parseTrustedRoot } from '../bundle/trusted-root.js';
import type { TransparencyLogInstance, TrustedRoot } from '../bundle/types.js';
import { encodeTlv } from '../crypto/der.js';
import { type PublicKey, parsePublicKey } from '../crypto/index.js';
import { base64Encode, concatBytes } from '../encoding.js';
import { parseCertificate } from '../x509/certificate.js';
import { orderChain, type TrustedAuthority } from '../x509/chain.js';
import type { TrustedCtLog } from '../x509/sct.js';
import { VerificationError } from './errors.js';

export type TrustedLog = { instance: TransparencyLogInstance; key: PublicKey | Error };

export type TrustMaterial = {
  trustedRoot: TrustedRoot;
  /** Transparency logs keyed by base64 log ID. */
  tlogs: Map<string, TrustedLog>;
  ctlogs: TrustedCtLog[];
  certificateAuthorities: TrustedAuthority[];
  timestampAuthorities: TrustedAuthority[];
};

// DER of AlgorithmIdentifier { rsaEncryption, NULL }
const RSA_ALG_ID = new Uint8Array([
  0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
]);

/** Parses a trusted-root key; PKCS#1 RSAPublicKey bytes (keyDetails PKCS1_RSA_*) are wrapped in an SPKI. */
export function parseLogKey(instance: TransparencyLogInstance): PublicKey | Error {
  try {
    return parsePublicKey(instance.publicKey);
  } catch (e) {
    if (instance.keyDetails.startsWith('PKCS1_RSA')) {
      try {
        const bits = concatBytes(new Uint8Array([0]), instance.publicKey);
        return parsePublicKey(encodeTlv(0x30, concatBytes(RSA_ALG_ID, encodeTlv(0x03, bits))));
      } catch (e2) {
        return e2 instanceof Error ? e2 : new Error(String(e2));
      }
    }
    return e instanceof Error ? e : new Error(String(e));
  }
}

function parseChain(certs: Uint8Array[], where: string) {
  try {
    return orderChain(certs.map((c) => parseCertificate(c)));
  } catch (e) {
    throw new VerificationError('TRUSTED_ROOT_INVALID', `${where}: malformed certificate`, { cause: e });
  }
}

/** Builds trust material from a TrustedRoot (parsed or JSON). Throws TRUSTED_ROOT_INVALID. */
export function prepareTrustMaterial(root: TrustedRoot | string | Uint8Array | unknown): TrustMaterial {
  const trustedRoot = isParsedRoot(root) ? root : parseTrustedRoot(root);
  const tlogs = new Map<string, TrustedLog>();
  for (const instance of trustedRoot.tlogs) {
    tlogs.set(base64Encode(instance.logId), { instance, key: parseLogKey(instance) });
  }
  return {
    trustedRoot,
    tlogs,
    ctlogs: trustedRoot.ctlogs.map((l) => ({ logId: l.logId, key: parseLogKey(l), validFor: l.validFor })),
    certificateAuthorities: trustedRoot.certificateAuthorities.map((ca, i) => ({
      uri: ca.uri,
      validFor: ca.validFor,
      chain: parseChain(ca.certChain, `certificateAuthorities[${i}]`),
    })),
    timestampAuthorities: trustedRoot.timestampAuthorities.map((ca, i) => ({
      uri: ca.uri,
      validFor: ca.validFor,
      chain: parseChain(ca.certChain, `timestampAuthorities[${i}]`),
    })),
  };
}

function isParsedRoot(v: unknown): v is TrustedRoot {
  return (
    typeof v === 'object' &&
    v !== null &&
    !(v instanceof Uint8Array) &&
    Array.isArray((v as TrustedRoot).tlogs) &&
    (v as TrustedRoot).tlogs.every((t) => t?.publicKey instanceof Uint8Array)
  );
}
