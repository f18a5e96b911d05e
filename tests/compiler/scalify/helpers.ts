// Helpers for the scalify suites: ScaledArray construction, reading values back (data × scale in
// f64, which is exact for power-of-two scales), ulps, and the checks every scalified program must
// pass (verifier; print → parse → print is the identity).
import { expect } from "vitest";
import * as sf from "../../../index.js";
import { isFloat, type DType } from "../../../ir/dtype.js";

import { rng, seedOf, type Rng } from "../../support/random.js";

export { rng, seedOf, type Rng };

/** A ScaledArray from values of its data. */
export function S(data: sf.NestedNumbers, scale: number, dtype: DType = "f32"): sf.ScaledArray {
  return new sf.ScaledArray(sf.array(data, { dtype }), scale);
}

/** The flat values of a tensor (floats decoded, bool as 0/1). */
export function flat(t: sf.Tensor): number[] {
  if (isFloat(t.dtype)) return Array.from(t.toFloat32Array());
  return Array.from(t.bits() as ArrayLike<number>);
}

/** The value of a scalified result, data × scale in f64 (exact when the scale is a power of two). */
export function valueOf(x: sf.Tensor | sf.ScaledArray): number[] {
  if (x instanceof sf.ScaledArray) {
    const s = x.scale.item();
    return flat(x.data).map((d) => d * s);
  }
  return flat(x);
}

export const isPow2 = (s: number): boolean => s > 0 && Number.isFinite(s) && 2 ** Math.round(Math.log2(s)) === s;

/** Unit in the last place of |x| for a float dtype (subnormal spacing below the smallest normal). */
export function ulp(x: number, dtype: DType = "f32"): number {
  const [mant, minExp] = dtype === "f16" ? [10, -14] : dtype === "bf16" ? [7, -126] : dtype === "f8e4m3fn" ? [3, -6] : dtype === "f8e5m2" ? [2, -14] : [23, -126];
  const a = Math.abs(x);
  const e = a === 0 || !Number.isFinite(a) ? minExp : Math.max(minExp, Math.floor(Math.log2(a)));
  return 2 ** (e - mant);
}

/** Same value, NaN as NaN, ±inf exactly. */
export function sameValue(a: number, b: number): boolean {
  return Object.is(a, b) || a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** Values equal within `tol(i)`; NaN matches NaN and infinities match exactly. */
export function expectClose(got: number[], want: number[], tol: (i: number) => number, what: string): void {
  expect(got.length, what).toBe(want.length);
  const bad: string[] = [];
  got.forEach((g, i) => {
    const w = want[i]!;
    if (sameValue(g, w)) return;
    if (!Number.isFinite(g) || !Number.isFinite(w) || !(Math.abs(g - w) <= tol(i))) bad.push(`[${i}] got ${g}, want ${w} (tol ${tol(i)})`);
  });
  expect(bad, `${what}: ${bad.slice(0, 5).join("; ")}`).toEqual([]);
}

/** Every scalified program verifies and survives print → parse → print unchanged. */
export function checkProgram(p: sf.Program): void {
  sf.verify(p);
  const text = sf.print(p);
  expect(sf.print(sf.parse(text))).toBe(text);
}

/** The equations of a program (top level) with the given primitive. */
export const eqnsOf = (p: sf.Program, prim: sf.Primitive) => p.equations.filter((e) => e.primitive === prim);
