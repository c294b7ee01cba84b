/**
 * A bounded memo for verifying many inputs that share parts (a batch of Sigstore bundles signed by
 * one certificate, integrated under one checkpoint, timestamped together): what a deterministic
 * step produced from some bytes — "this signature verified", "this DER parsed to this certificate"
 * — is remembered by those exact bytes, so the same work is not repeated within the cache's life.
 *
 * Soundness: an entry is found by the SHA-256 of its framed parts (each part length-prefixed, after
 * a kind tag), and then used only if the stored framed bytes equal the asked-for ones byte for
 * byte — a different input never matches, even under a hash collision. Only successes are kept: a
 * signature that failed, or a parse that threw, is recomputed every time. Each check still applies
 * every rule around the memoized step (names, validity times, usages, thresholds): the memo only
 * saves re-running a pure function on identical bytes.
 *
 * Bounded by bytes held (default 4 MiB) and entries (default 4,096), least recently used evicted
 * first; inputs larger than 64 KiB are never memoized (hashing them again would cost more than the
 * key operation saved).
 */
import { bytesEqual } from '../encoding.js';
import { ScribaError } from '../errors.js';
import { digest } from './hash.js';
import { nativeDigestLatin1 } from './native.js';

export type VerificationCacheOptions = {
  /** Upper bound on the bytes the cache holds (keys and framed inputs). Default 4 MiB. */
  maxBytes?: number;
  /** Upper bound on entries. Default 4,096. */
  maxEntries?: number;
};

type Entry = { framed: Uint8Array; value: unknown };

const MAX_INPUT = 64 * 1024;
const encoder = new TextEncoder();
// Kind tags are a handful of constant strings: encoded once each.
const kindBytes = new Map<string, Uint8Array>();

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i] as number);
  return s;
}

export class VerificationCache {
  readonly maxBytes: number;
  readonly maxEntries: number;
  #entries = new Map<string, Entry>();
  #bytes = 0;
  /** Lookups answered from the cache (for tests and benchmarks). */
  hits = 0;
  /** Lookups that ran the computation. */
  misses = 0;

  constructor(options: VerificationCacheOptions = {}) {
    const maxBytes = options.maxBytes ?? 4 * 2 ** 20;
    const maxEntries = options.maxEntries ?? 4096;
    if (
      !Number.isSafeInteger(maxBytes) ||
      maxBytes < 0 ||
      !Number.isSafeInteger(maxEntries) ||
      maxEntries < 0
    ) {
      throw new ScribaError('INVALID_INPUT', 'maxBytes and maxEntries must be non-negative integers');
    }
    this.maxBytes = maxBytes;
    this.maxEntries = maxEntries;
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Drops every entry. */
  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  /**
   * The result of `compute()` for the input made of `kind` and `parts`, computed once while cached.
   * `keep(value)` decides whether a result is remembered (default: any); a promise is held while it
   * runs (concurrent askers share it) and dropped if it rejects or resolves to a value `keep`
   * refuses. A throw from `compute` propagates and nothing is stored.
   */
  memo<T>(
    kind: string,
    parts: readonly Uint8Array[],
    compute: () => T,
    keep?: (v: Awaited<T>) => boolean,
  ): T {
    const framed = frame(kind, parts);
    if (framed === undefined || this.maxEntries === 0) {
      this.misses++;
      return compute();
    }
    const native = nativeDigestLatin1();
    const key = native !== undefined ? native('sha256', framed) : latin1(digest('sha256', framed));
    const found = this.#entries.get(key);
    if (found !== undefined && bytesEqual(found.framed, framed)) {
      this.hits++;
      // Least recently used: a hit moves the entry to the young end.
      this.#entries.delete(key);
      this.#entries.set(key, found);
      return found.value as T;
    }
    this.misses++;
    const value = compute();
    const entry: Entry = { framed, value };
    if (isPromise(value)) {
      value.then(
        (v) => {
          if (keep && !keep(v as Awaited<T>)) this.#drop(key, entry);
        },
        () => this.#drop(key, entry),
      );
    } else if (keep && !keep(value as Awaited<T>)) {
      return value;
    }
    this.#put(key, entry);
    return value;
  }

  #put(key: string, entry: Entry): void {
    const cost = entry.framed.length + key.length + 64;
    if (cost > this.maxBytes) return;
    const old = this.#entries.get(key);
    if (old !== undefined) this.#drop(key, old);
    this.#entries.set(key, entry);
    this.#bytes += cost;
    while (this.#entries.size > this.maxEntries || this.#bytes > this.maxBytes) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#drop(oldest.value, this.#entries.get(oldest.value) as Entry);
    }
  }

  #drop(key: string, entry: Entry): void {
    if (this.#entries.get(key) !== entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.framed.length + key.length + 64;
  }
}

/** A cache for one batch of verifications (see VerificationCache). */
export function createVerificationCache(options?: VerificationCacheOptions): VerificationCache {
  return new VerificationCache(options);
}

function isPromise(v: unknown): v is Promise<unknown> {
  return typeof (v as Promise<unknown> | undefined)?.then === 'function';
}

/** kind (length-prefixed UTF-8) then each part as a 4-byte big-endian length and its bytes. */
function frame(kind: string, parts: readonly Uint8Array[]): Uint8Array | undefined {
  let k = kindBytes.get(kind);
  if (k === undefined) {
    k = encoder.encode(kind);
    if (kindBytes.size < 64) kindBytes.set(kind, k);
  }
  let n = 4 + k.length;
  for (const p of parts) n += 4 + p.length;
  if (n > MAX_INPUT) return undefined;
  const out = new Uint8Array(n);
  let o = 0;
  const len = (v: number) => {
    out[o++] = v >>> 24;
    out[o++] = (v >>> 16) & 0xff;
    out[o++] = (v >>> 8) & 0xff;
    out[o++] = v & 0xff;
  };
  len(k.length);
  out.set(k, o);
  o += k.length;
  for (const p of parts) {
    len(p.length);
    out.set(p, o);
    o += p.length;
  }
  return out;
}
