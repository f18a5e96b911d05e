// FP8 codecs: f8e4m3fn (OCP E4M3, "fn" = finite + NaN) and f8e5m2 (IEEE-like), DESIGN.md
// "Dtypes and numerics". Non-saturating mode matches ml_dtypes/JAX; saturating mode matches
// ONNX Cast(saturate=1): overflow and ±Inf clamp to ±max, NaN stays NaN.

import { buildDecodeTable, f32Bits, minifloatValue, roundMagnitude } from "./bits.js";

// e4m3fn: 4 exponent bits (bias 7), 3 mantissa bits, no Inf; S.1111.111 is NaN, so the
// largest finite magnitude code is 0x7e = 1.75 · 2^8 = 448.
export const E4M3FN_MAX = 448;
const E4M3_MAX_CODE = 0x7e;
const E4M3_NAN = 0x7f;

// e5m2: 5 exponent bits (bias 15), 2 mantissa bits; exponent 31 holds ±Inf (0x7c) and NaNs
// (0x7d..0x7f), so the largest finite magnitude code is 0x7b = 1.75 · 2^15 = 57344.
export const E5M2_MAX = 57344;
const E5M2_MAX_CODE = 0x7b;
const E5M2_INF = 0x7c;
const E5M2_NAN = 0x7e; // quiet NaN (top mantissa bit set)

/** e4m3fn code of f32 bits `u`. Overflow (after rounding) and ±Inf → NaN, or ±448 when saturating. */
export function e4m3fnFromF32Bits(u: number, saturate: boolean): number {
  const sign = (u >>> 24) & 0x80;
  const abs = u & 0x7fffffff;
  if (abs > 0x7f800000) return sign | E4M3_NAN;
  // ±Inf needs no branch: its rounded code is far above the max, exactly like an overflow.
  const c = roundMagnitude(abs, 3, 7);
  if (c > E4M3_MAX_CODE) return sign | (saturate ? E4M3_MAX_CODE : E4M3_NAN);
  return sign | c;
}

/** e5m2 code of f32 bits `u`. Overflow (after rounding) and ±Inf → ±Inf, or ±57344 when saturating. */
export function e5m2FromF32Bits(u: number, saturate: boolean): number {
  const sign = (u >>> 24) & 0x80;
  const abs = u & 0x7fffffff;
  if (abs > 0x7f800000) return sign | E5M2_NAN;
  const c = roundMagnitude(abs, 2, 15);
  if (c > E5M2_MAX_CODE) return sign | (saturate ? E5M2_MAX_CODE : E5M2_INF);
  return sign | c;
}

/** e4m3fn code of `Math.fround(x)`, round to nearest even. */
export function encodeE4M3FN(x: number, saturate = false): number {
  return e4m3fnFromF32Bits(f32Bits(x), saturate);
}

/** e5m2 code of `Math.fround(x)`, round to nearest even. */
export function encodeE5M2(x: number, saturate = false): number {
  return e5m2FromF32Bits(f32Bits(x), saturate);
}

function signed(sign: number, v: number): number {
  return f32Bits(sign ? -v : v);
}

export const E4M3FN_TABLE = buildDecodeTable(256, (c) => {
  const abs = c & 0x7f;
  const sign = (c & 0x80) << 24;
  if (abs === E4M3_NAN) return (sign | 0x7fc00000) >>> 0;
  return signed(sign, minifloatValue(abs, 3, 7));
});

export const E5M2_TABLE = buildDecodeTable(256, (c) => {
  const abs = c & 0x7f;
  const sign = (c & 0x80) << 24;
  if (abs === E5M2_INF) return (sign | 0x7f800000) >>> 0;
  // NaN: keep the 2-bit payload in the top f32 mantissa bits (non-zero, so still a NaN).
  if (abs > E5M2_INF) return (sign | 0x7f800000 | ((abs & 3) << 21)) >>> 0;
  return signed(sign, minifloatValue(abs, 2, 15));
});

/** The f32 value of an e4m3fn code. */
export function decodeE4M3FN(code: number): number {
  return E4M3FN_TABLE.values[code & 0xff]!;
}

/** The f32 value of an e5m2 code. */
export function decodeE5M2(code: number): number {
  return E5M2_TABLE.values[code & 0xff]!;
}

// Bulk loops, one per format so each call site stays monomorphic (see bench/numerics.ts).

/** out[i] = e4m3fn code of the f32 bit pattern f32[i]. */
export function e4m3fnFromF32BitsArray(f32: Uint32Array, out: Uint8Array, saturate: boolean): void {
  for (let i = 0; i < f32.length; i++) out[i] = e4m3fnFromF32Bits(f32[i]!, saturate);
}

/** out[i] = e5m2 code of the f32 bit pattern f32[i]. */
export function e5m2FromF32BitsArray(f32: Uint32Array, out: Uint8Array, saturate: boolean): void {
  for (let i = 0; i < f32.length; i++) out[i] = e5m2FromF32Bits(f32[i]!, saturate);
}
