// The mechanics of scaled values inside the scalify pass: how data and scales flow, independent
// of how scales are chosen (strategy.ts). Scale arithmetic folds when scales are static, so
// static scales never reach the program as equations.
import type { DType } from "../../ir/dtype.js";
import { Literal } from "../../ir/program.js";
import { roundScalar } from "../../runtime/numerics/codec.js";
import { decompose } from "../../runtime/numerics/pow2.js";
import type { Tensor } from "../../runtime/tensor.js";
import { bind1, type Operand } from "../tracer.js";

/** A value of the scalified program: plain (maybe with a statically known constant value) or scaled. */
export type SVal = Plain | Scaled;
export interface Plain {
  readonly kind: "plain";
  readonly x: Operand;
  /** Set when every element is this constant (a literal, or a broadcast/convert of one). */
  readonly static?: number;
}
export interface Scaled {
  readonly kind: "scaled";
  /** Data in the value's dtype (a Literal for static scalars). */
  readonly data: Operand;
  /** An f32 scalar ≥ 0: a Literal when static. */
  readonly scale: Operand;
}

export const plain = (x: Operand, stat?: number): Plain => (stat === undefined ? { kind: "plain", x } : { kind: "plain", x, static: stat });
export const scaled = (data: Operand, scale: Operand): Scaled => ({ kind: "scaled", data, scale });

export const f32 = (v: number): Literal => new Literal(Math.fround(v), "f32");
export const isLit = (x: Operand, v?: number): x is Literal => x instanceof Literal && (v === undefined || Object.is(x.value, v) || x.value === v);

// ---- scale arithmetic (f32 scalars), folded when static ----

type ScalarFold = (a: number, b: number) => number;
function scalar2(prim: "mul" | "max" | "min" | "add", fold: ScalarFold, a: Operand, b: Operand): Operand {
  if (a instanceof Literal && b instanceof Literal) return f32(fold(a.value, b.value));
  return bind1(prim, {}, [a, b]);
}
/** f32 x · f for a data tensor already in f32 (skipped when f is statically 1). */
export const mulF32 = (x: Operand, f: Operand): Operand => (isLit(f, 1) ? x : bind1("mul", {}, [x, f]));

export const smul = (a: Operand, b: Operand): Operand => {
  if (isLit(a, 1)) return b;
  if (isLit(b, 1)) return a;
  return scalar2("mul", (x, y) => Math.fround(x * y), a, b);
};
export const smax = (a: Operand, b: Operand): Operand => (a === b ? a : scalar2("max", (x, y) => Math.max(x, y), a, b));
export const smin = (a: Operand, b: Operand): Operand => (a === b ? a : scalar2("min", (x, y) => Math.min(x, y), a, b));
export const sadd = (a: Operand, b: Operand): Operand => scalar2("add", (x, y) => Math.fround(x + y), a, b);

/** Safe division (DESIGN.md: x / 0 = 0), so zero scales give zeros, never NaN. */
export function sdiv(a: Operand, b: Operand): Operand {
  if (a === b && !(a instanceof Literal)) return safeDivTraced(a, b);
  if (isLit(b, 1)) return a;
  if (a instanceof Literal && b instanceof Literal) return f32(b.value === 0 ? 0 : Math.fround(a.value / b.value));
  return safeDivTraced(a, b);
}
function safeDivTraced(a: Operand, b: Operand): Tensor {
  const isZero = bind1("eq", {}, [b, f32(0)]);
  return bind1("select_n", {}, [isZero, bind1("div", {}, [a, b]), f32(0)]);
}

export function sunary(prim: "sqrt" | "neg", fold: (x: number) => number, a: Operand): Operand {
  return a instanceof Literal ? f32(fold(a.value)) : bind1(prim, {}, [a]);
}

/** Power-of-two rounding of a scale, folded when static. */
export function spow2(a: Operand, mode: "down" | "up"): Operand {
  if (a instanceof Literal) {
    const { scale } = decompose(a.value);
    const down = a.value === 0 || !Number.isFinite(a.value) ? Math.abs(a.value) : scale;
    return f32(mode === "down" || down === Math.abs(a.value) ? down : down * 2);
  }
  return bind1("pow2_round", { mode }, [a]);
}

export const isFiniteLit = (s: Operand): boolean => s instanceof Literal && Number.isFinite(s.value);

// ---- data helpers ----

/** Data in f32 (a no-op for f32 data). */
export function toF32(d: Operand): Operand {
  if (d.dtype === "f32") return d;
  if (d instanceof Literal) return new Literal(d.value, "f32");
  return bind1("convert_element_type", { new_dtype: "f32", saturate: false }, [d]);
}

/** Round an f32 result once to `dtype`. */
export function fromF32(x: Operand, dtype: DType): Operand {
  if (x.dtype === dtype) return x;
  if (x instanceof Literal) return new Literal(roundScalar(x.value, dtype), dtype);
  return bind1("convert_element_type", { new_dtype: dtype, saturate: false }, [x]);
}

/** d · ratio computed in f32, rounded once to `dtype` (skipped when the ratio is statically 1). */
export function rescale(d: Operand, ratio: Operand, dtype: DType = d.dtype): Operand {
  // Static zeros and infinities (adopted operands) need no rescaling.
  if (isLit(ratio, 1) || (d instanceof Literal && (d.value === 0 || !Number.isFinite(d.value)))) return fromF32(d, dtype);
  if (d instanceof Literal && ratio instanceof Literal) return new Literal(roundScalar(Math.fround(d.value * ratio.value), dtype), dtype);
  return fromF32(bind1("mul", {}, [toF32(d), ratio]), dtype);
}

/** The value data × scale in f32. */
export function descaleF32(v: SVal): Operand {
  if (v.kind === "plain") return toF32(v.x);
  return rescale(v.data, v.scale, "f32");
}

/**
 * A plain operand meeting scaled ones: a static 0 or ±Inf adopts `adopt` (the other operand's
 * scale) where the rule allows it; other static scalars split into a mantissa in [1, 2) and a
 * power-of-two scale; anything else gets scale 1 (DESIGN.md "Static values").
 */
export function promote(v: SVal, adopt?: Operand): Scaled {
  if (v.kind === "scaled") return v;
  const c = v.static;
  if (c !== undefined) {
    if ((c === 0 || !Number.isFinite(c)) && adopt) return scaled(v.x, adopt);
    if (c !== 0 && Number.isFinite(c)) {
      const { scale, mantissa } = decompose(c);
      const dtype = v.x.dtype;
      const data: Operand =
        v.x instanceof Literal ? new Literal(roundScalar(mantissa, dtype), dtype) : bind1("broadcast_in_dim", { shape: [...v.x.shape], broadcast_dimensions: [] }, [new Literal(roundScalar(mantissa, dtype), dtype)]);
      return scaled(data, f32(scale));
    }
  }
  return scaled(v.x, f32(1));
}

/** The plain value of an SVal in `dtype` (descaled in f32 and rounded once). */
export function toPlain(v: SVal, dtype: DType = v.kind === "plain" ? v.x.dtype : v.data.dtype): Operand {
  if (v.kind === "plain") return fromF32(v.x, dtype);
  if (isLit(v.scale, 1)) return fromF32(v.data, dtype);
  return fromF32(descaleF32(v), dtype);
}

/**
 * A rule that would produce a non-finite scale falls back to descaling (scale 1) (DESIGN.md).
 * Returns the scale to use and the factor the data must be multiplied by (in f32): static
 * scales are decided now (factor 1, or the scale itself with scale 1); a dynamic scale gets a
 * scalar select, and rules fold the factor into the f32 multiply they already do, so the guard
 * costs no extra pass over the data.
 */
export function guardScale(scale: Operand): { scale: Operand; factor: Operand } {
  if (scale instanceof Literal) return Number.isFinite(scale.value) ? { scale, factor: f32(1) } : { scale: f32(1), factor: scale };
  const finite = bind1("lt", {}, [bind1("abs", {}, [scale]), f32(Infinity)]);
  return { scale: bind1("select_n", {}, [finite, f32(1), scale]), factor: bind1("select_n", {}, [finite, scale, f32(1)]) };
}

/** Static-only guard for rules without an f32 multiply to fold into (mul, div, integer_pow, roots). */
export function guardStatic(data: Operand, scale: Operand, dtype: DType): Scaled {
  if (scale instanceof Literal && !Number.isFinite(scale.value)) return scaled(rescale(data, scale, dtype), f32(1));
  return scaled(data, scale);
}
