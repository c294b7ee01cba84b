/**
 * A brute-force RFC 6962 §2.1 reference, written straight from the RFC's recursive definitions
 * (MTH, PATH, PROOF/SUBPROOF) on top of @noble/hashes, independent of src/merkle. Tests compare the
 * optimized implementation against it.
 */
import { sha256 } from '@noble/hashes/sha2.js';

export function refLeafHash(data: Uint8Array): Uint8Array {
  const m = new Uint8Array(1 + data.length);
  m.set(data, 1);
  return sha256(m);
}

export function refNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const m = new Uint8Array(65);
  m[0] = 1;
  m.set(left, 1);
  m.set(right, 33);
  return sha256(m);
}

/** Largest power of two strictly smaller than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Deterministic leaf hashes 0..n-1, so that every tree is a prefix of the next. */
export function makeLeaves(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => refLeafHash(new TextEncoder().encode(`leaf ${i}`)));
}

/** A tree over fixed leaves with memoized MTH of any range. */
export class RefTree {
  readonly leaves: Uint8Array[];
  readonly #memo = new Map<string, Uint8Array>();

  constructor(leaves: Uint8Array[]) {
    this.leaves = leaves;
  }

  /** MTH(D[lo:hi]). */
  mth(lo: number, hi: number): Uint8Array {
    const n = hi - lo;
    if (n === 0) return sha256(new Uint8Array(0));
    if (n === 1) return this.leaves[lo]!;
    const key = `${lo}:${hi}`;
    const hit = this.#memo.get(key);
    if (hit) return hit;
    const k = splitPoint(n);
    const h = refNodeHash(this.mth(lo, lo + k), this.mth(lo + k, hi));
    this.#memo.set(key, h);
    return h;
  }

  /** Hash of the perfect node {level, index}. */
  node(level: number, index: number): Uint8Array {
    return this.mth(index * 2 ** level, (index + 1) * 2 ** level);
  }

  /** PATH(m, D[lo:hi]) (RFC 6962 §2.1.1), m absolute. */
  path(m: number, lo: number, hi: number): Uint8Array[] {
    const n = hi - lo;
    if (n <= 1) return [];
    const k = splitPoint(n);
    if (m < lo + k) return [...this.path(m, lo, lo + k), this.mth(lo + k, hi)];
    return [...this.path(m, lo + k, hi), this.mth(lo, lo + k)];
  }

  /** PROOF(m, D[0:n]) (RFC 6962 §2.1.2). */
  proof(m: number, n: number): Uint8Array[] {
    return this.subproof(m, 0, n, true);
  }

  private subproof(m: number, lo: number, hi: number, b: boolean): Uint8Array[] {
    const n = hi - lo;
    if (m === n) return b ? [] : [this.mth(lo, hi)];
    const k = splitPoint(n);
    if (m <= k) return [...this.subproof(m, lo, lo + k, b), this.mth(lo + k, hi)];
    return [...this.subproof(m - k, lo + k, hi, false), this.mth(lo, lo + k)];
  }
}

/**
 * The shape of PATH(m, D[n]): which side each proof element sits on. Inclusion verification's
 * computation depends only on this shape, so (m, n) and (m, n') with equal shapes are
 * indistinguishable to any verifier (the tree size is bound by the root, not by the proof).
 */
export function inclusionShape(m: number, n: number): string {
  if (n <= 1) return '';
  const k = splitPoint(n);
  return m < k ? `${inclusionShape(m, k)}R` : `${inclusionShape(m - k, n - k)}L`;
}

/** The shape of PROOF(m, D[n]), in the same sense as `inclusionShape`. */
export function consistencyShape(m: number, n: number, b = true): string {
  if (m === n) return b ? 'T' : 'F';
  const k = splitPoint(n);
  return m <= k ? `${consistencyShape(m, k, b)}l` : `${consistencyShape(m - k, n - k, false)}r`;
}
