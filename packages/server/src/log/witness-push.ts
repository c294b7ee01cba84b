/**
 * The log side of C2SP tlog-witness: push every new checkpoint to the configured witnesses
 * (`POST <witness>/add-checkpoint` with a consistency proof from the size each witness last
 * cosigned), verify the cosignatures they return (C2SP tlog-cosignature, with each witness's verifier
 * key) and keep them, so the log serves its checkpoint with them (`cosignedCheckpoint`).
 *
 * Appends never wait for witnesses: pushing runs in the background, polls the tree state, and each
 * witness is handled independently with a timeout, so a witness that is down or slow delays only its
 * own cosignature. A 409 answer tells the witness's recorded size, which becomes the next `old` size.
 * State (witness sizes and cosignatures, through the storage port) is in the log's storage, so several frontends
 * share it; their pushes may race, which witnesses resolve (409) and the next round repairs.
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

export type WitnessPushOptions = {
  /** The tree whose checkpoints are pushed; witness state is kept in its storage. */
  tree: TreeHandle;
  witnesses: WitnessEndpoint[];
  /** The latest checkpoint as witnesses must see it (signed with the log's Ed25519 key). */
  latest: () => Promise<LatestCheckpoint>;
  /** Poll period (ms), default 1000. */
  intervalMs?: number;
  /** Per-request timeout (ms), default 5000. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  onError?: (witness: string, error: string) => void;
};

export type PushResult = { url: string; status: number | 'error'; size?: number };

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class WitnessPusher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  /** Aborts in-flight witness requests on stop (a hanging witness must not delay shutdown). */
  private abort = new AbortController();
  private readonly busy = new Set<string>();
  /** Per witness: the checkpoint it last refused or failed on, and when to offer it again. */
  private readonly backoff = new Map<string, { key: string; failures: number; nextAt: number }>();

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

  /** One round: push the latest checkpoint to every witness that has not cosigned it. */
  async pushOnce(): Promise<PushResult[]> {
    const latest = await this.opts.latest();
    const key = `${latest.size}:${base64Encode(latest.rootHash)}`;
    const now = Date.now();
    const due = this.opts.witnesses.filter((w) => {
      if (this.busy.has(w.url)) return false;
      const b = this.backoff.get(w.url);
      return !b || b.key !== key || now >= b.nextAt;
    });
    return Promise.all(
      due.map(async (w) => {
        const r = await this.pushTo(w, latest);
        if (r.status === 200) this.backoff.delete(w.url);
        else {
          // A down or refusing witness is retried with exponential backoff (capped at a minute),
          // immediately when the log has a new checkpoint.
          const prev = this.backoff.get(w.url);
          const failures = prev && prev.key === key ? prev.failures + 1 : 1;
          const delay = Math.min(60_000, (this.opts.intervalMs ?? 1000) * 2 ** Math.min(failures, 16));
          this.backoff.set(w.url, { key, failures, nextAt: Date.now() + delay });
        }
        return r;
      }),
    );
  }

  private status(url: string): Promise<number> {
    return this.opts.tree.storage.witnessSize(this.opts.tree.treeId, url);
  }

  private setStatus(url: string, size: number, error: string | null): Promise<void> {
    return this.opts.tree.storage.setWitnessStatus(this.opts.tree.treeId, url, size, error);
  }

  private async setError(url: string, error: string): Promise<void> {
    this.opts.onError?.(url, error);
    await this.opts.tree.storage.setWitnessError(this.opts.tree.treeId, url, error);
  }

  private async pushTo(w: WitnessEndpoint, latest: LatestCheckpoint, retry = true): Promise<PushResult> {
    this.busy.add(w.url);
    try {
      const old = await this.status(w.url);
      if (old === latest.size && (await this.hasCosignature(w, latest)))
        return { url: w.url, status: 200, size: old };
      if (old > latest.size) {
        // The witness saw a larger tree than this frontend's latest (another frontend pushed): wait.
        return { url: w.url, status: 409, size: old };
      }
      const proof =
        old === 0 || old === latest.size
          ? []
          : await buildConsistencyProof(old, latest.size, tileGetter(this.opts.tree));
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
        await this.setError(w.url, `unreachable: ${(e as Error).message}`);
        return { url: w.url, status: 'error' };
      }
      const text = await res.text().catch(() => '');
      if (res.status === 200) {
        let lines: string[];
        try {
          const { verified } = await verifyNote(latest.note + text, [w.verifier]);
          lines = verified.map(formatSignatureLine);
        } catch {
          await this.setError(w.url, 'cosignature does not verify with the configured witness key');
          return { url: w.url, status: 'error' };
        }
        await this.opts.tree.storage.addCosignatures(
          this.opts.tree.treeId,
          w.url,
          latest,
          { name: w.verifier.name, keyHash: w.verifier.keyHash },
          lines,
        );
        return { url: w.url, status: 200, size: latest.size };
      }
      if (res.status === 409 && /^(0|[1-9][0-9]*)\n$/.test(text)) {
        const theirs = Number(text.trim());
        await this.setStatus(w.url, theirs, `HTTP 409: the witness is at size ${theirs}`);
        if (retry && theirs < latest.size) return this.pushTo(w, latest, false);
        return { url: w.url, status: 409, size: theirs };
      }
      await this.setError(w.url, `HTTP ${res.status}: ${text.slice(0, 200)}`);
      return { url: w.url, status: res.status };
    } finally {
      this.busy.delete(w.url);
    }
  }

  private async hasCosignature(w: WitnessEndpoint, latest: LatestCheckpoint): Promise<boolean> {
    const rows = await this.opts.tree.storage.cosignatures(this.opts.tree.treeId, latest.size);
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
