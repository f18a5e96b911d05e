// Creation and casts (jax.numpy names). Constants are broadcasts of a typed literal, so passes
// see them as static values (DESIGN.md "Scalify semantics", static values).
import type { DType } from "../../ir/dtype.js";
import { isValidShape, shapeToString, type Shape } from "../../ir/shape.js";
import type { Tensor } from "../../runtime/tensor.js";
import * as lax from "../lax.js";
import { broadcastTo, shapeError, type ArrayLike } from "./coerce.js";

function checkShape(op: string, shape: Shape): void {
  if (!isValidShape(shape)) shapeError(op, `invalid shape ${shapeToString(shape)}`);
}

/** A tensor of `shape` filled with `value` (a number, rounded into dtype, or a tensor broadcast NumPy-style). */
export function full(shape: Shape, value: ArrayLike, dtype?: DType): Tensor {
  checkShape("full", shape);
  if (typeof value === "number") return lax.full(shape, value, dtype ?? "f32");
  return broadcastTo("full", astype(value, dtype ?? value.dtype), shape) as Tensor;
}

export function zeros(shape: Shape, dtype: DType = "f32"): Tensor {
  return full(shape, 0, dtype);
}

export function ones(shape: Shape, dtype: DType = "f32"): Tensor {
  return full(shape, 1, dtype);
}

export function fullLike(x: Tensor, value: ArrayLike, dtype?: DType): Tensor {
  return full(x.shape, value, dtype ?? x.dtype);
}

export function zerosLike(x: Tensor, dtype?: DType): Tensor {
  return full(x.shape, 0, dtype ?? x.dtype);
}

export function onesLike(x: Tensor, dtype?: DType): Tensor {
  return full(x.shape, 1, dtype ?? x.dtype);
}

/** 0, 1, …, n − 1 (jnp.arange(n)); i32 by default, as jnp. */
export function arange(n: number, dtype: DType = "i32"): Tensor {
  if (!Number.isInteger(n) || n < 0) shapeError("arange", `length must be a non-negative integer, got ${n}`);
  return lax.iota({ dtype, shape: [n], dimension: 0 });
}

/** x converted to `dtype` (no equation when it already has it); `saturate` clamps fp8 overflow. */
export function astype(x: Tensor, dtype: DType, opts: { saturate?: boolean } = {}): Tensor {
  if (x.dtype === dtype) return x;
  return lax.convertElementType(x, { newDtype: dtype, saturate: opts.saturate ?? false });
}
