// Test helpers for the interpreter suites: building tensors, evaluating one primitive, a seeded
// PRNG and f32 ulp distances. Expected values never come from here: see oracle.ts.
import type { DType, StorageMap } from "../../ir/dtype.js";
import type { Params, Primitive } from "../../ir/primitives/catalogue.js";
import { evalPrimitive, type InterpretOptions } from "../../runtime/interpreter.js";
import { array, fromBits, type NestedNumbers, Tensor } from "../../runtime/tensor.js";
import { rng } from "../support/random.js";

/** A tensor from values (rounded to `dtype` by sf.array semantics). */
export function t(values: NestedNumbers | ArrayLike<number>, dtype: DType = "f32", shape?: readonly number[]): Tensor {
  return array(values as NestedNumbers, shape ? { dtype, shape } : { dtype });
}

/** A tensor from storage codes. */
export function codes<D extends DType>(storage: StorageMap[D], dtype: D, shape: readonly number[] = [storage.length]): Tensor {
  return fromBits(storage, dtype, shape);
}

/** Evaluates one primitive and returns its first output. Coverage is counted from calls to `ev`. */
export function ev<P extends Primitive>(prim: P, params: Params<P>, ...inputs: Tensor[]): Tensor {
  return evalPrimitive(prim, params, inputs)[0]!;
}

/** All outputs of one primitive, with options. */
export function evAll<P extends Primitive>(prim: P, params: Params<P>, inputs: Tensor[], opts?: InterpretOptions): Tensor[] {
  return evalPrimitive(prim, params, inputs, opts);
}

/** Flat values of a tensor as plain numbers (f32 values for floats). */
export function flat(x: Tensor): number[] {
  return x.dtype === "i32" ? Array.from(x.storage as Int32Array) : Array.from(x.toFloat32Array());
}

export { rng };

export const randInt = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

/** Distance from `got` (an f32) to the exact `ref` in units of the f32 ulp at `ref`. */
export function ulpError(got: number, ref: number): number {
  if (Number.isNaN(ref)) return Number.isNaN(got) ? 0 : Infinity;
  if (!Number.isFinite(ref)) return got === ref ? 0 : Infinity;
  const a = Math.max(Math.abs(ref), 2 ** -126);
  const e = Math.floor(Math.log2(a));
  const ulp = 2 ** (Math.max(e, -126) - 23);
  return Math.abs(got - ref) / ulp;
}

/** Same-value comparison: NaN equals NaN, and −0 differs from +0. */
export function sameValues(got: readonly number[], want: readonly number[]): boolean {
  return got.length === want.length && got.every((g, i) => Object.is(g, want[i]) || (Number.isNaN(g) && Number.isNaN(want[i])));
}

export { Tensor };
