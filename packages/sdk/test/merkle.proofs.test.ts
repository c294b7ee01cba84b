/**
 * Property tests for RFC 9162 proof construction and verification: proofs assembled from
 * `inclusionProofNodes` / `consistencyProofNodes` with node hashes taken from a brute-force reference
 * tree equal the RFC 6962 PATH/PROOF and verify; any bit flipped in the proof, the root(s), the
 * index or the sizes makes verification fail (sizes: unless the new size is indistinguishable, see
 * `inclusionShape`).
 */

import * as nodeCrypto from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type NativeCryptoModule, useNativeCrypto } from '../src/crypto/index.js';
import { hexEncode } from '../src/encoding.js';
import { isScribaError } from '../src/errors.js';
import {
  assembleProof,
  CompactRange,
  consistencyProofNodes,
  hashChildren,
  hashLeaf,
  inclusionProofNodes,
  type NodeId,
  type ProofNodes,
  rangeNodes,
  rootFromInclusionProof,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from '../src/merkle/index.js';
import {
  consistencyShape,
  inclusionShape,
  makeLeaves,
  RefTree,
  refLeafHash,
  refNodeHash,
} from './vectors/reference-merkle.js';

const MAX = 3000;
const tree = new RefTree(makeLeaves(MAX));
const hex = hexEncode;
const hexAll = (bs: Uint8Array[]) => bs.map(hex);

function build(nodes: ProofNodes): Uint8Array[] {
  return assembleProof(
    nodes,
    nodes.ids.map((id) => tree.node(id.level, id.index)),
  );
}

function fails(fn: () => void): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    if (!isScribaError(e)) throw e;
    return true;
  }
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

const flipNumber = (x: number, bit: number) => {
  const p = 2 ** bit;
  return Math.floor(x / p) % 2 === 1 ? x - p : x + p;
};

describe('hashChildren', () => {
  describe('when given random 32-byte inputs', () => {
    it('equals SHA-256(0x01 || left || right)', () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          (l, r) => {
            expect(hex(hashChildren(l, r))).toBe(hex(refNodeHash(l, r)));
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  it.each([
    ['short left', new Uint8Array(31), new Uint8Array(32)],
    ['long right', new Uint8Array(32), new Uint8Array(33)],
  ])('rejects a %s with MERKLE_INVALID_HASH', (_, l, r) => {
    expect(() => hashChildren(l, r)).toThrow(expect.objectContaining({ code: 'MERKLE_INVALID_HASH' }));
  });
});

describe('hashLeaf', () => {
  it('equals SHA-256(0x00 || data) for random data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (d) => {
        expect(hex(hashLeaf(d))).toBe(hex(refLeafHash(d)));
      }),
      { numRuns: 100 },
    );
  });
});

describe('inclusionProofNodes', () => {
  describe('when the tree has 1..64 leaves (exhaustive)', () => {
    it('builds RFC 6962 PATH(m, D[n]) for every m < n, and it verifies', () => {
      const mismatches: string[] = [];
      for (let n = 1; n <= 64; n++) {
        const root = tree.mth(0, n);
        for (let m = 0; m < n; m++) {
          const proof = build(inclusionProofNodes(m, n));
          if (hexAll(proof).join() !== hexAll(tree.path(m, 0, n)).join()) mismatches.push(`${m}/${n}`);
          verifyInclusion(m, n, tree.leaves[m]!, proof, root);
        }
      }
      expect(mismatches).toEqual([]);
    });
  });

  describe('when the tree has a random size up to 3000', () => {
    it('builds a verifying proof for every index of the tree', () => {
      fc.assert(
        fc.property(fc.integer({ min: 65, max: MAX }), (n) => {
          const root = tree.mth(0, n);
          for (let m = 0; m < n; m++) {
            const proof = build(inclusionProofNodes(m, n));
            expect(hex(rootFromInclusionProof(m, n, tree.leaves[m]!, proof))).toBe(hex(root));
          }
        }),
        { numRuns: 2 },
      );
    });

    it('matches RFC 6962 PATH for random (index, size)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: MAX }), fc.nat(), (n, r) => {
          const m = r % n;
          expect(hexAll(build(inclusionProofNodes(m, n)))).toEqual(hexAll(tree.path(m, 0, n)));
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('when anything is tampered with', () => {
    const arb = fc
      .tuple(fc.integer({ min: 2, max: MAX }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }))
      .map(([n, r, e, bit]) => ({ n, m: r % n, e, bit }));

    it('fails when any bit of any proof hash is flipped', () => {
      fc.assert(
        fc.property(arb, ({ n, m, e, bit }) => {
          const proof = build(inclusionProofNodes(m, n));
          fc.pre(proof.length > 0);
          const i = e % proof.length;
          const bad = proof.map((p, j) => (j === i ? flipBit(p, bit) : p));
          expect(fails(() => verifyInclusion(m, n, tree.leaves[m]!, bad, tree.mth(0, n)))).toBe(true);
        }),
        { numRuns: 300 },
      );
    });

    it('fails for every single-bit flip of one full proof (exhaustive)', () => {
      const [m, n] = [34, 101];
      const proof = build(inclusionProofNodes(m, n));
      const root = tree.mth(0, n);
      for (let i = 0; i < proof.length; i++) {
        for (let bit = 0; bit < 256; bit++) {
          const bad = proof.map((p, j) => (j === i ? flipBit(p, bit) : p));
          expect(fails(() => verifyInclusion(m, n, tree.leaves[m]!, bad, root))).toBe(true);
        }
      }
      for (let bit = 0; bit < 256; bit++) {
        expect(fails(() => verifyInclusion(m, n, tree.leaves[m]!, proof, flipBit(root, bit)))).toBe(true);
        expect(fails(() => verifyInclusion(m, n, flipBit(tree.leaves[m]!, bit), proof, root))).toBe(true);
      }
    });

    it('fails when any bit of the root or the leaf hash is flipped', () => {
      fc.assert(
        fc.property(arb, ({ n, m, bit }) => {
          const proof = build(inclusionProofNodes(m, n));
          const root = tree.mth(0, n);
          expect(fails(() => verifyInclusion(m, n, tree.leaves[m]!, proof, flipBit(root, bit)))).toBe(true);
          expect(fails(() => verifyInclusion(m, n, flipBit(tree.leaves[m]!, bit), proof, root))).toBe(true);
        }),
        { numRuns: 200 },
      );
    });

    it('fails when any bit (0..52) of the index is flipped', () => {
      fc.assert(
        fc.property(arb, fc.integer({ min: 0, max: 52 }), ({ n, m }, bit) => {
          const proof = build(inclusionProofNodes(m, n));
          const m2 = flipNumber(m, bit);
          expect(fails(() => verifyInclusion(m2, n, tree.leaves[m]!, proof, tree.mth(0, n)))).toBe(true);
        }),
        { numRuns: 300 },
      );
    });

    it('fails when any bit (0..52) of the size is flipped, unless the proof shape is identical', () => {
      let indistinguishable = 0;
      fc.assert(
        fc.property(arb, fc.integer({ min: 0, max: 52 }), ({ n, m }, bit) => {
          const proof = build(inclusionProofNodes(m, n));
          const n2 = flipNumber(n, bit);
          const same = n2 > m && inclusionShape(m, n2) === inclusionShape(m, n);
          if (same) indistinguishable++;
          const failed = fails(() => verifyInclusion(m, n2, tree.leaves[m]!, proof, tree.mth(0, n)));
          expect(failed).toBe(!same);
        }),
        { numRuns: 300 },
      );
      expect(indistinguishable).toBeLessThan(300);
    });
  });

  describe('when the index or size is invalid', () => {
    it.each([
      [3, 3, 'MERKLE_INVALID_INDEX'],
      [-1, 3, 'MERKLE_INVALID_INDEX'],
      [0, 0, 'MERKLE_INVALID_INDEX'],
      [0, 2 ** 53, 'MERKLE_INVALID_SIZE'],
      [1.5, 3, 'MERKLE_INVALID_INDEX'],
    ])('(%s, %s) throws %s', (m, n, code) => {
      expect(() => inclusionProofNodes(m, n)).toThrow(expect.objectContaining({ code }));
    });
  });

  describe('when the tree is huge', () => {
    it.each([
      [0, 2 ** 40],
      [2 ** 40 - 1, 2 ** 40],
      [123456789, 2 ** 40 + 12345],
      [2 ** 53 - 2, 2 ** 53 - 1],
      [0, 2 ** 53 - 1],
    ])('index %s of size %s has ids of complete nodes inside the tree', (m, n) => {
      const nodes = inclusionProofNodes(m, n);
      for (const { level, index } of nodes.ids) {
        expect(Number.isSafeInteger(index)).toBe(true);
        expect((index + 1) * 2 ** level).toBeLessThanOrEqual(n);
      }
      const proofLength = nodes.ids.length - Math.max(0, nodes.end - nodes.begin - 1);
      expect(proofLength).toBe(inclusionShape(m, n).length);
    });
  });
});

describe('consistencyProofNodes', () => {
  describe('when the trees have 1..64 leaves (exhaustive)', () => {
    it('builds RFC 6962 PROOF(m, D[n]) for every 1 <= m <= n, and it verifies', () => {
      const mismatches: string[] = [];
      for (let n = 1; n <= 64; n++) {
        for (let m = 1; m <= n; m++) {
          const proof = build(consistencyProofNodes(m, n));
          if (hexAll(proof).join() !== hexAll(tree.proof(m, n)).join()) mismatches.push(`${m}/${n}`);
          verifyConsistency(m, n, proof, tree.mth(0, m), tree.mth(0, n));
        }
      }
      expect(mismatches).toEqual([]);
    });
  });

  describe('when the trees have random sizes up to 3000', () => {
    it('builds a verifying proof from every size1 to a random size2', () => {
      fc.assert(
        fc.property(fc.integer({ min: 65, max: MAX }), (n) => {
          const root2 = tree.mth(0, n);
          for (let m = 1; m <= n; m++) {
            verifyConsistency(m, n, build(consistencyProofNodes(m, n)), tree.mth(0, m), root2);
          }
        }),
        { numRuns: 2 },
      );
    });

    it('matches RFC 6962 PROOF for random (size1, size2)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: MAX }), fc.nat(), (n, r) => {
          const m = 1 + (r % n);
          expect(hexAll(build(consistencyProofNodes(m, n)))).toEqual(hexAll(tree.proof(m, n)));
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('when anything is tampered with', () => {
    const arb = fc
      .tuple(fc.integer({ min: 2, max: MAX }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }))
      .map(([n, r, e, bit]) => ({ n, m: 1 + (r % (n - 1)), e, bit }));

    it('fails when any bit of any proof hash is flipped', () => {
      fc.assert(
        fc.property(arb, ({ n, m, e, bit }) => {
          const proof = build(consistencyProofNodes(m, n));
          const i = e % proof.length;
          const bad = proof.map((p, j) => (j === i ? flipBit(p, bit) : p));
          expect(fails(() => verifyConsistency(m, n, bad, tree.mth(0, m), tree.mth(0, n)))).toBe(true);
        }),
        { numRuns: 300 },
      );
    });

    it('fails for every single-bit flip of one full proof (exhaustive)', () => {
      const [m, n] = [37, 99];
      const proof = build(consistencyProofNodes(m, n));
      const [r1, r2] = [tree.mth(0, m), tree.mth(0, n)];
      for (let i = 0; i < proof.length; i++) {
        for (let bit = 0; bit < 256; bit++) {
          const bad = proof.map((p, j) => (j === i ? flipBit(p, bit) : p));
          expect(fails(() => verifyConsistency(m, n, bad, r1, r2))).toBe(true);
        }
      }
    });

    it('fails when any bit of either root is flipped', () => {
      fc.assert(
        fc.property(arb, ({ n, m, bit }) => {
          const proof = build(consistencyProofNodes(m, n));
          const [r1, r2] = [tree.mth(0, m), tree.mth(0, n)];
          expect(fails(() => verifyConsistency(m, n, proof, flipBit(r1, bit), r2))).toBe(true);
          expect(fails(() => verifyConsistency(m, n, proof, r1, flipBit(r2, bit)))).toBe(true);
        }),
        { numRuns: 200 },
      );
    });

    it('fails when any bit (0..52) of either size is flipped, unless the proof shape is identical', () => {
      fc.assert(
        fc.property(arb, fc.integer({ min: 0, max: 52 }), fc.boolean(), ({ n, m }, bit, first) => {
          const proof = build(consistencyProofNodes(m, n));
          const [m2, n2] = first ? [flipNumber(m, bit), n] : [m, flipNumber(n, bit)];
          const same = m2 >= 1 && m2 < n2 && consistencyShape(m2, n2) === consistencyShape(m, n);
          const failed = fails(() => verifyConsistency(m2, n2, proof, tree.mth(0, m), tree.mth(0, n)));
          expect(failed).toBe(!same);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('when the sizes are invalid', () => {
    it.each([
      [0, 5, 'MERKLE_INVALID_SIZE'],
      [0, 0, 'MERKLE_INVALID_SIZE'],
      [6, 5, 'MERKLE_INVALID_SIZE'],
      [-1, 5, 'MERKLE_INVALID_SIZE'],
      [1, 2 ** 53, 'MERKLE_INVALID_SIZE'],
    ])('(%s, %s) throws %s', (m, n, code) => {
      expect(() => consistencyProofNodes(m, n)).toThrow(expect.objectContaining({ code }));
    });

    it('returns no nodes for equal sizes', () => {
      expect(consistencyProofNodes(7, 7).ids).toEqual([]);
    });
  });
});

describe('assembleProof', () => {
  const h = (b: number) => new Uint8Array(32).fill(b);

  describe('when the nodes contain an ephemeral node', () => {
    it('folds its pieces right to left into one hash', () => {
      const ids: NodeId[] = [
        { level: 0, index: 0 },
        { level: 2, index: 1 },
        { level: 1, index: 4 },
        { level: 0, index: 10 },
        { level: 4, index: 1 },
      ];
      const out = assembleProof({ ids, begin: 1, end: 4 }, [h(0), h(1), h(2), h(3), h(4)]);
      expect(hexAll(out)).toEqual(hexAll([h(0), refNodeHash(h(1), refNodeHash(h(2), h(3))), h(4)]));
    });
  });

  describe('when the input is inconsistent', () => {
    it.each([
      [
        'too few hashes',
        { ids: [{ level: 0, index: 0 }], begin: 1, end: 1 },
        [],
        'MERKLE_INVALID_PROOF_LENGTH',
      ],
      [
        'a short hash',
        { ids: [{ level: 0, index: 0 }], begin: 1, end: 1 },
        [new Uint8Array(31)],
        'MERKLE_INVALID_HASH',
      ],
      ['begin after end', { ids: [{ level: 0, index: 0 }], begin: 1, end: 0 }, [h(1)], 'INVALID_INPUT'],
      ['end past the ids', { ids: [{ level: 0, index: 0 }], begin: 0, end: 2 }, [h(1)], 'INVALID_INPUT'],
    ])('%s throws %s', (_, nodes, hashes, code) => {
      expect(() => assembleProof(nodes as ProofNodes, hashes as Uint8Array[])).toThrow(
        expect.objectContaining({ code }),
      );
    });
  });
});

describe('CompactRange', () => {
  describe('when seeded from the range hashes of a tree of size N', () => {
    it('reaches the reference root and reports every completed node while appending', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 600 }), (n1, extra) => {
          const n2 = n1 + extra;
          const seed = rangeNodes(n1).map((id) => tree.node(id.level, id.index));
          const range = CompactRange.fromHashes(n1, seed);
          expect(hex(range.root())).toBe(hex(tree.mth(0, n1)));
          const seen: string[] = [];
          const wrong: string[] = [];
          range.appendMany(tree.leaves.slice(n1, n2), (id, hash) => {
            if (hex(hash) !== hex(tree.node(id.level, id.index))) wrong.push(`${id.level}/${id.index}`);
            seen.push(`${id.level}/${id.index}`);
          });
          expect(wrong).toEqual([]);
          expect(range.size).toBe(n2);
          expect(hex(range.root())).toBe(hex(tree.mth(0, n2)));
          expect(hexAll(range.hashes())).toEqual(
            hexAll(rangeNodes(n2).map((id) => tree.node(id.level, id.index))),
          );
          // Every node completed by the appends is reported exactly once.
          let expected = 0;
          for (let level = 0; 2 ** level <= n2; level++) {
            expected += Math.floor(n2 / 2 ** level) - Math.floor(n1 / 2 ** level);
          }
          expect(new Set(seen).size).toBe(seen.length);
          expect(seen.length).toBe(expected);
        }),
        { numRuns: 20 },
      );
    });
  });

  describe('appendLeaves (leaf data hashed straight into the range)', () => {
    // Node's default (native one-shot hash into the range's slot) and the browser path (noble).
    it.each(['node:crypto', 'noble'])(
      'gives the root and range of append(hashLeaf(data)) for each leaf (%s)',
      (backend) => {
        if (backend === 'node:crypto') useNativeCrypto(nodeCrypto as unknown as NativeCryptoModule);
        try {
          fc.assert(
            fc.property(
              fc.integer({ min: 0, max: 700 }),
              fc.array(fc.uint8Array({ minLength: 0, maxLength: 1200 }), { maxLength: 300 }),
              (n1, data) => {
                const seed = rangeNodes(n1).map((id) => tree.node(id.level, id.index));
                const a = CompactRange.fromHashes(n1, seed);
                const b = CompactRange.fromHashes(n1, seed);
                a.appendLeaves(data);
                for (const d of data) b.append(hashLeaf(d));
                expect(a.size).toBe(n1 + data.length);
                expect(hexAll(a.hashes())).toEqual(hexAll(b.hashes()));
                expect(hex(a.root())).toBe(hex(b.root()));
              },
            ),
            { numRuns: 25 },
          );
          // And against the reference tree, whose leaf i is the hash of `leaf ${i}`.
          const leafData = Array.from({ length: 300 }, (_, i) => new TextEncoder().encode(`leaf ${i}`));
          const r = CompactRange.empty();
          r.appendLeaves(leafData);
          expect(hex(r.root())).toBe(hex(tree.mth(0, 300)));
          // A changed byte in one leaf changes the root.
          const bad = leafData.map((d) => d.slice());
          bad[137]![0]! ^= 1;
          const r2 = CompactRange.empty();
          r2.appendLeaves(bad);
          expect(hex(r2.root())).not.toBe(hex(tree.mth(0, 300)));
        } finally {
          useNativeCrypto(undefined);
        }
      },
    );

    it('refuses a leaf that is not bytes, keeping the leaves before it', () => {
      const r = CompactRange.empty();
      expect(() => r.appendLeaves([new Uint8Array(1), 'x' as never])).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      );
      expect(r.size).toBe(1);
    });
  });

  it('is independent of its clone', () => {
    const a = CompactRange.empty();
    a.appendMany(tree.leaves.slice(0, 5));
    const b = a.clone();
    b.append(tree.leaves[5]!);
    expect(a.size).toBe(5);
    expect(hex(a.root())).toBe(hex(tree.mth(0, 5)));
    expect(hex(b.root())).toBe(hex(tree.mth(0, 6)));
  });

  describe('when fromHashes gets the wrong hashes', () => {
    it.each([
      ['too few hashes', 3, [new Uint8Array(32)], 'INVALID_INPUT'],
      ['too many hashes', 4, [new Uint8Array(32), new Uint8Array(32)], 'INVALID_INPUT'],
      ['a short hash', 1, [new Uint8Array(31)], 'MERKLE_INVALID_HASH'],
      ['a negative size', -1, [], 'MERKLE_INVALID_SIZE'],
    ])('%s throws %s', (_, size, hashes, code) => {
      expect(() => CompactRange.fromHashes(size, hashes)).toThrow(expect.objectContaining({ code }));
    });
  });

  it('rejects a short leaf hash', () => {
    expect(() => CompactRange.empty().append(new Uint8Array(5))).toThrow(
      expect.objectContaining({ code: 'MERKLE_INVALID_HASH' }),
    );
  });
});

describe('rangeNodes', () => {
  it.each([
    [0, []],
    [1, ['0/0']],
    [6, ['2/0', '1/2']],
    [7, ['2/0', '1/2', '0/6']],
    [2 ** 40 + 3, ['40/0', '1/549755813888', '0/1099511627778']],
  ])('size %s -> %j', (n, want) => {
    expect(rangeNodes(n).map((id) => `${id.level}/${id.index}`)).toEqual(want);
  });

  it('matches the root of rootFromLeafHashes when folded', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX }), (n) => {
        const hs = rangeNodes(n).map((id) => tree.node(id.level, id.index));
        let acc = hs[hs.length - 1]!;
        for (let j = hs.length - 2; j >= 0; j--) acc = refNodeHash(hs[j]!, acc);
        expect(hex(acc)).toBe(hex(tree.mth(0, n)));
      }),
      { numRuns: 100 },
    );
    expect(hex(rootFromLeafHashes(tree.leaves.slice(0, 1000)))).toBe(hex(tree.mth(0, 1000)));
    expect(hex(sha256(new Uint8Array(0)))).toBe(hex(tree.mth(0, 0)));
  });
});
