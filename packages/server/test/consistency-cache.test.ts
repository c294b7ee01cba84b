/**
 * log/consistency-cache.ts: a consistency proof is kept only once its first size is asked for a
 * second time, only for the cache's tree size (a proof to an older size, built while the size moved,
 * is not kept under the new one), at most `limit` of them (oldest out first); moving to a new size
 * forgets proofs and asks.
 */
import { describe, expect, it } from 'vitest';
import { ConsistencyCache } from '../src/log/consistency-cache.js';

const SIZE = 1000;
const proof = (n: number) => [new Uint8Array(32).fill(n)];

/** A cache for proofs to SIZE. */
function cacheAt(limit: number): ConsistencyCache {
  const cache = new ConsistencyCache(limit);
  cache.moveTo(SIZE);
  return cache;
}

/** Asks for the proof from `first` to SIZE twice (what keeps it). */
function askTwice(cache: ConsistencyCache, first: number): void {
  cache.offer(first, SIZE, proof(first));
  cache.offer(first, SIZE, proof(first));
}

describe('ConsistencyCache', () => {
  it('does not keep a proof asked for once', () => {
    const cache = cacheAt(4);
    cache.offer(7, SIZE, proof(7));
    expect(cache.get(7, SIZE)).toBeUndefined();
  });

  it('keeps a proof whose first size is asked for a second time', () => {
    const cache = cacheAt(4);
    askTwice(cache, 7);
    expect(cache.get(7, SIZE)).toEqual(proof(7));
    expect(cache.get(8, SIZE)).toBeUndefined();
  });

  it('answers only proofs to its own size', () => {
    const cache = cacheAt(4);
    askTwice(cache, 7);
    expect(cache.get(7, SIZE - 1)).toBeUndefined();
    expect(cache.get(7, SIZE + 1)).toBeUndefined();
  });

  it('does not keep a proof to another size, even asked for twice', () => {
    const cache = cacheAt(4);
    cache.offer(7, SIZE - 1, proof(7));
    cache.offer(7, SIZE - 1, proof(7));
    expect(cache.get(7, SIZE)).toBeUndefined();
    expect(cache.get(7, SIZE - 1)).toBeUndefined();
  });

  it('a proof to the old size offered after the size moved is not kept under the new one', () => {
    const cache = cacheAt(4);
    cache.offer(7, SIZE, proof(7)); // asked once at SIZE
    cache.moveTo(SIZE + 5); // the head moved while the second ask's proof was being built
    cache.offer(7, SIZE, proof(7)); // that proof, to SIZE, arrives
    cache.offer(7, SIZE + 5, proof(8)); // the first ask at the new size
    expect(cache.get(7, SIZE + 5)).toBeUndefined();
    cache.offer(7, SIZE + 5, proof(8));
    expect(cache.get(7, SIZE + 5)).toEqual(proof(8));
  });

  it('keeps at most `limit` proofs, the oldest leaving first', () => {
    const cache = cacheAt(2);
    for (const first of [1, 2, 3]) askTwice(cache, first);
    expect(cache.get(1, SIZE)).toBeUndefined();
    expect(cache.get(2, SIZE)).toEqual(proof(2));
    expect(cache.get(3, SIZE)).toEqual(proof(3));
  });

  it('remembers at most four times `limit` first sizes asked once', () => {
    const cache = cacheAt(1);
    for (const first of [1, 2, 3, 4]) cache.offer(first, SIZE, proof(first));
    cache.offer(5, SIZE, proof(5)); // the remembered asks were full: forgotten, 5 remembered
    cache.offer(1, SIZE, proof(1));
    expect(cache.get(1, SIZE)).toBeUndefined();
    cache.offer(5, SIZE, proof(5));
    expect(cache.get(5, SIZE)).toEqual(proof(5));
  });

  it('forgets proofs and asks when it moves to a new size, and keeps them when the size is the same', () => {
    const cache = cacheAt(4);
    askTwice(cache, 7);
    cache.offer(9, SIZE, proof(9));
    cache.moveTo(SIZE);
    expect(cache.get(7, SIZE)).toEqual(proof(7));
    cache.moveTo(SIZE + 1);
    cache.moveTo(SIZE);
    expect(cache.get(7, SIZE)).toBeUndefined();
    cache.offer(9, SIZE, proof(9));
    expect(cache.get(9, SIZE)).toBeUndefined();
  });

  it('keeps nothing before it has a size, or with a limit of zero', () => {
    const sizeless = new ConsistencyCache(4);
    sizeless.offer(7, SIZE, proof(7));
    sizeless.offer(7, SIZE, proof(7));
    expect(sizeless.get(7, SIZE)).toBeUndefined();
    const none = new ConsistencyCache(0);
    none.moveTo(SIZE);
    none.offer(7, SIZE, proof(7));
    none.offer(7, SIZE, proof(7));
    expect(none.get(7, SIZE)).toBeUndefined();
  });
});
