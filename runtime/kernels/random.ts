// random_bits: Philox-4x32-10, the counter-based generator of J. K. Salmon, M. A. Moraes,
// R. O. Dror and D. E. Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11 (Random123).
// Identical on every backend (DESIGN.md "Public API": randomness is counter-based).
//
// Layout: the key i32[2] gives the Philox key (k0, k1) as uint32 words; block b uses the
// counter (b, 0, 0, 0); element j of the flat output is word j mod 4 of block ⌊j / 4⌋,
// reinterpreted as i32.
import { Tensor } from "../tensor.js";
import type { KernelTable } from "./types.js";
import { size } from "./util.js";

// Round multipliers and Weyl key increments of Philox4x32 (Random123 philox.h:
// PHILOX_M4x32_0/1, PHILOX_W32_0/1 — the latter are the golden ratio and √3 − 1 in 0.32 fixed point).
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const ROUNDS = 10;

/**
 * The exact 64-bit product of two uint32 values as [hi, lo] uint32 words. JS numbers hold only
 * 53 bits, so the product is formed from 16-bit halves, each partial product exact in f64.
 */
export function mulhilo32(a: number, b: number): [number, number] {
  const aL = a & 0xffff;
  const aH = a >>> 16;
  const bL = b & 0xffff;
  const bH = b >>> 16;
  const ll = aL * bL;
  const lh = aL * bH;
  const hl = aH * bL;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff); // < 3·2^16: the carry into the high word
  const hi = (aH * bH + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
  const lo = Math.imul(a, b) >>> 0;
  return [hi, lo];
}

/** One Philox4x32-10 block: 4 uint32 counter words and 2 uint32 key words → 4 uint32 words. */
export function philox4x32(counter: readonly number[], key: readonly number[]): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter.map((w) => w >>> 0) as [number, number, number, number];
  let k0 = key[0]! >>> 0;
  let k1 = key[1]! >>> 0;
  for (let r = 0; r < ROUNDS; r++) {
    if (r > 0) {
      // The key schedule bumps the key before every round but the first.
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const [hi0, lo0] = mulhilo32(M0, c0);
    const [hi1, lo1] = mulhilo32(M1, c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return [c0, c1, c2, c3];
}

/** `n` random words from a key, as i32 (see the file comment for the layout). */
export function randomBits(key: Int32Array, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let b = 0; 4 * b < n; b++) {
    const words = philox4x32([b, 0, 0, 0], [key[0]!, key[1]!]);
    for (let w = 0; w < 4 && 4 * b + w < n; w++) out[4 * b + w] = words[w]! | 0;
  }
  return out;
}

export const randomKernels = {
  random_bits: (_p, [key], [out]) => [new Tensor("i32", out!.shape, randomBits(key!.storage as Int32Array, size(out!.shape)))],
} satisfies Partial<KernelTable>;
