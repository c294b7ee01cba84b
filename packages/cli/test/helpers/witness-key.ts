/** A fresh witness verifier key (C2SP tlog-cosignature/v1, a real Ed25519 public key) for tests. */
import { generateKeyPairSync } from 'node:crypto';
import { formatVerifierKey, NOTE_KEY_TYPE_COSIGNATURE_V1 } from '@scriba/sdk';

export function newWitnessVkey(name = 'witness.example/w1'): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  return formatVerifierKey(name, NOTE_KEY_TYPE_COSIGNATURE_V1, new Uint8Array(raw));
}
