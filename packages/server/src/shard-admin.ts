/**
 * Operator actions on a log's shards (issue 11) for `scriba shard list | rotate`: they open the
 * database the server configuration names (DATABASE_URL, else the embedded PGlite data dir — whose
 * lock refuses while a server runs on it), apply the migrations as `scriba serve` does, and work
 * through the storage port (LogStorage.shards / rotate) and log/rotation.ts; nothing here is a
 * second copy of the server's rules.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hexEncode } from '@scriba/sdk/encoding';
import { parseNote } from '@scriba/sdk/note';
import { type Config, ConfigError, loadConfig } from './config.js';
import { type Keyring, loadKeyring } from './keys/keyring.js';
import { assertPrivate, type LogKey, parseLogKeyPem } from './keys/logKey.js';
import { type Rotation, rotateShard, shardOrigin } from './log/rotation.js';
import type { TreeRecord } from './log/storage.js';
import { DataDirInUseError } from './storage/datadir-lock.js';
import { migrate, openDb, SqlLogStorage } from './storage/index.js';
import type { Db } from './storage/types.js';

export { ConfigError, DataDirInUseError };

/** One shard as an operator sees it. */
export type ShardInfo = {
  treeId: string;
  origin: string;
  /** Global index of the shard's first entry. */
  offset: number;
  size: number;
  rootHash: string;
  state: 'active' | 'frozen';
  /** Validity window: from creation to freezing (open while active). */
  validFrom: string;
  validTo: string | null;
  /** Rekor log ID (hex SHA-256 of the shard key's DER SPKI). */
  logId: string;
  /** The latest (for a frozen shard: final) signed checkpoint. */
  checkpoint: string | null;
};

/**
 * The log's name and a shard's origin as the servers sign them: read from the shard's checkpoint
 * (its first line and its signature's key name), so that a command run with another SCRIBA_PUBLIC_URL
 * neither shows nor creates different ones; the configuration only when there is no checkpoint.
 */
export function signedAs(
  t: TreeRecord,
  config: Pick<Config, 'logName' | 'origin'>,
): { origin: string; name: string } {
  if (t.checkpoint !== null) {
    try {
      const note = parseNote(t.checkpoint);
      const name = note.signatures[0]?.name ?? config.logName;
      return { origin: t.origin ?? note.text.split('\n', 1)[0]!, name };
    } catch {
      // an unreadable note: fall back to the configuration
    }
  }
  return { origin: shardOrigin(t, config.logName, config.origin), name: config.logName };
}

export function shardInfo(t: TreeRecord, config: Pick<Config, 'logName' | 'origin'>): ShardInfo {
  return {
    treeId: t.treeId,
    origin: signedAs(t, config).origin,
    offset: t.shardOffset,
    size: t.treeSize,
    rootHash: hexEncode(t.rootHash),
    state: t.active ? 'active' : 'frozen',
    validFrom: t.createdAt.toISOString(),
    validTo: t.frozenAt ? t.frozenAt.toISOString() : null,
    logId: hexEncode(t.logId),
    checkpoint: t.checkpoint,
  };
}

/** Opens the configured database (migrated) for `fn`, closing it after. */
export async function withStorage<T>(config: Config, fn: (storage: SqlLogStorage) => Promise<T>): Promise<T> {
  const db: Db = await openDb({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: 2,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    // An operator command works on an existing log: it never creates an empty embedded one.
    pglite: { existing: true },
  });
  try {
    await migrate(db);
    return await fn(new SqlLogStorage(db));
  } finally {
    await db.close();
  }
}

/** Reads a PEM private key file (mode 0600, ECDSA P-256). Throws ConfigError. */
async function readKey(path: string, what: string): Promise<LogKey> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch {
    throw new ConfigError(`${what} ${path} cannot be read`);
  }
  assertPrivate((await stat(path)).mode, `${what} ${path}`);
  return parseLogKeyPem(pem, path);
}

/** The server's keyring as configured (log key if present, SCRIBA_SHARD_KEYS); never creates a key. */
export async function configuredKeyring(config: Config): Promise<Keyring | undefined> {
  const path = config.logKeyPath ?? join(config.dataDir, 'log-key.pem');
  let primary: LogKey;
  try {
    primary = await readKey(path, config.logKeyPath ? 'SCRIBA_LOG_KEY file' : 'log key');
  } catch (e) {
    if (config.logKeyPath || config.shards.keyPaths.length > 0) {
      if (config.logKeyPath) throw e;
      const [first, ...rest] = config.shards.keyPaths;
      const k = await readKey(first!, 'SCRIBA_SHARD_KEYS file');
      return loadKeyring(k, rest);
    }
    return undefined;
  }
  return loadKeyring(primary, config.shards.keyPaths);
}

/** Every shard of the configured log, in order. */
export async function listShards(env: Record<string, string | undefined>): Promise<ShardInfo[]> {
  const config = loadConfig(env);
  return withStorage(config, async (storage) => (await storage.shards()).map((t) => shardInfo(t, config)));
}

/**
 * Rotates the configured log now: the active shard is frozen, a new one takes the appends, signed
 * with the key in `keyPath` or else the active shard's key from the configured keyring. Every server
 * on the database follows at its next batch.
 */
export async function rotateShards(
  env: Record<string, string | undefined>,
  opts: { keyPath?: string | undefined } = {},
): Promise<{ frozen: ShardInfo; active: ShardInfo; rotation: Rotation }> {
  const config = loadConfig(env);
  const given = opts.keyPath ? await readKey(opts.keyPath, '--key file') : undefined;
  const keyring = given ? undefined : await configuredKeyring(config);
  return withStorage(config, async (storage) => {
    const active = (await storage.shards()).find((t) => t.active);
    if (!active) throw new ConfigError('the database holds no log yet (start `scriba serve` once)');
    let key = given;
    if (!key) {
      key = keyring?.byLogId(active.logId);
      if (!key) {
        throw new ConfigError(
          `the configured keyring does not hold the active shard's key (log ID ${hexEncode(active.logId)}); give the new shard's key with --key FILE`,
        );
      }
    }
    const rotation = await rotateShard(storage, { key, logName: signedAs(active, config).name });
    return {
      frozen: shardInfo(rotation.frozen, config),
      active: shardInfo(rotation.active, config),
      rotation,
    };
  });
}
