/**
 * The monitor's state job: what it remembers between rounds, read strictly and written atomically
 * (temp file + rename). Per tree (shard): the last verified checkpoint and the compact range of its
 * tree, and whether it was verified frozen. For a log (`--state FILE`): FILE is the index of the
 * shards followed so far (`{"version": 2, "shards": [treeID...]}`) and each shard's state is in its
 * own file beside it (`monitor.json` → `monitor.<treeID>.json`). A FILE holding one tree's state
 * (written before shards) is read as such, for the caller to migrate.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';

export type MonitorState = {
  origin: string;
  size: number;
  /** base64 */
  rootHash: string;
  /** The full signed checkpoint that was verified. */
  checkpoint: string;
  /** base64 hashes of the compact range of the verified tree (rangeNodes(size), left to right). */
  range: string[];
  /** Set once the tree was verified at its final size as a frozen shard: it MUST never change. */
  frozen?: boolean;
};

/** The state, or undefined when there is no file yet. Throws on unreadable or malformed files. */
export async function readState(path: string | undefined): Promise<MonitorState | undefined> {
  if (!path) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`state file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let s: MonitorState;
  try {
    s = JSON.parse(text) as MonitorState;
  } catch {
    throw new Error(`state file ${path} is not JSON`);
  }
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.origin !== 'string' ||
    !Number.isSafeInteger(s.size) ||
    typeof s.rootHash !== 'string' ||
    typeof s.checkpoint !== 'string' ||
    !Array.isArray(s.range) ||
    (s.frozen !== undefined && typeof s.frozen !== 'boolean')
  ) {
    throw new Error(`state file ${path} is malformed`);
  }
  return s;
}

export async function writeState(path: string, s: MonitorState): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, path);
}

/** The state file of shard `treeId` of the log whose index is `indexPath`. */
export function shardStatePath(indexPath: string, treeId: string): string {
  return /\.json$/.test(indexPath)
    ? indexPath.replace(/\.json$/, `.${treeId}.json`)
    : `${indexPath}.${treeId}`;
}

export type ShardIndex = { kind: 'index'; shards: string[] } | { kind: 'legacy'; state: MonitorState };

/** The index of followed shards (empty when there is no file yet), or a pre-shard state. Throws when unusable. */
export async function readShardIndex(path: string): Promise<ShardIndex> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'index', shards: [] };
    throw new Error(`state file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let j: { version?: unknown; shards?: unknown; origin?: unknown };
  try {
    j = JSON.parse(text) as typeof j;
  } catch {
    throw new Error(`state file ${path} is not JSON`);
  }
  if (typeof j === 'object' && j !== null && typeof j.origin === 'string') {
    const state = await readState(path);
    if (state) return { kind: 'legacy', state };
  }
  if (
    typeof j !== 'object' ||
    j === null ||
    j.version !== 2 ||
    !Array.isArray(j.shards) ||
    !j.shards.every((t) => typeof t === 'string' && /^[0-9]{1,20}$/.test(t))
  ) {
    throw new Error(`state file ${path} is malformed`);
  }
  return { kind: 'index', shards: j.shards as string[] };
}

export async function writeShardIndex(path: string, shards: string[]): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify({ version: 2, shards }, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, path);
}
