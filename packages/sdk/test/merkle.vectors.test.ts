/**
 * RFC 6962 / RFC 9162 proof verification against every transparency-dev/merkle vector
 * (../../../test/vectors/transparency-dev-merkle) and the reference-tree roots for sizes 0..8.
 */
import { describe, expect, it } from 'vitest';
import { hexEncode } from '../src/encoding.js';
import { isScribaError } from '../src/errors.js';
import {
  CompactRange,
  EMPTY_ROOT,
  hashLeaf,
  rootFromInclusionProof,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from '../src/merkle/index.js';
import { consistencyVectors, inclusionVectors, referenceTree } from './vectors/transparency-dev-merkle.js';

const MERKLE_CODES = [
  'MERKLE_INVALID_INDEX',
  'MERKLE_INVALID_SIZE',
  'MERKLE_INVALID_PROOF_LENGTH',
  'MERKLE_INVALID_HASH',
  'MERKLE_ROOT_MISMATCH',
];

function outcome(fn: () => void): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (!isScribaError(e)) throw e;
    return e.code;
  }
}

const hex = hexEncode;

const inclusion = inclusionVectors();
const consistency = consistencyVectors();

describe('verifyInclusion', () => {
  it('has the full transparency-dev vector set', () => {
    expect(inclusion.length).toBe(98);
  });

  describe('when given a transparency-dev/merkle vector', () => {
    it.each(inclusion.map((v) => [v.name, v] as const))('%s', (_, v) => {
      const got = outcome(() => verifyInclusion(v.leafIdx, v.treeSize, v.leafHash, v.proof, v.root));
      if (v.wantErr) expect(MERKLE_CODES).toContain(got);
      else expect(got).toBe('ok');
    });
  });

  describe('when the vector is valid', () => {
    it.each(inclusion.filter((v) => !v.wantErr).map((v) => [v.name, v] as const))(
      '%s: rootFromInclusionProof returns the root',
      (_, v) => {
        expect(hex(rootFromInclusionProof(v.leafIdx, v.treeSize, v.leafHash, v.proof))).toBe(hex(v.root));
      },
    );
  });

  describe('when an input is out of range', () => {
    const h = new Uint8Array(32);
    it.each([
      ['index = size', 3, 3, [h, h], 'MERKLE_INVALID_INDEX'],
      ['negative index', -1, 3, [h, h], 'MERKLE_INVALID_INDEX'],
      ['index beyond 2^53', 2 ** 64, 3, [h, h], 'MERKLE_INVALID_INDEX'],
      ['fractional index', 0.5, 3, [h, h], 'MERKLE_INVALID_INDEX'],
      ['size 0', 0, 0, [], 'MERKLE_INVALID_INDEX'],
      ['negative size', 0, -1, [], 'MERKLE_INVALID_SIZE'],
      ['NaN size', 0, Number.NaN, [], 'MERKLE_INVALID_SIZE'],
      ['size beyond 2^53', 0, 2 ** 60, [], 'MERKLE_INVALID_SIZE'],
      ['short proof', 0, 3, [h], 'MERKLE_INVALID_PROOF_LENGTH'],
      ['long proof', 0, 3, [h, h, h], 'MERKLE_INVALID_PROOF_LENGTH'],
      ['31-byte proof hash', 0, 3, [h, new Uint8Array(31)], 'MERKLE_INVALID_HASH'],
      ['33-byte proof hash', 0, 3, [h, new Uint8Array(33)], 'MERKLE_INVALID_HASH'],
      ['non-bytes proof hash', 0, 3, [h, 'x'], 'MERKLE_INVALID_HASH'],
    ] as const)('%s throws %s', (_, index, size, proof, code) => {
      expect(outcome(() => verifyInclusion(index, size, h, proof as unknown as Uint8Array[], h))).toBe(code);
    });

    it('rejects a proof that is not an array', () => {
      const h = new Uint8Array(32);
      expect(outcome(() => verifyInclusion(0, 1, h, 'x' as unknown as Uint8Array[], h))).toBe(
        'INVALID_INPUT',
      );
    });

    it.each([
      ['leaf hash', new Uint8Array(0), new Uint8Array(32)],
      ['root', new Uint8Array(32), new Uint8Array(0)],
    ])('rejects an empty %s with MERKLE_INVALID_HASH', (_, leaf, root) => {
      expect(outcome(() => verifyInclusion(0, 1, leaf, [], root))).toBe('MERKLE_INVALID_HASH');
    });
  });
});

describe('verifyConsistency', () => {
  it('has the full transparency-dev vector set', () => {
    expect(consistency.length).toBe(98);
  });

  describe('when given a transparency-dev/merkle vector', () => {
    it.each(consistency.map((v) => [v.name, v] as const))('%s', (_, v) => {
      const got = outcome(() => verifyConsistency(v.size1, v.size2, v.proof, v.root1, v.root2));
      if (v.wantErr) expect(MERKLE_CODES).toContain(got);
      else expect(got).toBe('ok');
    });
  });

  describe('when the sizes are degenerate', () => {
    const a = new Uint8Array(32);
    const b = new Uint8Array(32).fill(1);
    it.each([
      ['size1 = 0 = size2, empty proof', 0, 0, [], a, a, 'MERKLE_INVALID_SIZE'],
      ['size1 = 0 < size2', 0, 5, [], a, b, 'MERKLE_INVALID_SIZE'],
      ['size2 < size1', 5, 4, [a], a, b, 'MERKLE_INVALID_SIZE'],
      ['negative size1', -1, 4, [a], a, b, 'MERKLE_INVALID_SIZE'],
      ['unsafe size2', 1, 2 ** 53, [a], a, b, 'MERKLE_INVALID_SIZE'],
      ['equal sizes, equal roots', 7, 7, [], a, a, 'ok'],
      ['equal sizes, different roots', 7, 7, [], a, b, 'MERKLE_ROOT_MISMATCH'],
      ['equal sizes, non-empty proof', 7, 7, [a], a, a, 'MERKLE_INVALID_PROOF_LENGTH'],
      ['short root1', 1, 2, [a], new Uint8Array(31), a, 'MERKLE_INVALID_HASH'],
      ['short root2', 1, 2, [a], a, new Uint8Array(31), 'MERKLE_INVALID_HASH'],
      ['equal sizes, root not bytes', 3, 3, [], 'x', 'x', 'MERKLE_INVALID_HASH'],
      ['31-byte proof hash', 3, 5, [a, new Uint8Array(31)], a, b, 'MERKLE_INVALID_HASH'],
    ] as const)('%s -> %s', (_, s1, s2, proof, r1, r2, want) => {
      const [root1, root2] = [r1, r2] as unknown as Uint8Array[]; // 'x': not bytes, on purpose
      expect(outcome(() => verifyConsistency(s1, s2, proof as unknown as Uint8Array[], root1!, root2!))).toBe(
        want,
      );
    });
  });
});

describe('rootFromLeafHashes', () => {
  const ref = referenceTree();

  describe('when given the RFC 6962 reference tree', () => {
    it.each(ref.roots.map((root, n) => [n, hex(root)] as const))('size %i has root %s', (n, root) => {
      expect(hex(rootFromLeafHashes(ref.leaves.slice(0, n).map(hashLeaf)))).toBe(root);
    });

    it.each(ref.roots.map((root, n) => [n, hex(root)] as const))(
      'CompactRange of size %i has root %s',
      (n, root) => {
        const range = CompactRange.empty();
        range.appendMany(ref.leaves.slice(0, n).map(hashLeaf));
        expect(range.size).toBe(n);
        expect(hex(range.root())).toBe(root);
      },
    );
  });

  it('returns SHA-256("") for the empty tree', () => {
    expect(hex(rootFromLeafHashes([]))).toBe(hex(EMPTY_ROOT));
    expect(hex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it.each([
    ['a short leaf hash', [new Uint8Array(31)], 'MERKLE_INVALID_HASH'],
    ['a non-array', 'abc', 'INVALID_INPUT'],
  ])('rejects %s', (_, input, code) => {
    expect(outcome(() => rootFromLeafHashes(input as unknown as Uint8Array[]))).toBe(code);
  });
});
