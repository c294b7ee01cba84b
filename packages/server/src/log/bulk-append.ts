/**
 * Bulk append: many validated entries into a tree through the sequencer's own batch path
 * (sequencer.ts `appendBatch`: tree lock, duplicate check, C2SP tlog-tiles integration by the SDK,
 * one signed checkpoint and one storage write per batch, answer after commit), in batches far larger
 * than live traffic forms. For the same entries in the same order the entries, search keys, tiles,
 * tree state and latest checkpoint are what `POST /api/v1/log/entries` writes; batch boundaries only
 * decide at which sizes a checkpoint is also kept. For loading a log (tools, benchmarks), not for
 * serving: callers are not queued behind live appends, they take the tree lock batch by batch.
 */
import type { ValidatedEntry } from '../entries/index.js';
import type { CheckpointSigner } from './checkpoint.js';
import { appendBatch, type EdgeCache, type TreeHandle } from './sequencer.js';

/** The largest batch: the live sequencer's ceiling (SCRIBA_BATCH_MAX_SIZE), one statement's arrays. */
export const BULK_MAX_BATCH = 8192;

export type BulkAppendResult = { appended: number; duplicates: number; treeSize: number; batches: number };

/**
 * Appends `entries` (in order) to `tree`, `batchSize` per transaction. Duplicates (already in the
 * log, or repeated) are refused as on the HTTP path and counted. Resolves after the last commit.
 */
export async function bulkAppend(
  tree: TreeHandle,
  signer: CheckpointSigner,
  entries: Iterable<ValidatedEntry> | AsyncIterable<ValidatedEntry>,
  opts: { batchSize?: number; onBatch?: (r: BulkAppendResult) => void } = {},
): Promise<BulkAppendResult> {
  const batchSize = opts.batchSize ?? 4096;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > BULK_MAX_BATCH)
    throw new RangeError(`batchSize must be 1..${BULK_MAX_BATCH}`);
  const edge: { current: EdgeCache } = { current: undefined };
  const r: BulkAppendResult = { appended: 0, duplicates: 0, treeSize: 0, batches: 0 };
  let batch: ValidatedEntry[] = [];
  const flush = async () => {
    const outcomes = await appendBatch(tree, signer, batch, undefined, undefined, edge);
    batch = [];
    r.batches++;
    for (const o of outcomes) {
      if (o.kind === 'created') {
        r.appended++;
        r.treeSize = Math.max(r.treeSize, o.committed.treeSize);
      } else {
        r.duplicates++;
      }
    }
    if (edge.current) r.treeSize = Math.max(r.treeSize, edge.current.size);
    opts.onBatch?.({ ...r });
  };
  for await (const e of entries) {
    batch.push(e);
    if (batch.length >= batchSize) await flush();
  }
  if (batch.length > 0) await flush();
  if (r.batches === 0) r.treeSize = (await tree.storage.tree(tree.treeId)).treeSize;
  return r;
}
