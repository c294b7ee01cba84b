/**
 * The log's signing key: ECDSA P-256 (what Rekor v1 clients expect). Loaded from a PEM file
 * (SCRIBA_LOG_KEY) or, by default, from `<dataDir>/log-key.pem`, which is generated on first start
 * with mode 0600. The log ID is SHA-256 of the DER SubjectPublicKeyInfo (Rekor's logID, and the
 * first 4 bytes are the C2SP ECDSA note key hash).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hexEncode } from '@scriba/sdk/encoding';
import { ConfigError } from '../config.js';
import { createOnce } from './create-once.js';

export type LogKey = {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** PKCS#8 DER of the private key. */
  pkcs8: Uint8Array;
  /** DER SubjectPublicKeyInfo. */
  spki: Uint8Array;
  publicKeyPem: string;
  /** SHA-256(spki). */
  logId: Uint8Array;
  logIdHex: string;
};

/** Parses a PEM private key and checks that it is ECDSA P-256. Throws ConfigError. */
export function parseLogKeyPem(pem: string, source: string): LogKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new ConfigError(`log key ${source} is not a readable PEM private key`);
  }
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ConfigError(`log key ${source} must be an ECDSA P-256 key`);
  }
  const publicKey = createPublicKey(privateKey);
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const logId = new Uint8Array(createHash('sha256').update(spki).digest());
  return {
    privateKey,
    publicKey,
    pkcs8: new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })),
    spki,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    logId,
    logIdHex: hexEncode(logId),
  };
}

/** A fresh ECDSA P-256 key as PKCS#8 PEM. */
export function generateLogKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * Writes a new key to `path` with mode 0600, whole (create-once.ts); fails if the file exists (never
 * overwrites a key).
 */
export async function writeNewLogKey(path: string): Promise<string> {
  const pem = generateLogKeyPem();
  await createOnce(path, pem, 0o600);
  return pem;
}

/**
 * A private key file that group or others may read or write has to be treated as disclosed: the
 * start is refused (ConfigError, exit 2) rather than signing with it.
 */
export function assertPrivate(mode: number, what: string): void {
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(
      `${what} is accessible by group or others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); chmod 600 it`,
    );
  }
}

/** Loads SCRIBA_LOG_KEY, or `<dataDir>/log-key.pem`, creating the latter on first start. */
export async function loadOrCreateLogKey(opts: { logKeyPath?: string; dataDir: string }): Promise<LogKey> {
  if (opts.logKeyPath) {
    let pem: string;
    try {
      pem = await readFile(opts.logKeyPath, 'utf8');
    } catch {
      throw new ConfigError(`SCRIBA_LOG_KEY file ${opts.logKeyPath} cannot be read`);
    }
    assertPrivate((await stat(opts.logKeyPath)).mode, `SCRIBA_LOG_KEY file ${opts.logKeyPath}`);
    return parseLogKeyPem(pem, opts.logKeyPath);
  }
  const path = join(opts.dataDir, 'log-key.pem');
  try {
    return parseLogKeyPem(await writeNewLogKey(path), path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  assertPrivate((await stat(path)).mode, `log key ${path}`);
  return parseLogKeyPem(await readFile(path, 'utf8'), path);
}
