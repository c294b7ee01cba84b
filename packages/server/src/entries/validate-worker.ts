/**
 * Worker-thread side of pool.ts: validates the proposed entries the main thread posts and answers
 * with the ValidatedEntry (body and leaf hash transferred, not copied) or the error's code and field.
 * Its configuration (the native addon on or off) comes from the pool as `workerData`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EntryValidationError } from './errors.js';
import { configureNative } from './native.js';
import type { ValidationWorkerData } from './pool.js';
import { validateProposedEntryInline } from './validate.js';

configureNative((workerData as ValidationWorkerData | undefined)?.native ?? true);

parentPort?.on('message', async ({ id, json }: { id: number; json: unknown }) => {
  try {
    const entry = await validateProposedEntryInline(json);
    parentPort?.postMessage({ id, ok: true, entry }, [
      entry.body.buffer as ArrayBuffer,
      entry.leafHash.buffer as ArrayBuffer,
    ]);
  } catch (e) {
    const error =
      e instanceof EntryValidationError
        ? { code: e.code, field: e.field, message: e.message }
        : { code: 'INVALID_ENTRY', field: 'spec', message: 'spec: entry could not be validated' };
    parentPort?.postMessage({ id, ok: false, error });
  }
});
