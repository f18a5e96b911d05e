// Power-of-two helpers for scales (DESIGN.md "Public API": sf.pow2). They mirror jax-scalify's
// pow2_round_down / pow2_round_up / pow2_decompose, in f32 semantics: the input goes through
// Math.fround and every result is f32-representable. Done on the bit pattern (not Math.log2),
// so subnormals and the boundaries are exact.
//
// roundDown/roundUp work on |x| and put x's sign back: 0 → ±0, ±Inf → ±Inf, NaN → NaN.
// decompose(x) → {scale, mantissa}: scale = 2^⌊log2|x|⌋ ≥ 0, mantissa = x / scale in [1, 2)
// with x's sign; 0 → (0, ±0); ±Inf → (Inf, ±Inf); NaN → (Inf, NaN) (jax-scalify's behaviour:
// the exponent field of NaN is all ones).

import { f32Bits, f32FromBits } from "./bits.js";

const SIGN = 0x80000000;
const EXP = 0x7f800000;
const MANT = 0x007fffff;

/** f32 bits of the largest power of two ≤ |x| (sign kept), for bits `u`. */
function roundDownBits(u: number): number {
  const abs = u & 0x7fffffff;
  if (abs >= EXP || abs === 0) return u; // ±Inf, NaN, ±0 unchanged
  const sign = u & SIGN;
  if (abs >= 0x00800000) return (sign | (abs & EXP)) >>> 0; // normal: clear the mantissa
  return (sign | (0x80000000 >>> Math.clz32(abs))) >>> 0; // subnormal: keep the leading bit
}

/** f32 bits of the smallest power of two ≥ |x| (sign kept), for bits `u`; above 2^127 it is Inf. */
function roundUpBits(u: number): number {
  const abs = u & 0x7fffffff;
  if (abs >= EXP || abs === 0) return u;
  const sign = u & SIGN;
  if (abs >= 0x00800000) {
    if ((abs & MANT) === 0) return u; // already a power of two
    return (sign | ((abs & EXP) + 0x00800000)) >>> 0; // next exponent; 2^128 is the Inf pattern
  }
  if ((abs & (abs - 1)) === 0) return u; // subnormal power of two
  // Next power above the leading bit; 2^-126 (bits 0x00800000) is the smallest normal.
  return (sign | (0x80000000 >>> (Math.clz32(abs) - 1))) >>> 0;
}

export function roundDown(x: number): number;
export function roundDown(x: Float32Array): Float32Array;
/** Largest power of two ≤ |x|, with x's sign (f32). */
export function roundDown(x: number | Float32Array): number | Float32Array {
  return typeof x === "number" ? f32FromBits(roundDownBits(f32Bits(x))) : roundDownArray(x);
}

export function roundUp(x: number): number;
export function roundUp(x: Float32Array): Float32Array;
/** Smallest power of two ≥ |x|, with x's sign (f32). */
export function roundUp(x: number | Float32Array): number | Float32Array {
  return typeof x === "number" ? f32FromBits(roundUpBits(f32Bits(x))) : roundUpArray(x);
}

function mapBits(x: Float32Array, f: (u: number) => number): Float32Array {
  const inp = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const out = new Uint32Array(x.length);
  for (let i = 0; i < inp.length; i++) out[i] = f(inp[i]!);
  return new Float32Array(out.buffer);
}

export function roundDownArray(x: Float32Array): Float32Array {
  return mapBits(x, roundDownBits);
}

export function roundUpArray(x: Float32Array): Float32Array {
  return mapBits(x, roundUpBits);
}

export interface Pow2Decomposition<T> {
  scale: T;
  mantissa: T;
}

/** Scale bits (non-negative) for f32 bits `u`: 2^⌊log2|x|⌋, 0 for ±0, +Inf for ±Inf and NaN. */
function scaleBits(u: number): number {
  const abs = u & 0x7fffffff;
  return abs >= EXP ? EXP : roundDownBits(abs);
}

/** x / scale; exact because scale is a power of two and the quotient has ≤ 24 significant bits. */
function mantissaOf(x: number, scale: number): number {
  if (scale === 0 || scale === Infinity) return x; // ±0 → ±0, ±Inf → ±Inf, NaN → NaN
  return x / scale;
}

export function decompose(x: number): Pow2Decomposition<number>;
export function decompose(x: Float32Array): Pow2Decomposition<Float32Array>;
/** Splits x into a non-negative power-of-two scale and a mantissa in [1, 2) carrying the sign. */
export function decompose(x: number | Float32Array): Pow2Decomposition<number> | Pow2Decomposition<Float32Array> {
  if (typeof x !== "number") return decomposeArray(x);
  const u = f32Bits(x);
  const scale = f32FromBits(scaleBits(u));
  return { scale, mantissa: mantissaOf(f32FromBits(u), scale) };
}

export function decomposeArray(x: Float32Array): Pow2Decomposition<Float32Array> {
  const scale = mapBits(x, scaleBits);
  const mantissa = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) mantissa[i] = mantissaOf(x[i]!, scale[i]!);
  return { scale, mantissa };
}
