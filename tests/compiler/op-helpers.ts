// Helpers for the op-library suites: tensors from values, flat values, eager-vs-traced checks and
// the test file's own call site (to check that errors point at the user's line).
import { expect } from "vitest";
import type { DType } from "../../ir/dtype.js";
import type { Program } from "../../ir/program.js";
import { interpret } from "../../runtime/interpreter.js";
import { array, type NestedNumbers, type Tensor } from "../../runtime/tensor.js";
import { trace } from "../../compiler/trace.js";

export function t(values: NestedNumbers, dtype: DType = "f32"): Tensor {
  return array(values, { dtype });
}

/** Flat values as numbers (i32 exact, floats decoded to f32). */
export function flat(x: Tensor): number[] {
  return x.dtype === "i32" ? Array.from(x.storage as Int32Array) : Array.from(x.toFloat32Array());
}

/** Every value within `tol` (relative to max(1, |want|)) of the f64 reference. */
export function expectClose(got: Tensor, want: readonly number[], tol = 1e-6): void {
  const g = flat(got);
  expect(g.length).toBe(want.length);
  g.forEach((v, i) => {
    const w = want[i]!;
    if (Number.isNaN(w)) expect(v).toBeNaN();
    else if (!Number.isFinite(w)) expect(v).toBe(w);
    else expect(Math.abs(v - w)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w)));
  });
}

/**
 * Runs `fn` eagerly, traces it at the same arguments and interprets the program: the outputs
 * must agree bit for bit with the eager ones. Returns the program and the eager outputs.
 */
export function eagerAndTraced(fn: (...xs: Tensor[]) => Tensor, ...args: Tensor[]): { program: Program; out: Tensor } {
  const out = fn(...args);
  const program = trace(fn, ...args);
  const [traced] = interpret(program, args);
  expect(program.outputAvals).toEqual([{ dtype: out.dtype, shape: out.shape }]);
  expect(traced!.dtype).toBe(out.dtype);
  expect(traced!.shape).toEqual(out.shape);
  expect(Array.from(traced!.bits() as ArrayLike<number>)).toEqual(Array.from(out.bits() as ArrayLike<number>));
  return { program, out };
}

/** Primitive names of a program's equations, in order. */
export function prims(p: Program): string[] {
  return p.equations.map((e) => e.primitive);
}

/** The error `f` throws (fails the test when it throws nothing). */
export function thrown(f: () => unknown): any {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

/** The caller's `line` in this test file (call it on the same line as the failing op). */
export function callerLine(): number {
  const frame = new Error().stack!.split("\n")[2]!;
  return Number(/:(\d+):\d+\)?$/.exec(frame.trim())![1]);
}
