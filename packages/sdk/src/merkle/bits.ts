/**
 * Bit arithmetic on tree sizes and indices (RFC 9162 §2.1) for JS numbers up to 2^53 - 1.
 * JS bitwise operators truncate to 32 bits, so every helper here splits a value into a high and a
 * low 32-bit half. Inputs MUST already be validated safe non-negative integers.
 */

const TWO32 = 0x1_0000_0000;

/** 2^i for i = 0..63 (exact as doubles). */
export const POW2: readonly number[] = Array.from({ length: 64 }, (_, i) => 2 ** i);

/** Number of bits needed to represent x (0 for x = 0). */
export function bitLength(x: number): number {
  if (x < TWO32) return 32 - Math.clz32(x);
  return 64 - Math.clz32(Math.floor(x / TWO32));
}

/** x XOR y. */
export function xor(x: number, y: number): number {
  const hi = (Math.floor(x / TWO32) ^ Math.floor(y / TWO32)) >>> 0;
  const lo = ((x >>> 0) ^ (y >>> 0)) >>> 0;
  return hi * TWO32 + lo;
}

function popcount32(v: number): number {
  let x = v >>> 0;
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Number of 1 bits in x. */
export function popcount(x: number): number {
  return popcount32(x >>> 0) + popcount32(Math.floor(x / TWO32));
}

/** Number of trailing zero bits of x (x MUST be > 0). */
export function trailingZeros(x: number): number {
  const lo = x >>> 0;
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  const hi = Math.floor(x / TWO32);
  return 32 + 31 - Math.clz32(hi & -hi);
}

/** floor(x / 2^n). */
export function shiftRight(x: number, n: number): number {
  return Math.floor(x / POW2[n]!);
}
