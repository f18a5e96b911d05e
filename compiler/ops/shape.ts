// Shape and data-movement ops (jax.numpy names) over the lax shape primitives.
import { shapeToString, size, type Shape } from "../../ir/shape.js";
import type { Tensor } from "../../runtime/tensor.js";
import * as lax from "../lax.js";
import { broadcastTo as broadcastOperand, coerce, normAxes, normAxis, resultDType, shapeError, type ArrayLike, type Axis } from "./coerce.js";

/** x with a new shape of the same size; one entry may be −1 (inferred). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const op = "reshape";
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) shapeError(op, `only one dimension can be -1, got ${shapeToString(shape)}`);
  let sizes = [...shape];
  if (unknown === 1) {
    const known = size(shape.filter((d) => d !== -1));
    if (known === 0 || x.size % known !== 0) shapeError(op, `cannot reshape ${shapeToString(x.shape)} to ${shapeToString(shape)}`);
    sizes = shape.map((d) => (d === -1 ? x.size / known : d));
  }
  return lax.reshape(x, { newSizes: sizes });
}

/** x flattened to one dimension. */
export function ravel(x: Tensor): Tensor {
  return reshape(x, [x.size]);
}

/** Permute the axes (default: reverse them); negative entries count from the end. */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ? perm.map((a) => normAxis("transpose", a, x.ndim)) : x.shape.map((_, i) => x.ndim - 1 - i);
  if (p.every((a, i) => a === i) && p.length === x.ndim) return x;
  return lax.transpose(x, { permutation: p });
}

/** x broadcast to `shape` by NumPy rules. */
export function broadcastTo(x: ArrayLike, shape: Shape): Tensor {
  if (typeof x === "number") return lax.full(shape, x, "f32");
  return broadcastOperand("broadcastTo", x, shape) as Tensor;
}

/** Join tensors along an existing axis; dtypes promote as in binary ops. */
export function concatenate(xs: readonly Tensor[], axis = 0): Tensor {
  const op = "concatenate";
  if (xs.length === 0) shapeError(op, "needs at least one tensor");
  if (xs[0]!.ndim === 0) shapeError(op, "zero-dimensional tensors cannot be concatenated");
  const dtype = resultDType(op, xs);
  const a = normAxis(op, axis, xs[0]!.ndim);
  return lax.concatenate(
    xs.map((x) => coerce(x, dtype)),
    { dimension: a },
  );
}

/** Join tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) shapeError("stack", "needs at least one tensor");
  const a = normAxis("stack", axis, xs[0]!.ndim + 1);
  return concatenate(
    xs.map((x) => lax.expandDims(x, { dimensions: [a] })),
    a,
  );
}

/** Remove size-1 axes: the given ones, or all of them. */
export function squeeze(x: Tensor, axis?: Axis): Tensor {
  const dims = axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normAxes("squeeze", axis, x.ndim);
  for (const d of dims) if (x.shape[d] !== 1) shapeError("squeeze", `axis ${d} of ${shapeToString(x.shape)} has size ${x.shape[d]}, not 1`);
  return dims.length === 0 ? x : lax.squeeze(x, { dimensions: dims });
}

/** Insert size-1 axes at the given positions of the result (negative: from the end of the result). */
export function expandDims(x: Tensor, axis: number | readonly number[]): Tensor {
  const n = typeof axis === "number" ? 1 : axis.length;
  return lax.expandDims(x, { dimensions: normAxes("expandDims", axis, x.ndim + n) });
}

/** Static strided slice [start, limit) per axis (lax.slice); negative indices count from the end. */
export function slice(x: Tensor, start: readonly number[], limit: readonly number[], strides?: readonly number[]): Tensor {
  const norm = (v: number, i: number) => (v < 0 ? v + (x.shape[i] ?? 0) : v);
  return lax.slice(x, { startIndices: start.map(norm), limitIndices: limit.map(norm), strides: strides ?? null });
}

/** Padding of one axis: [low, high] or [low, high, interior]; negative low/high crop. */
export type PadConfig = readonly (readonly [number, number] | readonly [number, number, number])[];

/** Pad with a constant `value` (a number, or a scalar tensor converted to x's dtype). */
export function pad(x: Tensor, config: PadConfig, value: ArrayLike = 0): Tensor {
  if (typeof value !== "number" && value.ndim !== 0) shapeError("pad", `padding value must be a scalar, got ${shapeToString(value.shape)}`);
  return lax.pad(x, coerce(value, x.dtype), { paddingConfig: config.map((c: readonly number[]) => [c[0]!, c[1]!, c[2] ?? 0] as const) });
}

/** Reverse the order of elements along the given axes (default all). */
export function flip(x: Tensor, axis?: Axis): Tensor {
  return lax.rev(x, { dimensions: normAxes("flip", axis, x.ndim) });
}
