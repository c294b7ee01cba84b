/**
 * The log's storage port with every call recorded (tests of the read path: each port call is at
 * least one database round trip): its name and first argument (the tree it is for), and each
 * entriesForProofs answer once it arrives.
 */
import type { LogStorage } from '../../packages/server/src/log/storage.js';

export type ProofReadAnswer = Awaited<ReturnType<LogStorage['entriesForProofs']>>;
export type StorageCall = { name: string; tree: unknown };

export function recordingStorage(inner: LogStorage): {
  storage: LogStorage;
  calls: StorageCall[];
  reads: ProofReadAnswer[];
} {
  const calls: StorageCall[] = [];
  const reads: ProofReadAnswer[] = [];
  const storage = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.push({ name: String(prop), tree: args[0] });
        const r = v.apply(target, args);
        if (prop === 'entriesForProofs') (r as Promise<ProofReadAnswer>).then((x) => reads.push(x));
        return r;
      };
    },
  });
  return { storage, calls, reads };
}

/** The names of `calls`, in order. */
export const callNames = (calls: StorageCall[]): string[] => calls.map((c) => c.name);
