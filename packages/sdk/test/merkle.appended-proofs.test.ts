/**
 * AppendedProofs (merkle/appended-proofs.ts): the inclusion proofs of an append's leaves, from the
 * compact range before it and the new leaf hashes, equal RFC 6962 PATH from a brute-force reference
 * tree and verify against the new root, for appends of every shape (from the empty tree, across
 * powers of two and tile boundaries, one leaf, many); leaves outside the append are refused; the
 * integrator's `proofs` are these.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexEncode } from '../src/encoding.js';
import { isScribaError } from '../src/errors.js';
import { AppendedProofs, CompactRange, rootFromLeafHashes, verifyInclusion } from '../src/merkle/index.js';
import { integrate, rightEdgeTiles, type StoredTile, tileKey } from '../src/tiles/index.js';
import { makeLeaves, RefTree } from './vectors/reference-merkle.js';

const MAX = 1200;
const leaves = makeLeaves(MAX);
const tree = new RefTree(leaves);
const hexAll = (bs: Uint8Array[]) => bs.map(hexEncode);

function rangeOf(size: number): CompactRange {
  const r = CompactRange.empty();
  r.appendMany(leaves.slice(0, size));
  return r;
}

function checkAppend(oldSize: number, count: number): void {
  const size = oldSize + count;
  const proofs = new AppendedProofs(rangeOf(oldSize), leaves.slice(oldSize, size));
  expect(proofs.oldSize).toBe(oldSize);
  expect(proofs.size).toBe(size);
  const root = rootFromLeafHashes(leaves.slice(0, size));
  for (let i = oldSize; i < size; i++) {
    const p = proofs.proof(i);
    expect(hexAll(p), `leaf ${i} of ${oldSize} + ${count}`).toEqual(hexAll(tree.path(i, 0, size)));
    verifyInclusion(i, size, leaves[i]!, p, root);
  }
}

describe('AppendedProofs', () => {
  it('equals RFC 6962 PATH for appends of every shape', () => {
    for (const [oldSize, count] of [
      [0, 1],
      [0, 7],
      [1, 1],
      [5, 3],
      [6, 2],
      [7, 1],
      [8, 8],
      [255, 1],
      [255, 2],
      [256, 21],
      [300, 700],
      [511, 513],
      [1023, 1],
      [1000, 200],
    ] as const) {
      checkAppend(oldSize, count);
    }
  });

  it('equals RFC 6962 PATH for random appends', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX - 1 }), fc.integer({ min: 1, max: 64 }), (oldSize, count) => {
        checkAppend(oldSize, Math.min(count, MAX - oldSize));
      }),
      { numRuns: 150 },
    );
  });

  it('shares the hash of a node its proofs have in common', () => {
    const proofs = new AppendedProofs(rangeOf(256), leaves.slice(256, 300));
    // Leaves 257 and 258 both have the node of leaves [0, 256) on their paths.
    const top = (p: Uint8Array[]) => p.at(-1);
    expect(top(proofs.proof(257))).toBe(top(proofs.proof(258)));
  });

  it('refuses a leaf the append did not add, with a coded error', () => {
    const proofs = new AppendedProofs(rangeOf(10), leaves.slice(10, 14));
    for (const i of [9, 14, -1, 10.5, Number.NaN]) {
      let code: string | undefined;
      try {
        proofs.proof(i);
      } catch (e) {
        if (isScribaError(e)) code = e.code;
      }
      expect(code, String(i)).toBe('INVALID_INPUT');
    }
  });

  it('refuses leaf hashes that are not 32 bytes', () => {
    expect(() => new AppendedProofs(rangeOf(3), [new Uint8Array(31)])).toThrow(/32/);
  });

  it('is what integrate gives as the appended leaves proofs', () => {
    const tiles = new Map<string, Uint8Array>();
    let size = 0;
    for (const count of [300, 1, 200, 45]) {
      const stored: StoredTile[] = rightEdgeTiles(size).map((t) => ({
        level: t.level,
        index: t.index,
        hashes: tiles.get(tileKey(t.level, t.index))!,
      }));
      const r = integrate(size, stored, leaves.slice(size, size + count));
      for (const t of r.changed) tiles.set(tileKey(t.level, t.index), t.hashes);
      for (let i = size; i < size + count; i++) {
        expect(hexAll(r.proofs.proof(i))).toEqual(hexAll(tree.path(i, 0, size + count)));
      }
      size += count;
    }
  });
});
