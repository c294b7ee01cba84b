/**
 * Optional validation on worker threads (config `validationWorkers`, SCRIBA_VALIDATION_WORKERS=N,
 * default 0 = inline): takes the signature checks off the event loop, which also runs HTTP and the
 * sequencer. Only available when running compiled JavaScript (dist/, where the worker script exists).
 * Workers answer exactly what the inline path answers: a ValidatedEntry, or an EntryValidationError
 * with the same code and field.
 *
 * A worker that dies (a crash in native code, an out-of-memory, `process.exit`) is replaced at once,
 * and every request it was handling is rejected with a ValidationWorkerExitedError (the routes answer
 * 503: nothing was logged, the client may retry); requests on the other workers are not affected.
 */
import { Worker } from 'node:worker_threads';
import { type EntryErrorCode, EntryValidationError } from './errors.js';
import type { ValidatedEntry } from './types.js';

type Reply =
  | { id: number; ok: true; entry: ValidatedEntry }
  | { id: number; ok: false; error: { code: EntryErrorCode; field: string; message: string } };

type Pending = { resolve: (e: ValidatedEntry) => void; reject: (e: unknown) => void };

type Slot = { w: Worker; pending: Map<number, Pending> };

/** What each worker is started with (`workerData`). */
export type ValidationWorkerData = { native: boolean };

/** The worker that was validating a request exited before answering it. */
export class ValidationWorkerExitedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ValidationWorkerExitedError';
  }
}

export class ValidationPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closing = false;
  /** Workers started to replace ones that exited (for metrics and tests). */
  replaced = 0;

  constructor(
    size: number,
    private readonly workerUrl: URL,
    private readonly workerData: ValidationWorkerData = { native: true },
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const slot: Slot = { w: new Worker(this.workerUrl, { workerData: this.workerData }), pending: new Map() };
    let lastError: unknown;
    slot.w.on('message', (r: Reply) => this.settle(slot, r));
    slot.w.on('error', (e) => {
      lastError = e;
    });
    slot.w.on('exit', (code) => this.exited(slot, code, lastError));
    slot.w.unref();
    return slot;
  }

  private exited(slot: Slot, code: number, cause: unknown): void {
    const i = this.slots.indexOf(slot);
    if (!this.closing && i >= 0) {
      this.slots[i] = this.spawn();
      this.replaced++;
    }
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    for (const [, p] of slot.pending) {
      p.reject(
        new ValidationWorkerExitedError(
          `the validation worker exited (code ${code})${why} before answering; nothing was logged, retry`,
          { cause },
        ),
      );
    }
    slot.pending.clear();
  }

  private settle(slot: Slot, r: Reply): void {
    const p = slot.pending.get(r.id);
    if (!p) return;
    slot.pending.delete(r.id);
    if (slot.pending.size === 0) slot.w.unref();
    if (r.ok) p.resolve(r.entry);
    else {
      const prefix = `${r.error.field}: `;
      const msg = r.error.message.startsWith(prefix) ? r.error.message.slice(prefix.length) : r.error.message;
      p.reject(new EntryValidationError(r.error.code, r.error.field, msg));
    }
  }

  validate(json: unknown): Promise<ValidatedEntry> {
    if (this.closing) return Promise.reject(new ValidationWorkerExitedError('the validation pool is closed'));
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    if (slot.pending.size === 0) slot.w.ref();
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.w.postMessage({ id, json });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.w.terminate()));
  }
}
