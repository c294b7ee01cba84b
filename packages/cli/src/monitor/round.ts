/**
 * The monitor's round job. One round: fetch the checkpoint and verify its signature with the log
 * keys of the trusted root (and the required witnesses' cosignatures) → prove consistency with the
 * last checkpoint this monitor verified (a proof built from the new tree's tiles) → stream the new
 * entries, hash them onto the compact range kept from the previous round and require the result to
 * be the new checkpoint's root (so every entry is in the tree, in order) → report matches → only
 * then write the state file.
 *
 * One round follows one tree. For a log of several shards (log-round.ts) it is told which shard:
 * a shard the log lists as frozen MUST serve exactly its published final checkpoint, and once this
 * monitor verified a frozen shard at its final size (the state says `frozen`), the shard MUST NOT
 * change again — any other size or root is a failure (FROZEN_SHARD_CHANGED) with both checkpoints.
 */
import { availableParallelism } from 'node:os';
import { base64Decode, base64Encode, bytesEqual, isScribaError } from '@scriba/sdk';
import { parseTrustedRoot } from '@scriba/sdk/bundle';
import { parsePublicKey } from '@scriba/sdk/crypto';
import { parseEntryBody, type RekorBody, treeIdOfOrigin } from '@scriba/sdk/entries';
import { CompactRange, verifyConsistency } from '@scriba/sdk/merkle';
import {
  type NoteVerifier,
  noteVerifierFromPublicKey,
  parseNote,
  parseVerifierKey,
  verifyNote,
} from '@scriba/sdk/note';
import { type FetchLike, TileClient, type VerifiedCheckpoint } from '@scriba/sdk/tiles/client';
import type { WitnessPolicy } from '@scriba/sdk/verify';
import { causeOf, normalizeLogUrl } from '../http.js';
import { HASH_WORKER_FAILED, inlineHasher, type LeafHasher, workerHasher } from './leaf-hasher.js';
import { isWatching, matchEntry, type Watch } from './matching.js';
import type { MonitorEvent } from './output.js';
import { type MonitorState, readState, writeState } from './state.js';

/** The shard a round follows, when the log has several (log-round.ts). */
export type ShardContext = {
  treeId: string;
  /** Global index of the shard's first entry: match events carry `logIndex` = offset + index. */
  offset: number;
  /** The log lists the shard as frozen with this final checkpoint. */
  final?: { size: number; rootHash: Uint8Array; checkpoint: string };
};

export type MonitorOptions = {
  /** tlog-tiles prefix, e.g. http://host:3000/api/v2 */
  tilesUrl: string;
  verifiers: (checkpointText: string) => Promise<NoteVerifier[]>;
  /** The checkpoint, already fetched (else read from `<tilesUrl>/checkpoint`). */
  checkpoint?: string;
  shard?: ShardContext;
  /** Witnesses of which `threshold` MUST have cosigned each checkpoint. */
  witnesses?: WitnessPolicy;
  statePath?: string;
  watch: Watch;
  emit: (e: MonitorEvent) => void;
  fetch?: FetchLike;
  /** Minimum milliseconds between progress events (default 1000). */
  progressEveryMs?: number;
  /**
   * Hash the entries on a worker thread (./leaf-hasher.ts) while the next ones are fetched. Default
   * 'auto': on a worker when the catch-up is long (HASH_WORKER_MIN_ENTRIES) and the host has a second
   * core to run it (on a quiet two-core machine that took catch-up from 0.75x to 1.06x the one-core
   * leaf-hash rate; with no core to spare it only adds the hand-over's CPU, hence the core check).
   */
  hashWorker?: boolean | 'auto';
};

/** Entries a catch-up must span before 'auto' hashes on a worker (its start and hand-over pay off). */
export const HASH_WORKER_MIN_ENTRIES = 65_536;

/** Whether a round hashes `total` new entries on a worker thread, for the option and host cores. */
export function useHashWorker(option: boolean | 'auto', total: number, cores: number): boolean {
  if (total <= 0 || option === false) return false;
  return option === true || (cores >= 2 && total >= HASH_WORKER_MIN_ENTRIES);
}

/** Round outcome: exit code plus the number of matches. */
export type RoundResult = { exit: 0 | 1 | 2 | 3; matches: number; size?: number };

/** The error's message with its root cause (`GET URL failed: connect ECONNREFUSED ...`). */
function withCause(e: unknown): string {
  const m = (e as Error)?.message ?? String(e);
  const c = causeOf(e);
  return c && c !== m ? `${m}: ${c}` : m;
}

function errorCode(e: unknown): string {
  if (isScribaError(e)) return e.code;
  const c = (e as { code?: unknown })?.code;
  return typeof c === 'string' ? c : 'ERROR';
}

/** A state file the round cannot use: an error event, exit code 2. */
function stateError(emit: MonitorOptions['emit'], reason: string, e: unknown): RoundResult {
  emit({ event: 'error', reason, code: errorCode(e), message: (e as Error).message });
  return { exit: 2, matches: 0 };
}

/** Names of the required witnesses whose cosignature on `text` verifies. */
async function cosigners(text: string, w: WitnessPolicy): Promise<string[]> {
  try {
    const { verified } = await verifyNote(text, w.verifiers);
    return [...new Set(verified.map((s) => s.name))];
  } catch {
    return [];
  }
}

/**
 * One monitoring round. Never throws for log misbehaviour: failures are events and exit code 1;
 * network or input problems are exit code 2.
 */
export async function monitorRound(opts: MonitorOptions): Promise<RoundResult> {
  const { emit } = opts;
  const client = TileClient.http(opts.tilesUrl, opts.fetch ? { fetch: opts.fetch } : {});
  let prev: MonitorState | undefined;
  try {
    prev = await readState(opts.statePath);
  } catch (e) {
    return stateError(emit, 'state file unreadable', e);
  }

  // 1. The checkpoint and its signature.
  let text = opts.checkpoint;
  if (text === undefined) {
    let raw: Uint8Array | undefined;
    try {
      raw = await client.source.get('checkpoint');
    } catch (e) {
      emit({ event: 'error', reason: 'log unreachable', code: errorCode(e), message: withCause(e) });
      return { exit: 2, matches: 0 };
    }
    if (raw === undefined) {
      emit({ event: 'error', reason: 'log serves no checkpoint', code: 'TILE_NOT_FOUND' });
      return { exit: 2, matches: 0 };
    }
    text = new TextDecoder().decode(raw);
  }
  let verified: VerifiedCheckpoint;
  try {
    verified = await client.verifyCheckpointText(text, await opts.verifiers(text));
  } catch (e) {
    emit({
      event: 'failure',
      reason: 'checkpoint signature does not verify with the trusted log keys',
      code: errorCode(e),
      evidence: { checkpoint: text, previousCheckpoint: prev?.checkpoint },
    });
    return { exit: 1, matches: 0 };
  }
  const cp = verified.checkpoint;
  let witnessed: string[] | undefined;
  if (opts.witnesses) {
    witnessed = await cosigners(text, opts.witnesses);
    if (witnessed.length < opts.witnesses.threshold) {
      emit({
        event: 'failure',
        reason: `${witnessed.length} required witness cosignature(s) verified, ${opts.witnesses.threshold} required`,
        code: 'TLOG_CHECKPOINT_COSIGNATURES_MISSING',
        evidence: { checkpoint: text, previousCheckpoint: prev?.checkpoint },
      });
      return { exit: 1, matches: 0 };
    }
  }
  emit({
    event: 'checkpoint',
    origin: cp.origin,
    size: cp.size,
    rootHash: base64Encode(cp.rootHash),
    ...(witnessed ? { witnesses: witnessed } : {}),
  });
  const shardCheck = checkShard(opts.shard, prev, text, cp);
  if (shardCheck) {
    emit(shardCheck.event);
    return { exit: shardCheck.exit, matches: 0 };
  }

  // 2. Consistency with what we verified last time.
  let range = CompactRange.empty();
  if (prev) {
    const evidenceBase = {
      previousCheckpoint: prev.checkpoint,
      checkpoint: text,
      oldSize: prev.size,
      newSize: cp.size,
    };
    const prevRoot = base64Decode(prev.rootHash);
    if (prev.origin !== cp.origin) {
      emit({
        event: 'failure',
        reason: 'checkpoint origin changed',
        code: 'ORIGIN_MISMATCH',
        evidence: evidenceBase,
      });
      return { exit: 1, matches: 0 };
    }
    if (cp.size < prev.size) {
      emit({
        event: 'failure',
        reason: 'the log shrank (rollback)',
        code: 'TREE_SHRANK',
        evidence: evidenceBase,
      });
      return { exit: 1, matches: 0 };
    }
    if (cp.size === prev.size && !bytesEqual(prevRoot, cp.rootHash)) {
      emit({
        event: 'failure',
        reason: 'same tree size, different root hash (fork)',
        code: 'MERKLE_ROOT_MISMATCH',
        evidence: evidenceBase,
      });
      return { exit: 1, matches: 0 };
    }
    if (cp.size > prev.size && prev.size > 0) {
      let proof: Uint8Array[] = [];
      try {
        proof = await client.consistencyProof(prev.size, cp.size);
        verifyConsistency(prev.size, cp.size, proof, prevRoot, cp.rootHash);
      } catch (e) {
        if (errorCode(e) === 'TILE_FETCH_FAILED') {
          emit({
            event: 'error',
            reason: 'log unreachable',
            code: errorCode(e),
            message: withCause(e),
          });
          return { exit: 2, matches: 0 };
        }
        emit({
          event: 'failure',
          reason: 'the new checkpoint is not consistent with the previously verified one',
          code: errorCode(e),
          evidence: { ...evidenceBase, proof: proof.map(base64Encode) },
        });
        return { exit: 1, matches: 0 };
      }
      emit({ event: 'consistent', oldSize: prev.size, newSize: cp.size, proof: proof.map(base64Encode) });
    }
    try {
      range = CompactRange.fromHashes(prev.size, prev.range.map(base64Decode));
      if (!bytesEqual(range.root(), prevRoot)) throw new Error('state range does not match its root');
    } catch (e) {
      return stateError(emit, 'state file is corrupt', e);
    }
  }

  // 3. The new entries: each hashed onto the previous tree must give exactly the new root.
  const start = prev?.size ?? 0;
  const total = cp.size - start;
  const watching = isWatching(opts.watch);
  let matches = 0;
  const t0 = Date.now();
  // Rates are measured from the first entry received (not from the round's start, which includes
  // fetching the checkpoint and the first tiles) and, for progress, over the last interval only.
  let tFirst: number | undefined;
  let lastProgress = t0;
  let lastDone = 0;
  const every = opts.progressEveryMs ?? 1000;
  let hasher: LeafHasher = inlineHasher(range);
  if (useHashWorker(opts.hashWorker ?? 'auto', total, availableParallelism())) {
    try {
      hasher = workerHasher(range);
    } catch {
      // No worker threads here: hash on this thread.
    }
  }
  try {
    for await (const batch of client.entryBatches(start, cp.size, cp.size)) {
      if (tFirst === undefined) {
        tFirst = Date.now();
        lastProgress = tFirst;
      }
      // Every leaf hashed onto the range (no array per leaf), then matched when watching.
      await hasher.append(batch.entries);
      if (watching) {
        for (let k = 0; k < batch.entries.length; k++) {
          const index = batch.start + k;
          const data = batch.entries[k]!;
          let body: RekorBody | undefined;
          try {
            body = parseEntryBody(data);
          } catch {
            body = undefined; // not a Rekor body we know: nothing to match
          }
          const hits = body ? matchEntry(body, opts.watch) : [];
          if (hits.length > 0) {
            matches++;
            const where = opts.shard
              ? { treeId: opts.shard.treeId, logIndex: opts.shard.offset + index }
              : {};
            emit({
              event: 'match',
              index,
              ...where,
              kind: body!.kind,
              apiVersion: body!.apiVersion,
              matched: hits,
            });
          }
        }
      }
      // Progress once per entry bundle (at most 256 entries): a clock read per entry costs more.
      const now = Date.now();
      if (now - lastProgress >= every) {
        const done = batch.start + batch.entries.length - start;
        const entriesPerSecond = Math.round(((done - lastDone) * 1000) / (now - lastProgress));
        lastProgress = now;
        lastDone = done;
        emit({ event: 'progress', done, total, entriesPerSecond });
      }
    }
    range = await hasher.finish();
  } catch (e) {
    hasher.close();
    const code = errorCode(e);
    if (code === HASH_WORKER_FAILED) {
      emit({ event: 'error', reason: 'the monitor could not hash the entries', code, message: withCause(e) });
      return { exit: 2, matches };
    }
    if (code === 'TILE_FETCH_FAILED') {
      emit({ event: 'error', reason: 'log unreachable', code, message: withCause(e) });
      return { exit: 2, matches };
    }
    emit({
      event: 'failure',
      reason: 'entries could not be read as the checkpoint requires',
      code,
      evidence: { previousCheckpoint: prev?.checkpoint, checkpoint: text },
    });
    return { exit: 1, matches };
  }
  const root = range.root();
  if (!bytesEqual(root, cp.rootHash)) {
    emit({
      event: 'failure',
      reason: 'the entries served do not hash into the checkpoint root',
      code: 'MERKLE_ROOT_MISMATCH',
      evidence: {
        previousCheckpoint: prev?.checkpoint,
        checkpoint: text,
        computedRoot: base64Encode(root),
        fromSize: start,
        toSize: cp.size,
      },
    });
    return { exit: 1, matches };
  }
  const end = Date.now();
  const elapsed = end - t0;
  const streamed = tFirst === undefined ? 0 : end - tFirst;
  emit({
    event: 'verified',
    size: cp.size,
    newEntries: total,
    seconds: elapsed / 1000,
    // No figure when there is nothing to measure (no entries, or all in one instant).
    ...(total > 1 && streamed > 0 ? { entriesPerSecond: Math.round(((total - 1) * 1000) / streamed) } : {}),
  });

  // 4. Everything passed: persist.
  if (opts.statePath) {
    await writeState(opts.statePath, {
      origin: cp.origin,
      size: cp.size,
      rootHash: base64Encode(cp.rootHash),
      checkpoint: text,
      range: range.hashes().map(base64Encode),
      ...(opts.shard?.final ? { frozen: true } : {}),
    });
  }
  return { exit: matches > 0 ? 3 : 0, matches, size: cp.size };
}

/**
 * The shard checks, after the checkpoint's signature and before consistency: an event (and exit
 * code) when the checkpoint is not the shard's, undefined when it may go on.
 *  - a shard this monitor verified frozen MUST NOT change: same size, same root;
 *  - a frozen shard MUST serve its published final checkpoint (same size and root);
 *  - an active shard's checkpoint whose origin names another tree (`<name> - <treeID>`) is the next
 *    shard's: the log rotated while this round ran (error, exit 2: the next round reads the list).
 */
function checkShard(
  shard: ShardContext | undefined,
  prev: MonitorState | undefined,
  text: string,
  cp: { origin: string; size: number; rootHash: Uint8Array },
): { event: MonitorEvent; exit: 1 | 2 } | undefined {
  if (!shard) return undefined;
  const changed = (reason: string, evidence: Record<string, unknown>) => ({
    exit: 1 as const,
    event: {
      event: 'failure',
      reason,
      code: 'FROZEN_SHARD_CHANGED',
      treeId: shard.treeId,
      evidence: { ...evidence, oldSize: prev?.size, newSize: cp.size },
    },
  });
  if (prev?.frozen === true && (prev.size !== cp.size || prev.rootHash !== base64Encode(cp.rootHash))) {
    return changed(
      prev.size === cp.size
        ? `frozen shard ${shard.treeId} changed: another root at its final size ${cp.size}`
        : `frozen shard ${shard.treeId} changed: its final size was ${prev.size}, it now has ${cp.size}`,
      { previousCheckpoint: prev.checkpoint, checkpoint: text },
    );
  }
  const final = shard.final;
  if (final && (final.size !== cp.size || !bytesEqual(final.rootHash, cp.rootHash))) {
    return changed(`frozen shard ${shard.treeId} serves a checkpoint other than its published final one`, {
      publishedCheckpoint: final.checkpoint,
      previousCheckpoint: prev?.checkpoint,
      checkpoint: text,
    });
  }
  const named = treeIdOfOrigin(cp.origin);
  if (named !== undefined && named !== shard.treeId) {
    return {
      exit: 2,
      event: {
        event: 'error',
        reason: `the checkpoint is tree ${named}'s, not shard ${shard.treeId}'s (the log rotated during the round)`,
        code: 'SHARD_ROTATED',
      },
    };
  }
  return undefined;
}

/**
 * Note verifiers for a checkpoint from a trusted root: every tlog key (those whose baseUrl matches
 * `url` when any does), under every signature name the note carries (the key hash still has to
 * match), plus explicit `vkeys`.
 */
export function trustedRootVerifiers(
  trustedRootJson: string,
  url: string,
  vkeys: string[],
): (text: string) => Promise<NoteVerifier[]> {
  const root = parseTrustedRoot(trustedRootJson);
  const matching = root.tlogs.filter((t) => normalizeLogUrl(t.baseUrl) === normalizeLogUrl(url));
  const logs = matching.length > 0 ? matching : root.tlogs;
  const keys = logs.flatMap((t) => {
    try {
      return [parsePublicKey(t.publicKey)];
    } catch {
      return [];
    }
  });
  return async (text: string) => {
    const names = new Set<string>();
    try {
      for (const s of parseNote(text).signatures) names.add(s.name);
    } catch {
      // verification will report the malformed note
    }
    const out: NoteVerifier[] = [];
    for (const name of names) for (const k of keys) out.push(await noteVerifierFromPublicKey(name, k));
    for (const v of vkeys) out.push(await parseVerifierKey(v));
    return out;
  };
}
