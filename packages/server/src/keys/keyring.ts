/**
 * The server's keyring (issue 11, log shards): every ECDSA P-256 key this process may sign with — its
 * log key (SCRIBA_LOG_KEY or `<dataDir>/log-key.pem`) plus the keys of other shards
 * (SCRIBA_SHARD_KEYS). A shard is signed with the key whose log ID (SHA-256 of the DER SPKI, Rekor's
 * logID) is the shard's stored log ID; a shard whose key is not here cannot take appends in this
 * process.
 */
import { readFile, stat } from 'node:fs/promises';
import { hexEncode } from '@scriba/sdk/encoding';
import { ConfigError } from '../config.js';
import { assertPrivate, type LogKey, parseLogKeyPem } from './logKey.js';

export class Keyring {
  private readonly byId = new Map<string, LogKey>();

  /** `primary` first: the key a new log's first tree is created with. */
  constructor(
    readonly primary: LogKey,
    extra: LogKey[] = [],
  ) {
    for (const k of [primary, ...extra]) if (!this.byId.has(k.logIdHex)) this.byId.set(k.logIdHex, k);
  }

  /** Every key, the primary first. */
  get keys(): LogKey[] {
    return [...this.byId.values()];
  }

  /** The key with this log ID (raw bytes or lower-case hex), or undefined. */
  byLogId(logId: Uint8Array | string): LogKey | undefined {
    const hex = typeof logId === 'string' ? logId.toLowerCase() : hexEncode(logId);
    return this.byId.get(hex);
  }
}

/** Reads the extra shard keys (PEM private keys, mode 0600) and builds the keyring. Throws ConfigError. */
export async function loadKeyring(primary: LogKey, paths: readonly string[]): Promise<Keyring> {
  const extra: LogKey[] = [];
  for (const path of paths) {
    let pem: string;
    try {
      pem = await readFile(path, 'utf8');
    } catch {
      throw new ConfigError(`SCRIBA_SHARD_KEYS file ${path} cannot be read`);
    }
    assertPrivate((await stat(path)).mode, `SCRIBA_SHARD_KEYS file ${path}`);
    extra.push(parseLogKeyPem(pem, path));
  }
  return new Keyring(primary, extra);
}
