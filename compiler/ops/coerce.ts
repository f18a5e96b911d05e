// Turning user arguments into primitive operands: dtype promotion with weak JS numbers, NumPy
// broadcasting and axis normalisation (DESIGN.md "Types and promotion"). Errors raised here name
// the jnp-style op and carry the user's call site, like the shape rules' errors do via bind.
import { isFloat, promoteTypes, type DType } from "../../ir/dtype.js";
import { DTypeError, ShapeError } from "../../ir/errors.js";
import { Literal } from "../../ir/program.js";
import { shapeEquals, shapeToString, type Shape } from "../../ir/shape.js";
import { roundScalar } from "../../runtime/numerics/codec.js";
import type { Tensor } from "../../runtime/tensor.js";
import { userCallSite } from "../call-site.js";
import * as lax from "../lax.js";

/** An op argument: a tensor (concrete or traced) or a JS number, a weakly typed scalar. */
export type ArrayLike = Tensor | number;
/** An axis argument: one axis, several, or undefined for all; negative axes count from the end. */
export type Axis = number | readonly number[] | undefined;

export function shapeError(op: string, detail: string): never {
  throw new ShapeError(detail, op, userCallSite());
}
export function dtypeError(op: string, detail: string): never {
  throw new DTypeError(detail, op, userCallSite());
}

/**
 * The dtype that `xs` combine to. Tensors promote by JAX's table (`promoteTypes`); fp8 mixed with
 * another tensor dtype is an error (use astype). JS numbers are weak: they take the tensors' dtype,
 * except that a number with only int/bool tensors gives i32 (an integer) or f32 (a fraction), as
 * JAX's weak int/float do. Numbers alone give f32.
 */
export function resultDType(op: string, xs: readonly ArrayLike[]): DType {
  let strong: DType | undefined;
  let weakInt = false;
  let weakFloat = false;
  for (const x of xs) {
    if (typeof x === "number") {
      if (Number.isInteger(x)) weakInt = true;
      else weakFloat = true;
      continue;
    }
    if (strong === undefined) strong = x.dtype;
    else {
      const p = promoteTypes(strong, x.dtype);
      if (p === undefined) dtypeError(op, `cannot combine ${strong} and ${x.dtype} implicitly (fp8 is never promoted); convert one with astype`);
      strong = p;
    }
  }
  if (strong === undefined) return "f32";
  if (isFloat(strong)) return strong;
  if (weakFloat) return "f32";
  return weakInt ? "i32" : strong;
}

/** `x` as an operand of dtype `d`: a number becomes a literal rounded into `d`; a tensor is converted if needed. */
export function coerce(x: ArrayLike, d: DType): Tensor | Literal {
  if (typeof x === "number") return new Literal(roundScalar(x, d), d);
  return x.dtype === d ? x : lax.convertElementType(x, { newDtype: d });
}

/** `x` as a tensor of dtype `d` (numbers become rank-0 tensors). */
export function asTensor(x: ArrayLike, d: DType = typeof x === "number" ? "f32" : x.dtype): Tensor {
  return typeof x === "number" ? lax.full([], x, d) : x.dtype === d ? x : lax.convertElementType(x, { newDtype: d });
}

/** NumPy broadcasting of shapes: trailing dims align; equal sizes or 1 stretch. */
export function broadcastShapes(op: string, shapes: readonly Shape[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    const off = rank - s.length;
    s.forEach((d, i) => {
      const o = out[off + i]!;
      if (d === o || d === 1) return;
      if (o !== 1) shapeError(op, `shapes ${shapes.map(shapeToString).join(", ")} cannot be broadcast together`);
      out[off + i] = d;
    });
  }
  return out;
}

/** `x` broadcast to `shape` by NumPy rules (a no-op when the shape already matches). */
export function broadcastTo(op: string, x: Tensor | Literal, shape: Shape): Tensor | Literal {
  if (shapeEquals(x.shape, shape)) return x;
  const off = shape.length - x.shape.length;
  if (off < 0 || x.shape.some((d, i) => d !== 1 && d !== shape[off + i]))
    shapeError(op, `cannot broadcast ${shapeToString(x.shape)} to ${shapeToString(shape)}`);
  return lax.broadcastInDim(x, { shape, broadcastDimensions: x.shape.map((_, i) => off + i) });
}

/**
 * Elementwise operands of one dtype (`dtype`, default the promoted one) and one shape. Rank-0
 * operands stay rank-0 because the primitives broadcast them implicitly.
 */
export function elementwiseOperands(op: string, xs: readonly ArrayLike[], dtype = resultDType(op, xs)) {
  const shape = broadcastShapes(
    op,
    xs.map((x) => (typeof x === "number" ? [] : x.shape)),
  );
  const operands = xs.map((x) => {
    const c = coerce(x, dtype);
    return c.shape.length === 0 ? c : broadcastTo(op, c, shape);
  });
  return { operands, dtype, shape };
}

/** Normalised, sorted, distinct axes; undefined means all of them. */
export function normAxes(op: string, axis: Axis, rank: number): number[] {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === "number" ? [axis] : axis;
  const out = list.map((a) => normAxis(op, a, rank));
  if (new Set(out).size !== out.length) shapeError(op, `repeated axis in ${JSON.stringify(list)}`);
  return out.sort((a, b) => a - b);
}

/** One axis, negative counting from the end. */
export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) shapeError(op, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}

export const range = (n: number, start = 0): number[] => Array.from({ length: n }, (_, i) => start + i);
