// Small emitters the gradient rules share (they record into the current trace like any op).
import type { DType } from "../../ir/dtype.js";
import { Literal } from "../../ir/program.js";
import type { Aval } from "../../ir/shape.js";
import type { Tensor } from "../../runtime/tensor.js";
import { roundScalar } from "../../runtime/numerics/codec.js";
import { bind1, type Operand } from "../tracer.js";

/** A literal of `dtype`, its value rounded into the dtype (a literal must be representable). */
export const lit = (v: number, dtype: DType): Literal => new Literal(roundScalar(v, dtype), dtype);

/** A tensor filled with `v` (a broadcast literal: static, so scalify sees a constant). */
export function full(shape: readonly number[], v: number, dtype: DType): Tensor {
  return bind1("broadcast_in_dim", { shape: [...shape], broadcast_dimensions: [] }, [lit(v, dtype)]);
}

export const zerosOf = (a: Aval): Tensor => full(a.shape, 0, a.dtype);

/** x ⊙ c for a scalar constant c in x's dtype. */
export const scale = (x: Tensor, c: number): Tensor => bind1("mul", {}, [x, lit(c, x.dtype)]);

/** The operand's share of a broadcasting elementwise cotangent: rank-0 operands sum it up. */
export function unbroadcast(ct: Tensor | null, operand: Operand): Tensor | null {
  if (!ct || operand instanceof Literal) return null;
  if (operand.shape.length === 0 && ct.shape.length > 0) return bind1("reduce_sum", { axes: ct.shape.map((_, i) => i) }, [ct]);
  return ct;
}
