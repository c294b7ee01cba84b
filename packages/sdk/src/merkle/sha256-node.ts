/**
 * SHA-256 (FIPS 180-4) specialised for RFC 6962 / RFC 9162 interior nodes: the message is always
 * exactly 65 bytes, `0x01 || left(32) || right(32)`, i.e. two 512-bit blocks.
 *
 * Why a specialised implementation: proof verification hashes nothing but interior nodes, and a
 * generic streaming hasher spends most of its time on per-call setup (objects, DataView, padding).
 * Here the first block's message words are read straight from the two input arrays, and the second
 * block is fully determined by the last byte of `right` (then 0x80, zeros, bit length 520), so its
 * 64 message-schedule words (already added to the round constants) are precomputed for all 256 byte
 * values. No allocation happens per call. The result MUST equal SHA-256 of the 65-byte message; the
 * tests check it against @noble/hashes on random inputs.
 */

// FIPS 180-4 §4.2.2: first 32 bits of the fractional parts of the cube roots of the first 64 primes.
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

// FIPS 180-4 §5.3.3: initial hash value.
const IV0 = 0x6a09e667 | 0;
const IV1 = 0xbb67ae85 | 0;
const IV2 = 0x3c6ef372 | 0;
const IV3 = 0xa54ff53a | 0;
const IV4 = 0x510e527f | 0;
const IV5 = 0x9b05688c | 0;
const IV6 = 0x1f83d9ab | 0;
const IV7 = 0x5be0cd19 | 0;

function expandSchedule(w: Int32Array): void {
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15]!;
    const y = w[t - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[t] = (s1 + w[t - 7]! + s0 + w[t - 16]!) | 0;
  }
}

function secondBlockTable(): Int32Array {
  const table = new Int32Array(256 * 64);
  const w = new Int32Array(64);
  for (let b = 0; b < 256; b++) {
    w.fill(0);
    w[0] = (b << 24) | 0x800000; // right[31], then the 0x80 padding byte
    w[15] = 520; // message length in bits
    expandSchedule(w);
    for (let t = 0; t < 64; t++) table[b * 64 + t] = (w[t]! + K[t]!) | 0;
  }
  return table;
}

/** For each value of right[31]: the second block's W[t] + K[t], t = 0..63 (64 KiB). */
const WK2: Int32Array = /* @__PURE__ */ secondBlockTable();

/**
 * Writes SHA-256(0x01 || left || right) into `out[outOffset .. outOffset + 32)`. `left` and `right`
 * MUST be at least 32 bytes long (only the first 32 are read); `out` may alias either input.
 *
 * Rounds are written out 16 (block 1) or 8 (block 2) per loop iteration (FIPS 180-4 §6.2.2 step 3
 * in the two-assignment form: T1 is added into h and d, then T2 into h, and the register names
 * rotate instead of the values), with the first block's message schedule in 16 rolling locals, so
 * V8 keeps the whole state in registers. Fully unrolling all 128 rounds was measured as fast once
 * optimized but far slower before (a loop-free function cannot be on-stack-replaced), which hurts
 * one-shot verification.
 */
// biome-ignore format: generated rounds, one line per step
export function nodeHashInto(left: Uint8Array, right: Uint8Array, out: Uint8Array, outOffset = 0): void {
  const wk2 = WK2;
  // Block 1: bytes 0x01, left[0..32), right[0..31).
  let w0 = (1 << 24) | (left[0]! << 16) | (left[1]! << 8) | left[2]!;
  let w1 = (left[3]! << 24) | (left[4]! << 16) | (left[5]! << 8) | left[6]!;
  let w2 = (left[7]! << 24) | (left[8]! << 16) | (left[9]! << 8) | left[10]!;
  let w3 = (left[11]! << 24) | (left[12]! << 16) | (left[13]! << 8) | left[14]!;
  let w4 = (left[15]! << 24) | (left[16]! << 16) | (left[17]! << 8) | left[18]!;
  let w5 = (left[19]! << 24) | (left[20]! << 16) | (left[21]! << 8) | left[22]!;
  let w6 = (left[23]! << 24) | (left[24]! << 16) | (left[25]! << 8) | left[26]!;
  let w7 = (left[27]! << 24) | (left[28]! << 16) | (left[29]! << 8) | left[30]!;
  let w8 = (left[31]! << 24) | (right[0]! << 16) | (right[1]! << 8) | right[2]!;
  let w9 = (right[3]! << 24) | (right[4]! << 16) | (right[5]! << 8) | right[6]!;
  let w10 = (right[7]! << 24) | (right[8]! << 16) | (right[9]! << 8) | right[10]!;
  let w11 = (right[11]! << 24) | (right[12]! << 16) | (right[13]! << 8) | right[14]!;
  let w12 = (right[15]! << 24) | (right[16]! << 16) | (right[17]! << 8) | right[18]!;
  let w13 = (right[19]! << 24) | (right[20]! << 16) | (right[21]! << 8) | right[22]!;
  let w14 = (right[23]! << 24) | (right[24]! << 16) | (right[25]! << 8) | right[26]!;
  let w15 = (right[27]! << 24) | (right[28]! << 16) | (right[29]! << 8) | right[30]!;
  // Block 2 is selected by right[31]; read it before `out` (which may alias `right`) is written.
  const base = right[31]! * 64;

  let a = IV0;
  let b = IV1;
  let c = IV2;
  let d = IV3;
  let e = IV4;
  let f = IV5;
  let g = IV6;
  let h = IV7;
  for (let t = 0; t < 64; t += 16) {
    if (t > 0) {
      w0 = ((((w14 >>> 17) | (w14 << 15)) ^ ((w14 >>> 19) | (w14 << 13)) ^ (w14 >>> 10)) + w9 + (((w1 >>> 7) | (w1 << 25)) ^ ((w1 >>> 18) | (w1 << 14)) ^ (w1 >>> 3)) + w0) | 0;
      w1 = ((((w15 >>> 17) | (w15 << 15)) ^ ((w15 >>> 19) | (w15 << 13)) ^ (w15 >>> 10)) + w10 + (((w2 >>> 7) | (w2 << 25)) ^ ((w2 >>> 18) | (w2 << 14)) ^ (w2 >>> 3)) + w1) | 0;
      w2 = ((((w0 >>> 17) | (w0 << 15)) ^ ((w0 >>> 19) | (w0 << 13)) ^ (w0 >>> 10)) + w11 + (((w3 >>> 7) | (w3 << 25)) ^ ((w3 >>> 18) | (w3 << 14)) ^ (w3 >>> 3)) + w2) | 0;
      w3 = ((((w1 >>> 17) | (w1 << 15)) ^ ((w1 >>> 19) | (w1 << 13)) ^ (w1 >>> 10)) + w12 + (((w4 >>> 7) | (w4 << 25)) ^ ((w4 >>> 18) | (w4 << 14)) ^ (w4 >>> 3)) + w3) | 0;
      w4 = ((((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10)) + w13 + (((w5 >>> 7) | (w5 << 25)) ^ ((w5 >>> 18) | (w5 << 14)) ^ (w5 >>> 3)) + w4) | 0;
      w5 = ((((w3 >>> 17) | (w3 << 15)) ^ ((w3 >>> 19) | (w3 << 13)) ^ (w3 >>> 10)) + w14 + (((w6 >>> 7) | (w6 << 25)) ^ ((w6 >>> 18) | (w6 << 14)) ^ (w6 >>> 3)) + w5) | 0;
      w6 = ((((w4 >>> 17) | (w4 << 15)) ^ ((w4 >>> 19) | (w4 << 13)) ^ (w4 >>> 10)) + w15 + (((w7 >>> 7) | (w7 << 25)) ^ ((w7 >>> 18) | (w7 << 14)) ^ (w7 >>> 3)) + w6) | 0;
      w7 = ((((w5 >>> 17) | (w5 << 15)) ^ ((w5 >>> 19) | (w5 << 13)) ^ (w5 >>> 10)) + w0 + (((w8 >>> 7) | (w8 << 25)) ^ ((w8 >>> 18) | (w8 << 14)) ^ (w8 >>> 3)) + w7) | 0;
      w8 = ((((w6 >>> 17) | (w6 << 15)) ^ ((w6 >>> 19) | (w6 << 13)) ^ (w6 >>> 10)) + w1 + (((w9 >>> 7) | (w9 << 25)) ^ ((w9 >>> 18) | (w9 << 14)) ^ (w9 >>> 3)) + w8) | 0;
      w9 = ((((w7 >>> 17) | (w7 << 15)) ^ ((w7 >>> 19) | (w7 << 13)) ^ (w7 >>> 10)) + w2 + (((w10 >>> 7) | (w10 << 25)) ^ ((w10 >>> 18) | (w10 << 14)) ^ (w10 >>> 3)) + w9) | 0;
      w10 = ((((w8 >>> 17) | (w8 << 15)) ^ ((w8 >>> 19) | (w8 << 13)) ^ (w8 >>> 10)) + w3 + (((w11 >>> 7) | (w11 << 25)) ^ ((w11 >>> 18) | (w11 << 14)) ^ (w11 >>> 3)) + w10) | 0;
      w11 = ((((w9 >>> 17) | (w9 << 15)) ^ ((w9 >>> 19) | (w9 << 13)) ^ (w9 >>> 10)) + w4 + (((w12 >>> 7) | (w12 << 25)) ^ ((w12 >>> 18) | (w12 << 14)) ^ (w12 >>> 3)) + w11) | 0;
      w12 = ((((w10 >>> 17) | (w10 << 15)) ^ ((w10 >>> 19) | (w10 << 13)) ^ (w10 >>> 10)) + w5 + (((w13 >>> 7) | (w13 << 25)) ^ ((w13 >>> 18) | (w13 << 14)) ^ (w13 >>> 3)) + w12) | 0;
      w13 = ((((w11 >>> 17) | (w11 << 15)) ^ ((w11 >>> 19) | (w11 << 13)) ^ (w11 >>> 10)) + w6 + (((w14 >>> 7) | (w14 << 25)) ^ ((w14 >>> 18) | (w14 << 14)) ^ (w14 >>> 3)) + w13) | 0;
      w14 = ((((w12 >>> 17) | (w12 << 15)) ^ ((w12 >>> 19) | (w12 << 13)) ^ (w12 >>> 10)) + w7 + (((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)) + w14) | 0;
      w15 = ((((w13 >>> 17) | (w13 << 15)) ^ ((w13 >>> 19) | (w13 << 13)) ^ (w13 >>> 10)) + w8 + (((w0 >>> 7) | (w0 << 25)) ^ ((w0 >>> 18) | (w0 << 14)) ^ (w0 >>> 3)) + w15) | 0;
    }
    h = (h + ((((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7)))) + (g ^ (e & (f ^ g))) + w0 + K[t + 0]!) | 0;
    d = (d + h) | 0;
    h = (h + ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10)))) + ((a & b) | (c & (a | b)))) | 0;
    g = (g + ((((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7)))) + (f ^ (d & (e ^ f))) + w1 + K[t + 1]!) | 0;
    c = (c + g) | 0;
    g = (g + ((((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10)))) + ((h & a) | (b & (h | a)))) | 0;
    f = (f + ((((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7)))) + (e ^ (c & (d ^ e))) + w2 + K[t + 2]!) | 0;
    b = (b + f) | 0;
    f = (f + ((((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10)))) + ((g & h) | (a & (g | h)))) | 0;
    e = (e + ((((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7)))) + (d ^ (b & (c ^ d))) + w3 + K[t + 3]!) | 0;
    a = (a + e) | 0;
    e = (e + ((((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10)))) + ((f & g) | (h & (f | g)))) | 0;
    d = (d + ((((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7)))) + (c ^ (a & (b ^ c))) + w4 + K[t + 4]!) | 0;
    h = (h + d) | 0;
    d = (d + ((((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10)))) + ((e & f) | (g & (e | f)))) | 0;
    c = (c + ((((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7)))) + (b ^ (h & (a ^ b))) + w5 + K[t + 5]!) | 0;
    g = (g + c) | 0;
    c = (c + ((((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10)))) + ((d & e) | (f & (d | e)))) | 0;
    b = (b + ((((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7)))) + (a ^ (g & (h ^ a))) + w6 + K[t + 6]!) | 0;
    f = (f + b) | 0;
    b = (b + ((((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10)))) + ((c & d) | (e & (c | d)))) | 0;
    a = (a + ((((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7)))) + (h ^ (f & (g ^ h))) + w7 + K[t + 7]!) | 0;
    e = (e + a) | 0;
    a = (a + ((((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10)))) + ((b & c) | (d & (b | c)))) | 0;
    h = (h + ((((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7)))) + (g ^ (e & (f ^ g))) + w8 + K[t + 8]!) | 0;
    d = (d + h) | 0;
    h = (h + ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10)))) + ((a & b) | (c & (a | b)))) | 0;
    g = (g + ((((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7)))) + (f ^ (d & (e ^ f))) + w9 + K[t + 9]!) | 0;
    c = (c + g) | 0;
    g = (g + ((((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10)))) + ((h & a) | (b & (h | a)))) | 0;
    f = (f + ((((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7)))) + (e ^ (c & (d ^ e))) + w10 + K[t + 10]!) | 0;
    b = (b + f) | 0;
    f = (f + ((((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10)))) + ((g & h) | (a & (g | h)))) | 0;
    e = (e + ((((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7)))) + (d ^ (b & (c ^ d))) + w11 + K[t + 11]!) | 0;
    a = (a + e) | 0;
    e = (e + ((((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10)))) + ((f & g) | (h & (f | g)))) | 0;
    d = (d + ((((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7)))) + (c ^ (a & (b ^ c))) + w12 + K[t + 12]!) | 0;
    h = (h + d) | 0;
    d = (d + ((((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10)))) + ((e & f) | (g & (e | f)))) | 0;
    c = (c + ((((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7)))) + (b ^ (h & (a ^ b))) + w13 + K[t + 13]!) | 0;
    g = (g + c) | 0;
    c = (c + ((((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10)))) + ((d & e) | (f & (d | e)))) | 0;
    b = (b + ((((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7)))) + (a ^ (g & (h ^ a))) + w14 + K[t + 14]!) | 0;
    f = (f + b) | 0;
    b = (b + ((((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10)))) + ((c & d) | (e & (c | d)))) | 0;
    a = (a + ((((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7)))) + (h ^ (f & (g ^ h))) + w15 + K[t + 15]!) | 0;
    e = (e + a) | 0;
    a = (a + ((((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10)))) + ((b & c) | (d & (b | c)))) | 0;
  }
  const h0 = (a + IV0) | 0;
  const h1 = (b + IV1) | 0;
  const h2 = (c + IV2) | 0;
  const h3 = (d + IV3) | 0;
  const h4 = (e + IV4) | 0;
  const h5 = (f + IV5) | 0;
  const h6 = (g + IV6) | 0;
  const h7 = (h + IV7) | 0;
  a = h0;
  b = h1;
  c = h2;
  d = h3;
  e = h4;
  f = h5;
  g = h6;
  h = h7;
  for (let t = base; t < base + 64; t += 8) {
    h = (h + ((((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7)))) + (g ^ (e & (f ^ g))) + wk2[t]!) | 0;
    d = (d + h) | 0;
    h = (h + ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10)))) + ((a & b) | (c & (a | b)))) | 0;
    g = (g + ((((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7)))) + (f ^ (d & (e ^ f))) + wk2[t + 1]!) | 0;
    c = (c + g) | 0;
    g = (g + ((((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10)))) + ((h & a) | (b & (h | a)))) | 0;
    f = (f + ((((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7)))) + (e ^ (c & (d ^ e))) + wk2[t + 2]!) | 0;
    b = (b + f) | 0;
    f = (f + ((((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10)))) + ((g & h) | (a & (g | h)))) | 0;
    e = (e + ((((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7)))) + (d ^ (b & (c ^ d))) + wk2[t + 3]!) | 0;
    a = (a + e) | 0;
    e = (e + ((((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10)))) + ((f & g) | (h & (f | g)))) | 0;
    d = (d + ((((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7)))) + (c ^ (a & (b ^ c))) + wk2[t + 4]!) | 0;
    h = (h + d) | 0;
    d = (d + ((((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10)))) + ((e & f) | (g & (e | f)))) | 0;
    c = (c + ((((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7)))) + (b ^ (h & (a ^ b))) + wk2[t + 5]!) | 0;
    g = (g + c) | 0;
    c = (c + ((((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10)))) + ((d & e) | (f & (d | e)))) | 0;
    b = (b + ((((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7)))) + (a ^ (g & (h ^ a))) + wk2[t + 6]!) | 0;
    f = (f + b) | 0;
    b = (b + ((((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10)))) + ((c & d) | (e & (c | d)))) | 0;
    a = (a + ((((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7)))) + (h ^ (f & (g ^ h))) + wk2[t + 7]!) | 0;
    e = (e + a) | 0;
    a = (a + ((((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10)))) + ((b & c) | (d & (b | c)))) | 0;
  }
  writeWord(out, outOffset, (a + h0) | 0);
  writeWord(out, outOffset + 4, (b + h1) | 0);
  writeWord(out, outOffset + 8, (c + h2) | 0);
  writeWord(out, outOffset + 12, (d + h3) | 0);
  writeWord(out, outOffset + 16, (e + h4) | 0);
  writeWord(out, outOffset + 20, (f + h5) | 0);
  writeWord(out, outOffset + 24, (g + h6) | 0);
  writeWord(out, outOffset + 28, (h + h7) | 0);
}

function writeWord(out: Uint8Array, i: number, v: number): void {
  out[i] = v >>> 24;
  out[i + 1] = v >>> 16;
  out[i + 2] = v >>> 8;
  out[i + 3] = v;
}
