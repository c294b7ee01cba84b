/**
 * Prometheus text exposition (format 0.0.4) of the log's own counters: entries appended, batch sizes,
 * append latency, tree size. Kept dependency-free; domain code records, /metrics renders.
 */

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) this.counts[i]!++;
  }
  render(name: string, help: string): string {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    this.buckets.forEach((b, i) => {
      lines.push(`${name}_bucket{le="${b}"} ${this.counts[i]}`);
    });
    lines.push(
      `${name}_bucket{le="+Inf"} ${this.count}`,
      `${name}_sum ${this.sum}`,
      `${name}_count ${this.count}`,
    );
    return lines.join('\n');
  }
}

export class Metrics {
  entriesAppended = 0;
  duplicatesRejected = 0;
  batchesCommitted = 0;
  batchFailures = 0;
  /** Appends refused because the append queue was full (503). */
  appendsRefused = 0;
  /** Batches re-run on the new active shard after a rotation (issue 11). */
  batchesRetargeted = 0;
  /** Rotations this process made (policy). */
  shardRotations = 0;
  /** Batches planned ahead of the tree lock and committed so (one round trip). */
  batchesPlannedAhead = 0;
  /** Batches planned ahead whose prediction did not hold (nothing written; planned again under the lock). */
  batchesPlanMissed = 0;
  /** Reads answered by the read lane (routes/read-lane.ts) rather than by Fastify's routes. */
  readLaneAnswers = 0;
  /** Size of the active shard as this process last committed it. */
  treeSize = 0;
  /** Appends accepted and not yet answered (set by the app). */
  queueLength: () => number = () => 0;
  readonly batchSize = new Histogram([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192]);
  readonly appendLatency = new Histogram([
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
  ]);
  readonly batchDuration = new Histogram([
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
  ]);

  render(): string {
    const counter = (name: string, help: string, v: number): string =>
      `# HELP ${name} ${help}\n# TYPE ${name} counter\n${name} ${v}`;
    return `${[
      counter(
        'scriba_entries_appended_total',
        'Entries appended to the log by this process.',
        this.entriesAppended,
      ),
      counter(
        'scriba_duplicates_rejected_total',
        'Proposed entries rejected as duplicates.',
        this.duplicatesRejected,
      ),
      counter(
        'scriba_batches_committed_total',
        'Append batches committed by this process.',
        this.batchesCommitted,
      ),
      counter(
        'scriba_batch_failures_total',
        'Append batches that failed and were rolled back.',
        this.batchFailures,
      ),
      counter(
        'scriba_appends_refused_total',
        'Appends refused with 503 because the append queue was full.',
        this.appendsRefused,
      ),
      counter(
        'scriba_batches_retargeted_total',
        'Append batches re-run on the new active shard after a rotation.',
        this.batchesRetargeted,
      ),
      counter('scriba_shard_rotations_total', 'Shard rotations made by this process.', this.shardRotations),
      counter(
        'scriba_batches_planned_ahead_total',
        'Append batches planned before the tree lock and committed in one round trip.',
        this.batchesPlannedAhead,
      ),
      counter(
        'scriba_batches_plan_missed_total',
        'Append batches planned before the tree lock whose prediction did not hold (planned again under the lock).',
        this.batchesPlanMissed,
      ),
      counter(
        'scriba_read_lane_answers_total',
        'Entry and consistency-proof reads answered by the read lane, ahead of the router.',
        this.readLaneAnswers,
      ),
      `# HELP scriba_append_queue_length Appends accepted and not yet answered (validating, queued or being written).\n# TYPE scriba_append_queue_length gauge\nscriba_append_queue_length ${this.queueLength()}`,
      `# HELP scriba_tree_size Size of the active shard after this process's latest batch.\n# TYPE scriba_tree_size gauge\nscriba_tree_size ${this.treeSize}`,
      this.batchSize.render('scriba_batch_size', 'Entries per committed batch.'),
      this.appendLatency.render(
        'scriba_append_latency_seconds',
        'From accepting a validated entry to its durable commit.',
      ),
      this.batchDuration.render('scriba_batch_duration_seconds', 'Duration of one append transaction.'),
    ].join('\n')}\n`;
  }
}
