/**
 * The log side of C2SP tlog-witness: push every new checkpoint of every shard to the configured
 * witnesses (`POST <witness>/add-checkpoint` with a consistency proof from the size each witness last
 * cosigned for that shard), verify the cosignatures they return (C2SP tlog-cosignature, with each
 * witness's verifier key) and keep them, so the log serves each shard's checkpoint with them.
 *
 * Each shard is a log of its own for witnesses (its own origin): the pusher follows the active shard
 * (after a rotation, the new one) and keeps offering a frozen shard's final checkpoint until every
 * witness has cosigned it, then leaves that shard alone.
 *
 * Appends never wait for witnesses: pushing runs in the background, polls the shards' states, and
 * each (shard, witness) pair is handled independently with a timeout, so a witness that is down or
 * slow delays only its own cosignature. A 409 answer tells the witness's recorded size, which becomes
 * the next `old` size. State (witness sizes and cosignatures, per tree id, through the storage port)
 * is in the log's storage, so several frontends share it; their pushes may race, which witnesses
 * resolve (409) and the next round repairs.
 */
import { base64Encode } from '@scriba/sdk';
import { formatSignatureLine, verifyNote } from '@scriba/sdk/note';
import { buildConsistencyProof } from '@scriba/sdk/tiles';
import { parseWitnesses, type WitnessEndpoint } from '../config.js';
import type { TreeHandle } from './sequencer.js';
import { tileGetter } from './tileStore.js';

/** SCRIBA_WITNESSES is parsed (and validated) by the configuration module. */
export { parseWitnesses, type WitnessEndpoint };

export type LatestCheckpoint = { size: number; rootHash: Uint8Array; note: string };

/** One shard as the pusher sees it. */
export type PushShard = {
  /** The shard's tree; its witness state is kept in its storage under its tree id. */
  tree: TreeHandle;
  /** True once the shard is frozen: `latest` is its final checkpoint. */
  frozen: boolean;
  /** The shard's latest checkpoint as witnesses must see it (signed with the log's Ed25519 key). */
  latest: () => Promise<LatestCheckpoint>;
};

export type WitnessPushOptions = {
  witnesses: WitnessEndpoint[];
  /** The log's shards (frozen ones and the active one), read again every round. */
  shards: () => Promise<PushShard[]>;
  /** Poll period (ms), default 1000. */
  intervalMs?: number;
  /** Per-request timeout (ms), default 5000. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  onError?: (witness: string, error: string) => void;
};

export type PushResult = { url: string; treeId: string; status: number | 'error'; size?: number };

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class WitnessPusher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  /** Aborts in-flight witness requests on stop (a hanging witness must not delay shutdown). */
  private abort = new AbortController();
  /** (tree id, witness URL) pairs with a push in flight. */
  private readonly busy = new Set<string>();
  /** Per (tree id, witness): the checkpoint it last refused or failed on, and when to offer it again. */
  private readonly backoff = new Map<string, { key: string; failures: number; nextAt: number }>();
  /** (tree id, witness) pairs done for good: the witness cosigned the frozen shard's final checkpoint. */
  private readonly settled = new Set<string>();

  constructor(private readonly opts: WitnessPushOptions) {}

  start(): void {
    if (this.opts.witnesses.length === 0 || this.timer) return;
    this.stopped = false;
    if (this.abort.signal.aborted) this.abort = new AbortController();
    const tick = () => {
      if (this.stopped) return;
      this.running = this.pushOnce()
        .catch(() => undefined)
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.opts.intervalMs ?? 1000);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * One round: push each shard's latest checkpoint to every witness that has not cosigned it (a
   * frozen shard's only to the witnesses that have not cosigned its final checkpoint yet). Results
   * come in shard order, then witness order.
   */
  async pushOnce(): Promise<PushResult[]> {
    const shards = await this.opts.shards();
    const perShard = await Promise.all(shards.map((s) => this.pushShard(s)));
    return perShard.flat();
  }

  private async pushShard(shard: PushShard): Promise<PushResult[]> {
    const treeId = shard.tree.treeId;
    const pending = this.opts.witnesses.filter((w) => !this.settled.has(`${treeId} ${w.url}`));
    if (pending.length === 0) return [];
    const latest = await shard.latest();
    const key = `${latest.size}:${base64Encode(latest.rootHash)}`;
    const now = Date.now();
    const due = pending.filter((w) => {
      const pair = `${treeId} ${w.url}`;
      if (this.busy.has(pair)) return false;
      const b = this.backoff.get(pair);
      return !b || b.key !== key || now >= b.nextAt;
    });
    return Promise.all(
      due.map(async (w) => {
        const pair = `${treeId} ${w.url}`;
        const r = await this.pushTo(shard.tree, w, latest);
        if (r.status === 200) {
          this.backoff.delete(pair);
          if (shard.frozen) this.settled.add(pair);
        } else {
          // A down or refusing witness is retried with exponential backoff (capped at a minute),
          // immediately when the shard has a new checkpoint.
          const prev = this.backoff.get(pair);
          const failures = prev && prev.key === key ? prev.failures + 1 : 1;
          const delay = Math.min(60_000, (this.opts.intervalMs ?? 1000) * 2 ** Math.min(failures, 16));
          this.backoff.set(pair, { key, failures, nextAt: Date.now() + delay });
        }
        return r;
      }),
    );
  }

  private async setError(tree: TreeHandle, url: string, error: string): Promise<void> {
    this.opts.onError?.(url, error);
    await tree.storage.setWitnessError(tree.treeId, url, error);
  }

  private async pushTo(
    tree: TreeHandle,
    w: WitnessEndpoint,
    latest: LatestCheckpoint,
    retry = true,
  ): Promise<PushResult> {
    const pair = `${tree.treeId} ${w.url}`;
    const result = (status: number | 'error', size?: number): PushResult => ({
      url: w.url,
      treeId: tree.treeId,
      status,
      ...(size === undefined ? {} : { size }),
    });
    this.busy.add(pair);
    try {
      const old = await tree.storage.witnessSize(tree.treeId, w.url);
      if (old === latest.size && (await this.hasCosignature(tree, w, latest))) return result(200, old);
      if (old > latest.size) {
        // The witness saw a larger tree than this frontend's latest (another frontend pushed): wait.
        return result(409, old);
      }
      const proof =
        old === 0 || old === latest.size
          ? []
          : await buildConsistencyProof(old, latest.size, tileGetter(tree));
      const body = `old ${old}\n${proof.map((h) => `${base64Encode(h)}\n`).join('')}\n${latest.note}`;
      let res: Response;
      try {
        res = await (this.opts.fetch ?? fetch)(`${w.url}/add-checkpoint`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          body,
          signal: AbortSignal.any([AbortSignal.timeout(this.opts.timeoutMs ?? 5000), this.abort.signal]),
        });
      } catch (e) {
        await this.setError(tree, w.url, `unreachable: ${(e as Error).message}`);
        return result('error');
      }
      const text = await res.text().catch(() => '');
      if (res.status === 200) {
        let lines: string[];
        try {
          const { verified } = await verifyNote(latest.note + text, [w.verifier]);
          lines = verified.map(formatSignatureLine);
        } catch {
          await this.setError(tree, w.url, 'cosignature does not verify with the configured witness key');
          return result('error');
        }
        await tree.storage.addCosignatures(
          tree.treeId,
          w.url,
          latest,
          { name: w.verifier.name, keyHash: w.verifier.keyHash },
          lines,
        );
        return result(200, latest.size);
      }
      if (res.status === 409 && /^(0|[1-9][0-9]*)\n$/.test(text)) {
        const theirs = Number(text.trim());
        await tree.storage.setWitnessStatus(
          tree.treeId,
          w.url,
          theirs,
          `HTTP 409: the witness is at size ${theirs}`,
        );
        if (retry && theirs < latest.size) return this.pushTo(tree, w, latest, false);
        return result(409, theirs);
      }
      await this.setError(tree, w.url, `HTTP ${res.status}: ${text.slice(0, 200)}`);
      return result(res.status);
    } finally {
      this.busy.delete(pair);
    }
  }

  private async hasCosignature(
    tree: TreeHandle,
    w: WitnessEndpoint,
    latest: LatestCheckpoint,
  ): Promise<boolean> {
    const rows = await tree.storage.cosignatures(tree.treeId, latest.size);
    return rows.some(
      (r) =>
        r.witness === w.verifier.name &&
        r.keyHash === w.verifier.keyHash &&
        equal(r.rootHash, latest.rootHash),
    );
  }
}

/** The cosignature lines kept for the checkpoint (size, root), oldest witness first. */
export async function cosignatureLines(
  tree: TreeHandle,
  size: number,
  rootHash: Uint8Array,
): Promise<string[]> {
  const rows = await tree.storage.cosignatures(tree.treeId, size);
  return rows.filter((r) => equal(r.rootHash, rootHash)).map((r) => r.line);
}
