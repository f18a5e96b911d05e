// Reductions (jax.numpy names): `sum(x, axis?, {keepdims?})` with axis a number, an array, or
// undefined for all; negative axes count from the end.
import { isFloat } from "../../ir/dtype.js";
import { size } from "../../ir/shape.js";
import type { Tensor } from "../../runtime/tensor.js";
import * as lax from "../lax.js";
import { normAxes, normAxis, type Axis } from "./coerce.js";
import { astype } from "./creation.js";

export interface ReduceOptions {
  keepdims?: boolean;
}

type LaxReduce = (x: lax.LaxArg, o: { axes: readonly number[] }) => Tensor;

/** Reduce over `axis`, then put the reduced axes back as size 1 when `keepdims`. */
function reduce(op: string, f: LaxReduce, x: Tensor, axis: Axis, opts: ReduceOptions): Tensor {
  const axes = normAxes(op, axis, x.ndim);
  const out = f(x, { axes });
  return opts.keepdims && axes.length > 0 ? lax.expandDims(out, { dimensions: axes }) : out;
}

/** Sum; bool counts as i32, as jnp.sum. */
export function sum(x: Tensor, axis?: Axis, opts: ReduceOptions = {}): Tensor {
  return reduce("sum", lax.reduceSum, x.dtype === "bool" ? astype(x, "i32") : x, axis, opts);
}

/** Product; bool counts as i32. */
export function prod(x: Tensor, axis?: Axis, opts: ReduceOptions = {}): Tensor {
  return reduce("prod", lax.reduceProd, x.dtype === "bool" ? astype(x, "i32") : x, axis, opts);
}

/** Maximum (NaN propagates); bool reduces as i32 and stays bool (any). */
export function max(x: Tensor, axis?: Axis, opts: ReduceOptions = {}): Tensor {
  if (x.dtype === "bool") return astype(reduce("max", lax.reduceMax, astype(x, "i32"), axis, opts), "bool");
  return reduce("max", lax.reduceMax, x, axis, opts);
}

/** Minimum (NaN propagates); bool reduces as i32 and stays bool (all). */
export function min(x: Tensor, axis?: Axis, opts: ReduceOptions = {}): Tensor {
  if (x.dtype === "bool") return astype(reduce("min", lax.reduceMin, astype(x, "i32"), axis, opts), "bool");
  return reduce("min", lax.reduceMin, x, axis, opts);
}

/**
 * Mean, computed in f32: the sum is taken and divided in f32 and the result rounded once to x's
 * float dtype (int/bool give f32), as jnp.mean upcasts low-precision inputs.
 */
export function mean(x: Tensor, axis?: Axis, opts: ReduceOptions = {}): Tensor {
  const axes = normAxes("mean", axis, x.ndim);
  const n = size(axes.map((a) => x.shape[a]!));
  const total = reduce("mean", lax.reduceSum, astype(x, "f32"), axes, opts);
  return astype(lax.div(total, n), isFloat(x.dtype) ? x.dtype : "f32");
}

type LaxArg = (x: lax.LaxArg, o: { axis: number }) => Tensor;

/** argmax/argmin over one axis; undefined flattens x first (jnp semantics), i32 indices. */
function argReduce(op: string, f: LaxArg, x: Tensor, axis: number | undefined, opts: ReduceOptions): Tensor {
  const t = x.dtype === "bool" ? astype(x, "i32") : x;
  if (axis === undefined) {
    const out = f(lax.reshape(t, { newSizes: [t.size] }), { axis: 0 });
    return opts.keepdims ? lax.reshape(out, { newSizes: x.shape.map(() => 1) }) : out;
  }
  const a = normAxis(op, axis, x.ndim);
  const out = f(t, { axis: a });
  return opts.keepdims ? lax.expandDims(out, { dimensions: [a] }) : out;
}

/** Index of the first maximum (NaN counts as the maximum). */
export function argmax(x: Tensor, axis?: number, opts: ReduceOptions = {}): Tensor {
  return argReduce("argmax", lax.argmax, x, axis, opts);
}

/** Index of the first minimum (NaN counts as the minimum). */
export function argmin(x: Tensor, axis?: number, opts: ReduceOptions = {}): Tensor {
  return argReduce("argmin", lax.argmin, x, axis, opts);
}

/** Inclusive prefix sum along one axis (jnp.cumsum; undefined flattens). */
export function cumsum(x: Tensor, axis?: number): Tensor {
  const t = x.dtype === "bool" ? astype(x, "i32") : x;
  if (axis === undefined) return lax.cumsum(lax.reshape(t, { newSizes: [t.size] }), { axis: 0 });
  return lax.cumsum(t, { axis: normAxis("cumsum", axis, x.ndim) });
}
