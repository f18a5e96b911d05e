// bfloat16 codec (DESIGN.md "Dtypes and numerics"): the top half of an f32, so encoding is a
// round-to-nearest-even of the low 16 bits (subnormals kept, as ml_dtypes does; overflow
// carries into the exponent and gives ±Inf) and decoding is a 16-bit shift.

import { buildDecodeTable, f32Bits, rneShift } from "./bits.js";

export const BF16_MAX = 3.3895313892515355e38;

/** bf16 bits of f32 bits `u`. NaN keeps its sign and top payload bits and is made quiet. */
export function bf16FromF32Bits(u: number): number {
  if ((u & 0x7fffffff) > 0x7f800000) return (u >>> 16) | 0x40;
  // The sign bit rides along: the rounding carry can reach the exponent but never the sign,
  // because the largest finite magnitude rounds up to exactly Inf (0x7f80).
  return rneShift(u >>> 0, 16);
}

/** bf16 bits of `Math.fround(x)`. `_saturate` is accepted for a uniform signature and ignored. */
export function encodeBF16(x: number, _saturate?: boolean): number {
  return bf16FromF32Bits(f32Bits(x));
}

export const BF16_TABLE = buildDecodeTable(65536, (c) => (c << 16) >>> 0);

/** The f32 value of bf16 bits. */
export function decodeBF16(bits: number): number {
  return BF16_TABLE.values[bits & 0xffff]!;
}

/** out[i] = bf16 bits of the f32 bit pattern f32[i] (a monomorphic bulk loop). */
export function bf16FromF32BitsArray(f32: Uint32Array, out: Uint16Array): void {
  for (let i = 0; i < f32.length; i++) out[i] = bf16FromF32Bits(f32[i]!);
}
