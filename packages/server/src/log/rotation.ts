/**
 * Shard rotation (issue 11): freezing the active tree and starting the next one in one storage step
 * (LogStorage.rotate, under the tree lock), and the policy that decides when (SCRIBA_SHARD_MAX_SIZE,
 * SCRIBA_SHARD_PERIOD). A new shard is born with its signed empty checkpoint (C2SP tlog-checkpoint,
 * size 0) and Rekor's origin convention `<logName> - <treeID>`; it keeps the active shard's key
 * unless given another. Used by the server (policy) and by `scriba shard rotate` (operator).
 */
import { randomBytes } from 'node:crypto';
import { EMPTY_ROOT } from '@scriba/sdk/merkle';
import type { ShardPeriod } from '../config.js';
import type { LogKey } from '../keys/logKey.js';
import { checkpointSigner } from './checkpoint.js';
import type { LogStorage, NewTree, TreeId, TreeRecord } from './storage.js';

/** When the server rotates by itself; both off = only `scriba shard rotate` rotates. */
export type RotationPolicy = { maxSize?: number | undefined; period?: ShardPeriod | undefined };

/** A fresh random 63-bit tree id (Rekor's treeID, decimal). */
export function newTreeId(): TreeId {
  return (randomBytes(8).readBigUInt64BE() & 0x7fffffffffffffffn).toString();
}

/** The checkpoint origin of a shard: its stored origin, else the configured one, else Rekor's. */
export function shardOrigin(
  record: Pick<TreeRecord, 'origin' | 'treeId'>,
  logName: string,
  configuredOrigin: string | undefined,
): string {
  return record.origin ?? configuredOrigin ?? `${logName} - ${record.treeId}`;
}

/**
 * Why the policy wants the shard rotated now, or undefined. `size` at or above maxSize; for a
 * calendar period, `now` in a later UTC year (month) than the shard's creation; for an age period,
 * the shard at least that old.
 */
export function rotationDue(
  shard: { treeSize: number; createdAt: Date },
  policy: RotationPolicy,
  now: Date,
): string | undefined {
  if (policy.maxSize !== undefined && shard.treeSize >= policy.maxSize) {
    return `size ${shard.treeSize} reached SCRIBA_SHARD_MAX_SIZE ${policy.maxSize}`;
  }
  const p = policy.period;
  if (p === undefined) return undefined;
  const c = shard.createdAt;
  if (p.kind === 'age') {
    const age = now.getTime() - c.getTime();
    return age >= p.ms ? `shard age ${Math.floor(age / 1000)} s reached SCRIBA_SHARD_PERIOD` : undefined;
  }
  const later =
    now.getUTCFullYear() > c.getUTCFullYear() ||
    (p.unit === 'month' &&
      now.getUTCFullYear() === c.getUTCFullYear() &&
      now.getUTCMonth() > c.getUTCMonth());
  return later ? `a new ${p.unit} began (shard created ${c.toISOString()})` : undefined;
}

/**
 * The next shard: a new tree id (random unless given), origin `<logName> - <treeId>`, `key`, its
 * signed empty checkpoint.
 */
export async function nextShard(
  key: LogKey,
  logName: string,
  treeId: TreeId = newTreeId(),
): Promise<NewTree> {
  const origin = `${logName} - ${treeId}`;
  const signer = await checkpointSigner(key, logName, origin);
  return {
    treeId,
    logId: key.logId,
    publicKey: key.spki,
    rootHash: EMPTY_ROOT,
    origin,
    checkpoint: await signer.sign(0, EMPTY_ROOT),
  };
}

export type Rotation = { frozen: TreeRecord; active: TreeRecord };

/**
 * Rotates: the active tree is frozen (its final checkpoint is its last signed one) and a new empty
 * tree signed with `key` takes the appends, in one transaction. With `fromTreeId`, only when that tree
 * is still the active one (else TreeNotActiveError: another process rotated first).
 */
export async function rotateShard(
  storage: LogStorage,
  opts: { key: LogKey; logName: string; fromTreeId?: TreeId | undefined; treeId?: TreeId },
): Promise<Rotation> {
  const next = await nextShard(opts.key, opts.logName, opts.treeId);
  return storage.rotate(next, opts.fromTreeId);
}
