// IEEE binary16 codec (DESIGN.md "Dtypes and numerics"): round to nearest even from f32,
// subnormals kept, overflow → ±Inf. There is no saturating mode for f16.

import { buildDecodeTable, f32Bits, minifloatValue, roundMagnitude } from "./bits.js";

export const F16_MAX = 65504;
const F16_MAX_CODE = 0x7bff;
const F16_INF = 0x7c00;

/** f16 bits of f32 bits `u`. NaN keeps its sign and top payload bits and is made quiet. */
export function f16FromF32Bits(u: number): number {
  const sign = (u >>> 16) & 0x8000;
  const abs = u & 0x7fffffff;
  if (abs > 0x7f800000) return sign | F16_INF | 0x200 | ((abs >>> 13) & 0x3ff);
  // ±Inf rounds to a code above the max, so it takes the overflow branch.
  const c = roundMagnitude(abs, 10, 15);
  return sign | (c > F16_MAX_CODE ? F16_INF : c);
}

/** f16 bits of `Math.fround(x)`. `_saturate` is accepted for a uniform signature and ignored. */
export function encodeF16(x: number, _saturate?: boolean): number {
  return f16FromF32Bits(f32Bits(x));
}

export const F16_TABLE = buildDecodeTable(65536, (c) => {
  const sign = (c & 0x8000) << 16;
  const abs = c & 0x7fff;
  // Exponent 31: Inf when the mantissa is 0, else NaN; the payload moves to the top of the f32 mantissa.
  if (abs >= F16_INF) return (sign | 0x7f800000 | ((abs & 0x3ff) << 13)) >>> 0;
  const v = minifloatValue(abs, 10, 15);
  return f32Bits(sign ? -v : v);
});

/** The f32 value of f16 bits. */
export function decodeF16(bits: number): number {
  return F16_TABLE.values[bits & 0xffff]!;
}

/** out[i] = f16 bits of the f32 bit pattern f32[i] (a monomorphic bulk loop). */
export function f16FromF32BitsArray(f32: Uint32Array, out: Uint16Array): void {
  for (let i = 0; i < f32.length; i++) out[i] = f16FromF32Bits(f32[i]!);
}
