/**
 * Native hashing (crypto/native.ts): with node:crypto handed in, `digest`/`sha256` and RFC 6962 leaf
 * hashes run in OpenSSL, and MUST give exactly what @noble/hashes gives without it (the browser
 * path); a native module without hash functions leaves hashing on @noble/hashes.
 */
import * as nodeCrypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { digest, sha256, useNativeCrypto } from '../src/crypto/index.js';
import { hexEncode, utf8Encode } from '../src/encoding.js';
import { CompactRange, hashLeaf } from '../src/merkle/index.js';
import { referenceTree } from './vectors/transparency-dev-merkle.js';

const hex = hexEncode;
let hashCalls = 0;
const countingNative = {
  createPublicKey: nodeCrypto.createPublicKey,
  verify: nodeCrypto.verify,
  createHash: (alg: string) => {
    hashCalls++;
    return nodeCrypto.createHash(alg);
  },
  hash: (alg: string, data: Uint8Array, enc: 'latin1') => {
    hashCalls++;
    // 'latin1' is 'binary' in @types/node's list of output encodings.
    return nodeCrypto.hash(alg, data, enc === 'latin1' ? 'binary' : enc);
  },
};

afterEach(() => {
  useNativeCrypto(undefined);
});

const inputs = [new Uint8Array(0), utf8Encode('abc'), nodeCrypto.randomBytes(1000)];

describe('hashing with and without native crypto', () => {
  it.each(['sha256', 'sha384', 'sha512'] as const)(
    '%s digests are identical, and native ones are used',
    (alg) => {
      const plain = inputs.map((b) => hex(digest(alg, b)));
      useNativeCrypto(countingNative as never);
      const before = hashCalls;
      expect(inputs.map((b) => hex(digest(alg, b)))).toEqual(plain);
      expect(hashCalls - before).toBe(inputs.length);
      expect(plain.map((h, i) => h === nodeCrypto.createHash(alg).update(inputs[i]!).digest('hex'))).toEqual([
        true,
        true,
        true,
      ]);
    },
  );

  it('returns plain Uint8Arrays, never a Buffer', () => {
    useNativeCrypto(nodeCrypto as never);
    for (const h of [sha256(inputs[1]!), hashLeaf(inputs[1]!)]) {
      expect(Object.getPrototypeOf(h)).toBe(Uint8Array.prototype);
    }
  });

  it('hashes leaves natively to the RFC 6962 reference roots', () => {
    const ref = referenceTree();
    const before = hashCalls;
    useNativeCrypto(countingNative as never);
    const range = CompactRange.empty();
    range.appendMany(ref.leaves.map(hashLeaf));
    expect(hashCalls - before).toBe(ref.leaves.length);
    expect(hex(range.root())).toBe(hex(ref.roots[ref.leaves.length]!));
    useNativeCrypto(undefined);
    expect(ref.leaves.map((l) => hex(hashLeaf(l)))).toEqual(
      ref.leaves.map((l) => nodeCrypto.createHash('sha256').update(Uint8Array.of(0)).update(l).digest('hex')),
    );
  });

  it('hashes leaves of every size natively (reused buffer, then streaming past 64 KiB) to the same hash', () => {
    const leaves = [0, 1, 600, 70_000, 5, 65_535, 65_536].map((n) => nodeCrypto.randomBytes(n));
    const want = leaves.map((l) => hex(hashLeaf(l)));
    useNativeCrypto(countingNative as never);
    const before = hashCalls;
    expect(leaves.map((l) => hex(hashLeaf(l)))).toEqual(want);
    expect(hashCalls - before).toBe(leaves.length);
  });

  it('keeps @noble/hashes when the native module has no hash functions', () => {
    useNativeCrypto({ createPublicKey: nodeCrypto.createPublicKey, verify: nodeCrypto.verify } as never);
    expect(hex(sha256(utf8Encode('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(hex(hashLeaf(new Uint8Array(0)))).toBe(
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
  });
});
