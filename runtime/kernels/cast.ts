// Casts: convert_element_type and reduce_precision (DESIGN.md "Dtypes and numerics").
import { isLowPrecision, type DType, type Storage } from "../../ir/dtype.js";
import type { Aval } from "../../ir/shape.js";
import { encode, encodeWithStats, type CastStats } from "../numerics/codec.js";
import type { Tensor } from "../tensor.js";
import type { KernelTable } from "./types.js";
import { fromStorage, values } from "./util.js";

/**
 * convert_element_type. Operand values are exact numbers (decoded f32 for floats, the integer
 * for i32, 0/1 for bool) and the codec rounds them once to the new dtype: floats round to
 * nearest even (every value taken through f32 first, as ml_dtypes; `saturate` clamps fp8
 * overflow and ±Inf to ±max); → i32 truncates toward zero and saturates, NaN → 0; → bool is
 * x ≠ 0 (NaN → true). A cast to a low-precision float adds what it lost to `stats`.
 */
function convert(x: Tensor, out: Aval, saturate: boolean, stats: CastStats | undefined): Tensor {
  const v = values(x);
  if (stats && isLowPrecision(out.dtype)) {
    const { storage, stats: s } = encodeWithStats(v, out.dtype, { saturate });
    stats.saturated += s.saturated;
    stats.flushedToZero += s.flushedToZero;
    stats.nonFinite += s.nonFinite;
    if (stats.byDtype) {
      const d = (stats.byDtype[out.dtype] ??= { saturated: 0, flushedToZero: 0, nonFinite: 0 });
      d.saturated += s.saturated;
      d.flushedToZero += s.flushedToZero;
      d.nonFinite += s.nonFinite;
    }
    return fromStorage(storage, out);
  }
  // encode copies, so the output never aliases an f32/i32 operand's storage.
  return fromStorage(encode(v, out.dtype, { saturate }), out);
}

/** Exponent and stored-mantissa widths of the IEEE-like formats that reduce_precision works on natively. */
const IEEE_LAYOUT: Partial<Record<DType, [number, number]>> = { f32: [8, 23], f16: [5, 10], bf16: [8, 7], f8e5m2: [5, 2] };

/**
 * XLA's ReducePrecision on the bits of a format with `srcE` exponent and `srcM` mantissa bits
 * (xla/service/elemental_ir_emitter.cc EmitReducePrecisionIR, quiet_nans = false; the StableHLO
 * reference and TFLite kernels do the same):
 * 1. if m < srcM, round the mantissa to m bits, to nearest even (a carry bumps the exponent);
 * 2. if e < srcE, values whose exponent exceeds the target's largest become ±Inf, and values
 *    whose exponent is at or below the target's denormal exponent become ±0 — i.e. everything
 *    below the target's smallest normal flushes to zero (XLA does not round to denormals);
 * 3. NaN stays the input NaN when m > 0, and becomes +Inf when m = 0.
 */
export function reducePrecisionBits(x: number, srcE: number, srcM: number, e: number, m: number): number {
  const nbits = 1 + srcE + srcM;
  const signMask = 2 ** (nbits - 1);
  const expMask = ((1 << srcE) - 1) * 2 ** srcM;
  const word = (v: number) => (nbits === 32 ? v >>> 0 : v & (2 ** nbits - 1));
  const isNaN = (x & (signMask - 1)) > expMask;
  let r = x;
  if (m < srcM) {
    const shift = srcM - m;
    const last = 1 << shift;
    const bias = (last >>> 1) - 1 + ((r & last) >>> shift);
    r = word((r + bias) & ~(last - 1));
  }
  if (e < srcE) {
    const expBias = (1 << (srcE - 1)) - 1;
    const reducedBias = (1 << (e - 1)) - 1;
    const exponent = word(r & expMask);
    const signedZero = word(r & signMask);
    if (exponent > (expBias + reducedBias) * 2 ** srcM) r = signedZero + expMask;
    else if (exponent <= (expBias - reducedBias) * 2 ** srcM) r = signedZero;
  }
  if (isNaN) return m > 0 ? x : expMask;
  return r;
}

function reducePrecision(x: Tensor, e: number, m: number, out: Aval): Tensor {
  const layout = IEEE_LAYOUT[x.dtype];
  if (layout) {
    const f = x.storage as Float32Array;
    const src = x.dtype === "f32" ? new Uint32Array(f.buffer, f.byteOffset, f.length) : (x.storage as Uint16Array | Uint8Array);
    const r = src.map((b) => reducePrecisionBits(b, layout[0], layout[1], e, m));
    return fromStorage(x.dtype === "f32" ? new Float32Array(r.buffer) : (r as Storage), out);
  }
  // f8e4m3fn is not IEEE-like (no Inf, NaN only at S.1111.111): reduce its f32 value, then
  // convert back non-saturating (so a result of ±Inf becomes NaN).
  const f32 = new Float32Array(values(x));
  const r = new Uint32Array(f32.buffer).map((b) => reducePrecisionBits(b, 8, 23, e, m));
  return fromStorage(encode(new Float32Array(r.buffer), out.dtype), out);
}

export const castKernels = {
  convert_element_type: (p, [x], [out], ctx) => [convert(x!, out!, p.saturate, ctx.castStats)],
  reduce_precision: (p, [x], [out]) => [reducePrecision(x!, p.exponent_bits, p.mantissa_bits, out!)],
} satisfies Partial<KernelTable>;
