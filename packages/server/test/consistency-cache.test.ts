/**
 * log/consistency-cache.ts: a consistency proof is kept only once its first size is asked for a
 * second time, at most `limit` are kept (oldest out first), and clear() forgets proofs and asks.
 */
import { describe, expect, it } from 'vitest';
import { ConsistencyCache } from '../src/log/consistency-cache.js';

const proof = (n: number) => [new Uint8Array(32).fill(n)];

describe('ConsistencyCache', () => {
  it('does not keep a proof asked for once', () => {
    const cache = new ConsistencyCache(4);
    cache.offer(7, proof(7));
    expect(cache.get(7)).toBeUndefined();
  });

  it('keeps a proof whose first size is asked for a second time', () => {
    const cache = new ConsistencyCache(4);
    cache.offer(7, proof(7));
    cache.offer(7, proof(7));
    expect(cache.get(7)).toEqual(proof(7));
    expect(cache.get(8)).toBeUndefined();
  });

  it('keeps at most `limit` proofs, the oldest leaving first', () => {
    const cache = new ConsistencyCache(2);
    for (const first of [1, 2, 3]) {
      cache.offer(first, proof(first));
      cache.offer(first, proof(first));
    }
    expect(cache.get(1)).toBeUndefined();
    expect(cache.get(2)).toEqual(proof(2));
    expect(cache.get(3)).toEqual(proof(3));
  });

  it('remembers at most four times `limit` first sizes asked once', () => {
    const cache = new ConsistencyCache(1);
    for (const first of [1, 2, 3, 4]) cache.offer(first, proof(first));
    cache.offer(5, proof(5)); // the remembered asks were full: forgotten, 5 remembered
    cache.offer(1, proof(1));
    expect(cache.get(1)).toBeUndefined();
    cache.offer(5, proof(5));
    expect(cache.get(5)).toEqual(proof(5));
  });

  it('forgets proofs and asks on clear()', () => {
    const cache = new ConsistencyCache(4);
    cache.offer(7, proof(7));
    cache.offer(7, proof(7));
    cache.offer(9, proof(9));
    cache.clear();
    expect(cache.get(7)).toBeUndefined();
    cache.offer(9, proof(9));
    expect(cache.get(9)).toBeUndefined();
  });

  it('keeps nothing with a limit of zero', () => {
    const cache = new ConsistencyCache(0);
    cache.offer(7, proof(7));
    cache.offer(7, proof(7));
    expect(cache.get(7)).toBeUndefined();
  });
});
