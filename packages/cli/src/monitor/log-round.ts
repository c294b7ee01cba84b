/**
 * The monitor's round over a log of several shards (a log sharded in time, Rekor v1 `inactiveShards`,
 * C2SP tlog-tiles per shard). One round:
 *  1. read the log's published list of shards (GET /api/v1/log, ../shard-list.ts);
 *  2. compare it with the shards this monitor followed before (the state index, state.ts): a shard
 *     that is no longer listed (SHARD_VANISHED) or a frozen one listed as active again
 *     (FROZEN_SHARD_CHANGED) is a failure with its last verified checkpoint as evidence;
 *  3. follow every listed shard with its own round (round.ts) and its own state file: consistency
 *     within the shard, its entries hashed into its tree, a frozen shard held to its published final
 *     checkpoint and, once verified at that size, to no change at all; a shard not seen before is
 *     picked up and caught up from its first entry;
 *  4. write the index of followed shards (unless a check failed).
 * Each shard's checkpoint and tiles are read from `<tiles URL>/shards/<treeID>/`; a log that does not
 * serve that prefix is read at the root tiles URL for its active shard, and a frozen shard from its
 * published signed tree head (enough to hold it to its final checkpoint, not to catch up on it).
 * A URL without the Rekor v1 API (GET /api/v1/log answers 404: a static mirror of an exported shard,
 * or another tlog-tiles log) is followed as one tree at its tiles URL, its state in the state file.
 * Exit code of the round: 1 when any shard failed a check, else 2 when any could not be read, else 3
 * when any entry matched, else 0.
 */
import { hexDecode } from '@scriba/sdk';
import { parseCheckpoint, parseNote } from '@scriba/sdk/note';
import { httpTileSource } from '@scriba/sdk/tiles/client';
import { requestJson } from '../http.js';
import { type PublishedShard, parseShardList, type ShardList, shardTilesUrl } from '../shard-list.js';
import type { MonitorEvent } from './output.js';
import { type MonitorOptions, monitorRound, type RoundResult } from './round.js';
import {
  type MonitorState,
  readShardIndex,
  readState,
  shardStatePath,
  writeShardIndex,
  writeState,
} from './state.js';

export type LogMonitorOptions = Omit<MonitorOptions, 'checkpoint' | 'shard'> & {
  /** The log's base URL (`http://host:3000`): the shard list is `<baseUrl>/api/v1/log`. */
  baseUrl: string;
};

const SEVERITY: Record<RoundResult['exit'], number> = { 0: 0, 3: 1, 2: 2, 1: 3 };

function errorCode(e: unknown): string {
  const c = (e as { code?: unknown })?.code;
  return typeof c === 'string' ? c : 'ERROR';
}

function originOf(note: string): string | undefined {
  try {
    return parseCheckpoint(parseNote(note).text).origin;
  } catch {
    return undefined;
  }
}

/** A shard's checkpoint and where its tiles are, or an error event when the shard cannot be read. */
async function locate(
  opts: LogMonitorOptions,
  s: PublishedShard,
  prev: MonitorState | undefined,
): Promise<{ tilesUrl: string; checkpoint?: string } | { error: Omit<MonitorEvent, 'event'> }> {
  const prefix = shardTilesUrl(opts.tilesUrl, s.treeId);
  let raw: Uint8Array | undefined;
  try {
    raw = await httpTileSource(prefix, opts.fetch ? { fetch: opts.fetch } : {}).get('checkpoint');
  } catch (e) {
    return { error: { reason: 'log unreachable', code: errorCode(e), message: (e as Error).message } };
  }
  if (raw !== undefined) return { tilesUrl: prefix, checkpoint: new TextDecoder().decode(raw) };
  if (s.active) return { tilesUrl: opts.tilesUrl };
  // A shard verified frozen is only compared (the round reports any change); else it must be caught up.
  if (prev?.frozen !== true && (prev?.size ?? 0) < s.treeSize) {
    return {
      error: {
        reason: `the log serves no tiles for frozen shard ${s.treeId} (${prefix}/), which this monitor has not verified up to its final size`,
        code: 'SHARD_TILES_NOT_SERVED',
      },
    };
  }
  return { tilesUrl: prefix, checkpoint: s.signedTreeHead };
}

/**
 * A state file from before shards (one tree's state) is the state of the listed shard with its
 * origin: copied to that shard's state file. Undefined when done (or nothing to do), else the
 * failure: no listed shard has that origin.
 */
async function migrateLegacy(
  statePath: string,
  legacy: MonitorState,
  list: ShardList,
): Promise<MonitorEvent | undefined> {
  const owner = list.shards.find((s) => originOf(s.signedTreeHead) === legacy.origin);
  if (!owner) {
    const active = list.shards.at(-1);
    return {
      event: 'failure',
      reason: 'checkpoint origin changed',
      code: 'ORIGIN_MISMATCH',
      evidence: { previousCheckpoint: legacy.checkpoint, checkpoint: active?.signedTreeHead },
    };
  }
  const path = shardStatePath(statePath, owner.treeId);
  if ((await readState(path)) === undefined) await writeState(path, legacy);
  return undefined;
}

/** One monitoring round over every shard of the log. Never throws for log misbehaviour. */
export async function monitorLog(opts: LogMonitorOptions): Promise<RoundResult> {
  const { emit, statePath } = opts;
  const listUrl = `${opts.baseUrl.replace(/\/+$/, '')}/api/v1/log`;
  let list: ShardList;
  try {
    list = parseShardList(await requestJson(listUrl), listUrl);
  } catch (e) {
    if (errorCode(e) === 'NOT_FOUND') return monitorRound(opts);
    const failed = (e as { exit?: number }).exit === 1 && errorCode(e) === 'LOG_ANSWER_INVALID';
    emit({
      event: failed ? 'failure' : 'error',
      reason: failed ? 'the published list of shards is malformed' : 'log unreachable',
      code: errorCode(e),
      message: (e as Error).message,
    });
    return { exit: failed ? 1 : 2, matches: 0 };
  }

  let known: string[] = [];
  if (statePath) {
    try {
      const index = await readShardIndex(statePath);
      if (index.kind === 'legacy') {
        const failure = await migrateLegacy(statePath, index.state, list);
        if (failure) {
          emit(failure);
          return { exit: 1, matches: 0 };
        }
      } else known = index.shards;
    } catch (e) {
      emit({
        event: 'error',
        reason: 'state file unreadable',
        code: errorCode(e),
        message: (e as Error).message,
      });
      return { exit: 2, matches: 0 };
    }
  }

  let exit = 0 as RoundResult['exit'];
  let matches = 0;
  const worst = (x: RoundResult['exit']) => {
    if (SEVERITY[x] > SEVERITY[exit]) exit = x;
  };
  const listed = new Set(list.shards.map((s) => s.treeId));
  for (const treeId of known.filter((t) => !listed.has(t))) {
    const prev = statePath
      ? await readState(shardStatePath(statePath, treeId)).catch(() => undefined)
      : undefined;
    emit({
      event: 'failure',
      reason: `shard ${treeId}, followed by this monitor, is no longer in the log's list of shards`,
      code: 'SHARD_VANISHED',
      treeId,
      evidence: { previousCheckpoint: prev?.checkpoint },
    });
    worst(1);
  }

  for (const s of list.shards) {
    const shardEmit: MonitorOptions['emit'] = (e) => emit({ ...e, treeId: e.treeId ?? s.treeId });
    const path = statePath ? shardStatePath(statePath, s.treeId) : undefined;
    let prev: MonitorState | undefined;
    try {
      prev = await readState(path);
    } catch (e) {
      shardEmit({
        event: 'error',
        reason: 'state file unreadable',
        code: errorCode(e),
        message: (e as Error).message,
      });
      worst(2);
      continue;
    }
    shardEmit({
      event: 'shard',
      active: s.active,
      offset: s.offset,
      size: s.treeSize,
      ...(statePath && !known.includes(s.treeId) ? { new: true } : {}),
    });
    if (s.active && prev?.frozen === true) {
      shardEmit({
        event: 'failure',
        reason: `frozen shard ${s.treeId} is listed as the active shard again`,
        code: 'FROZEN_SHARD_CHANGED',
        evidence: { previousCheckpoint: prev.checkpoint, checkpoint: s.signedTreeHead },
      });
      worst(1);
      continue;
    }
    const where = await locate(opts, s, prev);
    if ('error' in where) {
      shardEmit({ ...where.error, event: 'error' });
      worst(2);
      continue;
    }
    const r = await monitorRound({
      ...opts,
      tilesUrl: where.tilesUrl,
      ...(where.checkpoint !== undefined ? { checkpoint: where.checkpoint } : {}),
      ...(path ? { statePath: path } : {}),
      emit: shardEmit,
      shard: {
        treeId: s.treeId,
        offset: s.offset,
        ...(s.active
          ? {}
          : { final: { size: s.treeSize, rootHash: hexDecode(s.rootHash), checkpoint: s.signedTreeHead } }),
      },
    });
    matches += r.matches;
    worst(r.exit);
  }

  if (statePath && exit !== 1) {
    try {
      await writeShardIndex(statePath, [...new Set([...known, ...listed])]);
    } catch (e) {
      emit({
        event: 'error',
        reason: 'state file unwritable',
        code: errorCode(e),
        message: (e as Error).message,
      });
      worst(2);
    }
  }
  const size = list.shards.reduce((n, s) => n + s.treeSize, 0);
  return { exit, matches, size };
}
