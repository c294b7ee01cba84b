/**
 * Signing with a PEM private key for `scriba sign` / `scriba attest`: ECDSA P-256 (SHA-256) and
 * P-384 (SHA-384), RSA PKCS#1 v1.5 (SHA-256, 2048–4096 bits), Ed25519 (DSSE only: a hashedrekord
 * entry carries only the digest, which Rekor checks as Ed25519ph while Sigstore verifiers check pure
 * Ed25519 over the artifact, so no bundle from it would verify). ECDSA signatures are DER, as Rekor
 * and Sigstore bundles carry them. A digest (`--digest`) is signed as a prehash: ECDSA with
 * @noble/curves, RSA over the DigestInfo (SDK `digestInfo`).
 */
import * as nodeCrypto from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { p256, p384 } from '@noble/curves/nist.js';
import { base64UrlDecode, digestInfo, ecdsaRawToDer, type HashAlgorithm } from '@scriba/sdk';
import { CliError, fileError } from './output.js';

export type SigningKey = {
  key: nodeCrypto.KeyObject;
  type: 'ecdsa-p256' | 'ecdsa-p384' | 'rsa' | 'ed25519';
  /** DER SPKI of the public key. */
  spki: Uint8Array;
  publicKeyPem: string;
  /** The digest the key signs with (hashedrekord digest algorithm). */
  hash: HashAlgorithm;
  /** Rekor v2 / protobuf-specs PublicKeyDetails. */
  keyDetails: string;
};

/** Reads and classifies a PEM private key (exit 2 when unreadable or unsupported). */
export async function loadSigningKey(path: string): Promise<SigningKey> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (e) {
    throw fileError('key', path, e);
  }
  let key: nodeCrypto.KeyObject;
  try {
    key = nodeCrypto.createPrivateKey(pem);
  } catch (e) {
    const msg = (e as Error).message;
    const hint = /passphrase/i.test(msg)
      ? 'encrypted keys are not supported (decrypt it with openssl pkey)'
      : msg;
    throw new CliError(2, 'KEY_INVALID', `key ${path}: not a PEM private key: ${hint}`);
  }
  const pub = nodeCrypto.createPublicKey(key);
  const spki = new Uint8Array(pub.export({ type: 'spki', format: 'der' }));
  const publicKeyPem = pub.export({ type: 'spki', format: 'pem' }).toString();
  const d = key.asymmetricKeyDetails ?? {};
  const base = { key, spki, publicKeyPem };
  if (key.asymmetricKeyType === 'ec' && d.namedCurve === 'prime256v1')
    return { ...base, type: 'ecdsa-p256', hash: 'sha256', keyDetails: 'PKIX_ECDSA_P256_SHA_256' };
  if (key.asymmetricKeyType === 'ec' && d.namedCurve === 'secp384r1')
    return { ...base, type: 'ecdsa-p384', hash: 'sha384', keyDetails: 'PKIX_ECDSA_P384_SHA_384' };
  if (key.asymmetricKeyType === 'rsa' && [2048, 3072, 4096].includes(d.modulusLength ?? 0))
    return {
      ...base,
      type: 'rsa',
      hash: 'sha256',
      keyDetails: `PKIX_RSA_PKCS1V15_${d.modulusLength}_SHA256`,
    };
  if (key.asymmetricKeyType === 'ed25519')
    return { ...base, type: 'ed25519', hash: 'sha512', keyDetails: 'PKIX_ED25519' };
  throw new CliError(
    2,
    'KEY_UNSUPPORTED',
    `key ${path}: ${key.asymmetricKeyType}${d.namedCurve ? ` ${d.namedCurve}` : ''}${d.modulusLength ? ` ${d.modulusLength}-bit` : ''} is not supported (ECDSA P-256/P-384, RSA 2048/3072/4096, Ed25519)`,
  );
}

/** Signs `data` (hashing it with the key's digest; Ed25519 signs it as is). */
export function signMessage(k: SigningKey, data: Uint8Array): Uint8Array {
  return new Uint8Array(nodeCrypto.sign(k.type === 'ed25519' ? null : k.hash, data, k.key));
}

/** Signs a precomputed digest made with the key's digest algorithm. */
export function signDigest(k: SigningKey, digest: Uint8Array): Uint8Array {
  if (k.type === 'rsa') {
    return new Uint8Array(
      nodeCrypto.privateEncrypt(
        { key: k.key, padding: nodeCrypto.constants.RSA_PKCS1_PADDING },
        digestInfo(k.hash, digest),
      ),
    );
  }
  if (k.type === 'ed25519') {
    throw new CliError(2, 'KEY_UNSUPPORTED', 'an Ed25519 key cannot sign a digest: give the --artifact');
  }
  const jwk = k.key.export({ format: 'jwk' }) as { d?: string };
  const secret = base64UrlDecode(jwk.d ?? '');
  const curve = k.type === 'ecdsa-p256' ? p256 : p384;
  const raw = curve.sign(digest, secret, { prehash: false, lowS: true });
  return ecdsaRawToDer(raw);
}
