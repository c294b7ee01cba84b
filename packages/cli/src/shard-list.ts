/**
 * The log's published list of shards, as Rekor v1 publishes it (GET /api/v1/log, `LogInfo`): the
 * active tree (`treeID`, `treeSize`, `rootHash`, `signedTreeHead`) and `inactiveShards`, the frozen
 * trees, oldest first, each with its final size, root and signed checkpoint. A shard's global index
 * offset is the sum of the sizes of the shards before it (Rekor's rule). A log that does not publish
 * `inactiveShards` (an unsharded log, or one from before shards) lists its active tree only, and
 * `published` says so: then nobody can tell a frozen shard from a vanished one.
 *
 * Also where each shard's C2SP tiles are (`<tiles URL>/shards/<treeID>/` for every shard; the root
 * tiles URL keeps serving the active one).
 */
import { CliError } from './output.js';

export type PublishedShard = {
  treeId: string;
  treeSize: number;
  /** lower-case hex */
  rootHash: string;
  signedTreeHead: string;
  /** True for the one shard taking appends. */
  active: boolean;
  /** Global index of the shard's first entry. */
  offset: number;
};

export type ShardList = {
  /** Oldest first, the active shard last. */
  shards: PublishedShard[];
  /** False when the log does not publish `inactiveShards` at all. */
  published: boolean;
};

function field(o: Record<string, unknown>, where: string): Omit<PublishedShard, 'active' | 'offset'> {
  const bad = (what: string) => new CliError(1, 'LOG_ANSWER_INVALID', `${where}: ${what}`);
  const { treeID, treeSize, rootHash, signedTreeHead } = o;
  if (typeof treeID !== 'string' || !/^[0-9]{1,20}$/.test(treeID)) throw bad('no decimal treeID');
  if (typeof treeSize !== 'number' || !Number.isSafeInteger(treeSize) || treeSize < 0)
    throw bad('bad treeSize');
  if (typeof rootHash !== 'string' || !/^[0-9a-fA-F]{64}$/.test(rootHash)) throw bad('bad rootHash');
  if (typeof signedTreeHead !== 'string') throw bad('no signedTreeHead');
  return { treeId: treeID, treeSize, rootHash: rootHash.toLowerCase(), signedTreeHead };
}

/** Reads a LogInfo answer (from `url`, for messages). Throws LOG_ANSWER_INVALID (exit 1). */
export function parseShardList(json: unknown, url: string): ShardList {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CliError(1, 'LOG_ANSWER_INVALID', `${url}: not a LogInfo object`);
  }
  const o = json as Record<string, unknown>;
  const inactive = o.inactiveShards;
  if (inactive !== undefined && !Array.isArray(inactive)) {
    throw new CliError(1, 'LOG_ANSWER_INVALID', `${url}: inactiveShards is not an array`);
  }
  const listed = [
    ...((inactive ?? []) as unknown[]).map((s, i) => {
      if (typeof s !== 'object' || s === null) {
        throw new CliError(1, 'LOG_ANSWER_INVALID', `${url}: inactiveShards[${i}] is not an object`);
      }
      return { ...field(s as Record<string, unknown>, `${url}: inactiveShards[${i}]`), active: false };
    }),
    { ...field(o, url), active: true },
  ];
  if (new Set(listed.map((s) => s.treeId)).size !== listed.length) {
    throw new CliError(1, 'LOG_ANSWER_INVALID', `${url}: a tree is listed twice`);
  }
  let offset = 0;
  const shards = listed.map((s) => {
    const out = { ...s, offset };
    offset += s.treeSize;
    return out;
  });
  return { shards, published: inactive !== undefined };
}

/** The tlog-tiles prefix of one shard under the log's tiles URL (`.../api/v2`). */
export function shardTilesUrl(tilesUrl: string, treeId: string): string {
  return `${tilesUrl.replace(/\/+$/, '')}/shards/${treeId}`;
}
