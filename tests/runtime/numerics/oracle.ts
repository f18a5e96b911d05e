// Test-only helpers: a seeded PRNG, f32 bit views, and an independent rounding oracle that works
// on f64 values (division by a power-of-two quantum), not on bit patterns like the codecs do.

import { rngU32 } from "../../support/random.js";

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function f32FromBits(u: number): number {
  u32[0] = u;
  return f32[0]!;
}

export function bitsOfF32(x: number): number {
  f32[0] = x;
  return u32[0]!;
}

export { rngU32 as rng };

export interface Format {
  /** stored mantissa bits */
  m: number;
  /** exponent of the smallest normal */
  emin: number;
  /** largest finite value */
  max: number;
}

/** floor(log2 a) for a > 0, exactly (Math.log2 may be off by one near powers of two). */
function ilog2(a: number): number {
  let e = Math.floor(Math.log2(a));
  while (2 ** e > a) e--;
  while (2 ** (e + 1) <= a) e++;
  return e;
}

/**
 * Reference round-to-nearest-even of an f32 value x into `fmt` with unbounded exponent above
 * (overflow is left to the caller): returns the rounded value as a number (sign of zero kept).
 */
export function refRoundUnbounded(x: number, fmt: Format): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  const e = Math.max(ilog2(a), fmt.emin);
  const q = 2 ** (e - fmt.m); // spacing of representable values around a
  const r = a / q; // exact in f64
  const fl = Math.floor(r);
  const d = r - fl;
  const n = d > 0.5 || (d === 0.5 && fl % 2 === 1) ? fl + 1 : fl;
  const v = n * q;
  return x < 0 ? -v : v;
}

/** Random f32 bit patterns: a third fully random, the rest with exponents in [eLo, eHi] and ties. */
export function randomF32(n: number, seed: number, eLo: number, eHi: number, m: number): Float32Array {
  const next = rngU32(seed);
  const out = new Uint32Array(n);
  const dropped = 23 - m;
  for (let i = 0; i < n; i++) {
    const r = next();
    const kind = i % 3;
    if (kind === 0) out[i] = r;
    else {
      const e = eLo + (next() % (eHi - eLo + 1)); // biased f32 exponent
      let u = ((r & 0x80000000) | (e << 23) | (r & 0x7fffff)) >>> 0;
      if (kind === 2 && dropped > 0) {
        // Put the dropped bits at exactly half, or one ulp either side: the tie cases. Sometimes
        // drop more bits, which makes ties for the target's subnormals (fewer mantissa bits).
        const d = Math.min(23, dropped + (next() % 2 ? next() % 16 : 0));
        const half = 1 << (d - 1);
        u = ((u & ~((1 << d) - 1)) | (half + ((next() % 3) - 1))) >>> 0;
      }
      out[i] = u;
    }
  }
  return new Float32Array(out.buffer);
}
