/**
 * Optional validation on worker threads (SCRIBA_VALIDATION_WORKERS=N, default 0 = inline): takes the
 * signature checks off the event loop, which also runs HTTP and the sequencer. Only available when
 * running compiled JavaScript (dist/, where the worker script exists). Workers answer exactly what
 * the inline path answers: a ValidatedEntry, or an EntryValidationError with the same code and field.
 */
import { Worker } from 'node:worker_threads';
import { type EntryErrorCode, EntryValidationError } from './errors.js';
import type { ValidatedEntry } from './types.js';

type Reply =
  | { id: number; ok: true; entry: ValidatedEntry }
  | { id: number; ok: false; error: { code: EntryErrorCode; field: string; message: string } };

type Slot = { w: Worker; inflight: number };

export class ValidationPool {
  private readonly slots: Slot[] = [];
  private readonly waiting = new Map<
    number,
    { resolve: (e: ValidatedEntry) => void; reject: (e: unknown) => void }
  >();
  private nextId = 1;

  constructor(size: number, workerUrl: URL) {
    for (let i = 0; i < size; i++) {
      const slot: Slot = { w: new Worker(workerUrl), inflight: 0 };
      slot.w.on('message', (r: Reply) => this.settle(slot, r));
      slot.w.on('error', (e) => this.fail(e));
      slot.w.unref();
      this.slots.push(slot);
    }
  }

  private settle(slot: Slot, r: Reply): void {
    if (--slot.inflight === 0) slot.w.unref();
    const p = this.waiting.get(r.id);
    if (!p) return;
    this.waiting.delete(r.id);
    if (r.ok) p.resolve(r.entry);
    else {
      const prefix = `${r.error.field}: `;
      const msg = r.error.message.startsWith(prefix) ? r.error.message.slice(prefix.length) : r.error.message;
      p.reject(new EntryValidationError(r.error.code, r.error.field, msg));
    }
  }

  private fail(e: unknown): void {
    for (const [, p] of this.waiting) p.reject(e);
    this.waiting.clear();
  }

  validate(json: unknown): Promise<ValidatedEntry> {
    const slot = this.slots.reduce((a, b) => (b.inflight < a.inflight ? b : a));
    const id = this.nextId++;
    if (slot.inflight++ === 0) slot.w.ref();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      slot.w.postMessage({ id, json });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.w.terminate()));
  }
}
