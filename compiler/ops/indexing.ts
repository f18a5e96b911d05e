// Indexing ops: take and takeAlongAxis over the one-axis gather primitive, dynamic slices.
import { avalToString, shapeToString, strides, type Shape } from "../../ir/shape.js";
import { array, type NestedNumbers, type Tensor } from "../../runtime/tensor.js";
import * as lax from "../lax.js";
import { broadcastTo, dtypeError, normAxis, shapeError } from "./coerce.js";
import { astype } from "./creation.js";

/** Out-of-range indices: "fill" (jnp.take's default) gives NaN / INT_MIN / true; "clip" clamps. */
export interface TakeOptions {
  mode?: lax.GatherMode;
}

/** Indices: an i32 tensor, or JS integers (nested arrays) which become an i32 constant. */
export type Indices = Tensor | NestedNumbers;

/**
 * Indices as an i32 tensor. In "fill" mode negative indices count from the end (n = axis size), as
 * jnp.take wraps them before gathering; in "clip" mode they clamp to 0.
 */
function indexTensor(op: string, indices: Indices, n: number, mode: lax.GatherMode): Tensor {
  if (typeof indices === "number" || typeof indices === "boolean" || Array.isArray(indices)) {
    const wrap = (v: NestedNumbers): NestedNumbers => (Array.isArray(v) ? v.map(wrap) : mode === "fill" && Number(v) < 0 ? Number(v) + n : v);
    return array(wrap(indices), { dtype: "i32" });
  }
  if (indices.dtype !== "i32") dtypeError(op, `indices must be i32, got ${avalToString(indices)}`);
  return mode === "fill" ? wrapNegative(indices, n) : indices;
}

function wrapNegative(idx: Tensor, n: number): Tensor {
  return lax.selectN(lax.lt(idx, 0), idx, lax.add(idx, n));
}

/** Elements of x at `indices` along `axis` (jnp.take); undefined axis indexes the flattened x. */
export function take(x: Tensor, indices: Indices, axis?: number, opts: TakeOptions = {}): Tensor {
  const mode = opts.mode ?? "fill";
  const flat = axis === undefined;
  const src = flat ? lax.reshape(x, { newSizes: [x.size] }) : x;
  const a = flat ? 0 : normAxis("take", axis, x.ndim);
  return lax.gather(src, indexTensor("take", indices, src.shape[a]!, mode), { axis: a, mode });
}

/**
 * jnp.take_along_axis: out[..., i, ...] = x[..., indices[..., i, ...], ...] along `axis`, where
 * indices has x's rank and the other axes broadcast against x's. Built from the primitives: the
 * flat index Σ iota_d · stride_d (with the indices on `axis`) gathers from the flattened x.
 */
export function takeAlongAxis(x: Tensor, indices: Indices, axis: number, opts: TakeOptions = {}): Tensor {
  const op = "takeAlongAxis";
  const mode = opts.mode ?? "fill";
  const a = normAxis(op, axis, x.ndim);
  const n = x.shape[a]!;
  let idx = indexTensor(op, indices, n, mode);
  if (idx.ndim !== x.ndim) shapeError(op, `indices ${shapeToString(idx.shape)} must have the rank of x ${shapeToString(x.shape)}`);
  const shape = alongAxisShape(op, x.shape, idx.shape, a);
  idx = broadcastTo(op, idx, shape) as Tensor;
  // In fill mode an index outside [0, n) must not alias another row of the flattened x.
  const valid = mode === "fill" ? lax.and(lax.ge(idx, 0), lax.lt(idx, n)) : undefined;
  if (mode === "clip") idx = lax.max(lax.min(idx, n - 1), 0);
  const st = strides(x.shape);
  let flat = scaled(idx, st[a]!);
  x.shape.forEach((d, i) => {
    if (i !== a && d !== 1) flat = lax.add(flat, scaled(lax.iota({ dtype: "i32", shape, dimension: i }), st[i]!));
  });
  if (valid) flat = lax.selectN(valid, lax.full(shape, x.size, "i32"), flat);
  return lax.gather(lax.reshape(x, { newSizes: [x.size] }), flat, { axis: 0, mode });
}

const scaled = (t: Tensor, k: number): Tensor => (k === 1 ? t : lax.mul(t, k));

/** The result shape: indices' size on `axis`, NumPy broadcasting of x and indices elsewhere. */
function alongAxisShape(op: string, xs: Shape, is: Shape, axis: number): number[] {
  return xs.map((d, i) => {
    const e = is[i]!;
    if (i === axis || d === e || d === 1) return e;
    if (e === 1) return d;
    return shapeError(op, `indices ${shapeToString(is)} do not broadcast against ${shapeToString(xs)} outside axis ${axis}`);
  });
}

/** Start indices: JS integers or i32 scalar tensors (other int/bool scalars are converted). */
function startIndices(xs: readonly (Tensor | number)[]): (Tensor | number)[] {
  return xs.map((s) => (typeof s === "number" || s.dtype === "i32" ? s : astype(s, "i32")));
}

/** A slice of static `sizes` at runtime starts, clamped so the slice stays in range (lax semantics). */
export function dynamicSlice(x: Tensor, start: readonly (Tensor | number)[], sizes: readonly number[]): Tensor {
  return lax.dynamicSlice(x, startIndices(start), { sliceSizes: sizes });
}

/** x with `update` (converted to x's dtype) written at runtime starts, clamped into range. */
export function dynamicUpdateSlice(x: Tensor, update: Tensor, start: readonly (Tensor | number)[]): Tensor {
  return lax.dynamicUpdateSlice(x, astype(update, x.dtype), startIndices(start));
}
