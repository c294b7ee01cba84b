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

/** Message schedule of the first block, plus the round constants (W[t] + K[t]). */
const WK = new Int32Array(64);

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
 */
export function nodeHashInto(left: Uint8Array, right: Uint8Array, out: Uint8Array, outOffset = 0): void {
  const wk2 = WK2;
  const w = WK;
  // Block 1: bytes 0x01, left[0..32), right[0..31).
  w[0] = (1 << 24) | (left[0]! << 16) | (left[1]! << 8) | left[2]!;
  for (let j = 1, k = 3; j < 8; j++, k += 4) {
    w[j] = (left[k]! << 24) | (left[k + 1]! << 16) | (left[k + 2]! << 8) | left[k + 3]!;
  }
  w[8] = (left[31]! << 24) | (right[0]! << 16) | (right[1]! << 8) | right[2]!;
  for (let j = 9, k = 3; j < 16; j++, k += 4) {
    w[j] = (right[k]! << 24) | (right[k + 1]! << 16) | (right[k + 2]! << 8) | right[k + 3]!;
  }
  expandSchedule(w);
  for (let t = 0; t < 64; t++) w[t] = (w[t]! + K[t]!) | 0;

  let a = IV0;
  let b = IV1;
  let c = IV2;
  let d = IV3;
  let e = IV4;
  let f = IV5;
  let g = IV6;
  let h = IV7;
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const T1 = (h + S1 + ((e & f) ^ (~e & g)) + w[t]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const T2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + T1) | 0;
    d = c;
    c = b;
    b = a;
    a = (T1 + T2) | 0;
  }
  const h0 = (a + IV0) | 0;
  const h1 = (b + IV1) | 0;
  const h2 = (c + IV2) | 0;
  const h3 = (d + IV3) | 0;
  const h4 = (e + IV4) | 0;
  const h5 = (f + IV5) | 0;
  const h6 = (g + IV6) | 0;
  const h7 = (h + IV7) | 0;

  // Block 2: precomputed schedule selected by right[31].
  const base = right[31]! * 64;
  a = h0;
  b = h1;
  c = h2;
  d = h3;
  e = h4;
  f = h5;
  g = h6;
  h = h7;
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const T1 = (h + S1 + ((e & f) ^ (~e & g)) + wk2[base + t]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const T2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + T1) | 0;
    d = c;
    c = b;
    b = a;
    a = (T1 + T2) | 0;
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
