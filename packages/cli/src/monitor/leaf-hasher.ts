/**
 * Where a monitor round hashes the entries it catches up on (RFC 6962 §2.1 leaf hashes folded into
 * a compact range, @scriba/sdk/merkle `CompactRange.appendLeaves`): on the round's own thread, or
 * (`MonitorOptions.hashWorker`: by default for a long catch-up on a host with a second core) on a
 * worker thread (./hash-worker.ts), so
 * that fetching and decoding the next entry bundles (HTTP, the main thread) runs beside hashing the
 * previous ones on another core.
 *
 * Both give the same range: the worker receives every entry bundle in order (re-encoded, its buffer
 * transferred) and appends it to a range seeded with the caller's; the caller gets that range back
 * at the end and compares its root with the signed checkpoint exactly as before. At most `depth`
 * bundles wait for the worker (each is acknowledged), so memory stays bounded when hashing is the
 * slower side. The worker is kept (unref'd) for the next round, so its compiled code stays warm.
 */

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CompactRange } from '@scriba/sdk/merkle';
import { encodeEntryBundle } from '@scriba/sdk/tiles';

/** Code of the error a failing worker gives (the monitor's own fault, not the log's: exit 2). */
export const HASH_WORKER_FAILED = 'HASH_WORKER_FAILED';

export interface LeafHasher {
  /** Appends one batch of leaves (entry data, in log order); may wait while the worker is behind. */
  append(entries: Uint8Array[]): Promise<void>;
  /** The range after every appended leaf. The hasher is finished afterwards. */
  finish(): Promise<CompactRange>;
  /** Stops the worker, if any (after a failure; idempotent). */
  close(): void;
}

/** Hashing on the caller's thread. */
export function inlineHasher(range: CompactRange): LeafHasher {
  return {
    append: async (entries) => {
      range.appendLeaves(entries);
    },
    finish: async () => range,
    close: () => {},
  };
}

type FromWorker =
  | { type: 'ack' }
  | { type: 'done'; size: number; hashes: Uint8Array[] }
  | { type: 'error'; message: string };

/**
 * The worker's script: beside this module when it runs compiled (dist/); from the sources (tests),
 * the built one in dist/. Throws when there is none (the caller then hashes inline).
 */
function workerScript(): URL {
  const here = new URL('./hash-worker.js', import.meta.url);
  const candidates = [here, new URL('../../dist/monitor/hash-worker.js', import.meta.url)];
  const found = candidates.find((u) => u.protocol === 'file:' && existsSync(fileURLToPath(u)));
  if (!found) throw new Error('no hash-worker.js (build the CLI)');
  return found;
}

/** The worker kept between rounds (its compiled hashing code stays warm); none while one is in use. */
let idle: Worker | undefined;

/** Hashing on a worker thread, at most `depth` entry bundles queued for it. */
export function workerHasher(range: CompactRange, depth = 32): LeafHasher {
  const worker = idle ?? new Worker(workerScript());
  idle = undefined;
  worker.ref();
  let failure: Error | undefined;
  let inFlight = 0;
  let wake: (() => void) | undefined;
  let closed = false;
  let resolveDone: (r: CompactRange) => void = () => {};
  let rejectDone: (e: Error) => void = () => {};
  const finished = new Promise<CompactRange>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  finished.catch(() => {});
  const wakeUp = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (e: Error) => {
    if (failure) return;
    failure = Object.assign(new Error(`leaf hashing worker failed: ${e.message}`, { cause: e }), {
      code: HASH_WORKER_FAILED,
    });
    wakeUp();
    rejectDone(failure);
  };
  const onMessage = (m: FromWorker) => {
    if (m.type === 'ack') {
      inFlight--;
      wakeUp();
    } else if (m.type === 'done') {
      try {
        resolveDone(CompactRange.fromHashes(m.size, m.hashes));
      } catch (e) {
        fail(e as Error);
      }
    } else {
      fail(new Error(m.message));
    }
  };
  const onError = (e: Error) => fail(e);
  const onExit = (code: number) => fail(new Error(`exited (${code})`));
  worker.on('message', onMessage);
  worker.on('error', onError);
  worker.on('exit', onExit);
  const release = (keep: boolean) => {
    if (closed) return;
    closed = true;
    worker.off('message', onMessage);
    worker.off('error', onError);
    worker.off('exit', onExit);
    if (keep && idle === undefined) {
      worker.unref();
      idle = worker;
    } else {
      void worker.terminate();
    }
  };
  worker.postMessage({ type: 'seed', size: range.size, hashes: range.hashes() });
  return {
    async append(entries) {
      while (inFlight >= depth && !failure) await new Promise<void>((r) => (wake = r));
      if (failure) throw failure;
      const bytes = encodeEntryBundle(entries);
      inFlight++;
      worker.postMessage({ type: 'bundle', bytes }, [bytes.buffer as ArrayBuffer]);
    },
    async finish() {
      if (failure) throw failure;
      worker.postMessage({ type: 'finish' });
      try {
        const r = await finished;
        release(true);
        return r;
      } catch (e) {
        release(false);
        throw e;
      }
    },
    close() {
      release(false);
    },
  };
}
