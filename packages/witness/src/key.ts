/**
 * Ed25519 keys for C2SP tlog-cosignature (cosignature/v1, key type 0x04): a witness cosigns a
 * checkpoint body at a timestamp; the signature line carries key ID || u64 BE timestamp || Ed25519
 * signature. Keys are stored as PKCS#8 PEM (mode 0600), created on first start if absent.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { utf8Encode } from '@scriba/sdk';
import {
  cosignatureKeyHash,
  cosignatureMessageBytes,
  cosignatureSignatureBytes,
  formatSignatureLine,
  formatVerifierKey,
  NOTE_KEY_TYPE_COSIGNATURE_V1,
} from '@scriba/sdk/note';
import type { Cosigner } from './witness.js';

export type Ed25519Key = { privateKey: KeyObject; publicKey32: Uint8Array };

/** Raw 32-byte public key of an Ed25519 KeyObject (the last 32 bytes of its SPKI). */
export function ed25519Raw(key: KeyObject): Uint8Array {
  const spki = new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' }));
  return spki.slice(spki.length - 32);
}

export function parseEd25519KeyPem(pem: string, source: string): Ed25519Key {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new Error(`${source} is not a readable PEM private key`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${source} must be an Ed25519 key`);
  return { privateKey, publicKey32: ed25519Raw(privateKey) };
}

export function generateEd25519KeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Loads the PEM key at `path`, creating it (0600, never overwriting) when absent. */
export async function loadOrCreateEd25519Key(path: string): Promise<Ed25519Key> {
  try {
    return parseEd25519KeyPem(await readFile(path, 'utf8'), path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dirname(path), { recursive: true });
  const pem = generateEd25519KeyPem();
  try {
    await writeFile(path, pem, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return parseEd25519KeyPem(await readFile(path, 'utf8'), path);
  }
  return parseEd25519KeyPem(pem, path);
}

/** A cosignature/v1 signer under key name `name`. */
export function ed25519Cosigner(name: string, key: Ed25519Key): Cosigner & { vkey: string; keyHash: number } {
  const keyHash = cosignatureKeyHash(name, key.publicKey32);
  return {
    name,
    keyHash,
    vkey: formatVerifierKey(name, NOTE_KEY_TYPE_COSIGNATURE_V1, key.publicKey32),
    async cosign(body: string, timestamp: number): Promise<string> {
      const ts = BigInt(timestamp);
      const message = cosignatureMessageBytes(utf8Encode(body), ts);
      if (!message) throw new Error('not a checkpoint body');
      const signature = cosignatureSignatureBytes(ts, new Uint8Array(sign(null, message, key.privateKey)));
      return formatSignatureLine({ name, keyHash, signature });
    },
  };
}
