/**
 * Rekor v1 shards (Rekor `pkg/sharding`): EntryUUIDs are 16 hex digits of the tree ID (a decimal
 * int64) followed by the 64 hex digits of the entry's leaf hash (APIs also accept the bare 64-hex
 * leaf hash); a shard's checkpoint origin is `<log name> - <tree ID>`.
 */
import { hexDecode, hexEncode } from '../encoding.js';
import { ScribaError } from '../errors.js';

const prefixes = new Map<string, string>();

function isTreeId(treeId: string): boolean {
  return /^(0|[1-9][0-9]{0,18})$/.test(treeId) && BigInt(treeId) < 1n << 63n;
}

/** The tree ID a Rekor v1 checkpoint origin `<log name> - <tree ID>` names; undefined when it names none. */
export function treeIdOfOrigin(origin: string): string | undefined {
  const m = /^[^ ]+ - ([0-9]+)$/.exec(origin);
  return m && isTreeId(m[1] as string) ? m[1] : undefined;
}

/** The 16-hex-digit prefix of a tree's EntryUUIDs. Throws INVALID_INPUT unless `treeId` is a decimal int64 >= 0. */
export function entryUuidPrefix(treeId: string): string {
  let p = prefixes.get(treeId);
  if (p === undefined) {
    if (!isTreeId(treeId)) {
      throw new ScribaError('INVALID_INPUT', `tree ID must be a decimal int64, got '${treeId}'`);
    }
    p = BigInt(treeId).toString(16).padStart(16, '0');
    if (prefixes.size >= 64) prefixes.clear();
    prefixes.set(treeId, p);
  }
  return p;
}

/** The EntryUUID of a leaf in tree `treeId`. */
export function entryUuid(treeId: string, leafHash: Uint8Array): string {
  return entryUuidPrefix(treeId) + hexEncode(leafHash);
}

/**
 * An EntryUUID taken apart: the tree ID its 16-hex prefix names (decimal; undefined for a bare 64-hex
 * leaf hash, which names no shard) and the leaf hash. Any case; undefined when it is neither form or
 * the prefix is not a tree ID (an int64 >= 0).
 */
export function parseEntryUuid(
  uuid: string,
): { treeId: string | undefined; leafHash: Uint8Array } | undefined {
  const u = uuid.toLowerCase();
  if (!/^([0-9a-f]{16})?[0-9a-f]{64}$/.test(u)) return undefined;
  const leafHash = hexDecode(u.slice(-64));
  if (u.length === 64) return { treeId: undefined, leafHash };
  const treeId = BigInt(`0x${u.slice(0, 16)}`).toString();
  return isTreeId(treeId) ? { treeId, leafHash } : undefined;
}

/**
 * The leaf hash named by an 80-hex EntryUUID of tree `treeId` or a bare 64-hex leaf hash (any
 * case); undefined when it is neither or names another tree.
 */
export function leafHashOfEntryUuid(uuid: string, treeId: string): Uint8Array | undefined {
  const u = uuid.toLowerCase();
  if (!/^([0-9a-f]{16})?[0-9a-f]{64}$/.test(u)) return undefined;
  if (u.length === 80 && u.slice(0, 16) !== entryUuidPrefix(treeId)) return undefined;
  return hexDecode(u.slice(-64));
}
