// Helpers for the autodiff suites: seeded random inputs on an exact grid, the gradient of a
// traced loss through `gradPass` (verified), and central finite differences on the reference
// interpreter.
//
// Finite differences, as chosen here: the primal program is run on the f32 reference interpreter
// (so the gradient is checked against the semantics the kernels actually implement: clamping,
// fill modes, padding…), and the loss Σ w·y is summed in f64 in JS. Inputs are multiples of 2^-12
// and the steps are h = 2^-6 and h/2 = 2^-7, so every perturbed input is exact in f32. The two
// central differences are combined by Richardson extrapolation, (4·D(h/2) − D(h)) / 3, whose
// truncation error is O(h⁴); what remains is f32 round-off of the outputs divided by h. The
// tolerance, |g − fd| ≤ 5e-4 · max(1, |fd|), is set for f32: the worst case over these cases is
// ~1e-5 (a 50× margin), while a wrong rule (a missing factor, a wrong operand, a wrong axis, a
// wrong clamp) is off by O(1).
import { expect } from "vitest";
import type { DType } from "../../../ir/dtype.js";
import type { Primitive } from "../../../ir/primitives/catalogue.js";
import { Program } from "../../../ir/program.js";
import { verify } from "../../../ir/verify.js";
import { gradPass } from "../../../compiler/grad/api.js";
import * as ops from "../../../compiler/ops/index.js";
import { trace } from "../../../compiler/trace.js";
import { interpret } from "../../../runtime/interpreter.js";
import { array, Tensor } from "../../../runtime/tensor.js";

import { rng, seedOf, type Rng } from "../../support/random.js";

export { rng, seedOf, type Rng };

const GRID = 2 ** 12;
const quantise = (v: number) => Math.round(v * GRID) / GRID;
const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function tensor(values: readonly number[], shape: readonly number[], dtype: DType = "f32"): Tensor {
  return array(dtype === "f32" ? Float32Array.from(values) : Array.from(values), { dtype, shape: [...shape] });
}

/** Uniform values in [lo, hi) on the 2^-12 grid. */
export function uniform(r: Rng, shape: readonly number[], lo = -1, hi = 1): Tensor {
  return tensor(Array.from({ length: count(shape) }, () => quantise(lo + (hi - lo) * r())), shape);
}

/** Values with lo ≤ |v| < hi and a random sign: away from the kink of abs, sign, x⁻ⁿ. */
export function awayFromZero(r: Rng, shape: readonly number[], lo = 0.2, hi = 2): Tensor {
  return tensor(Array.from({ length: count(shape) }, () => quantise((r() < 0.5 ? -1 : 1) * (lo + (hi - lo) * r()))), shape);
}

/** b = a ± [gap, gap + 0.5): pairs of operands that never tie (max/min away from their kink). */
export function apart(r: Rng, a: Tensor, gap = 0.1): Tensor {
  const av = a.toFloat32Array();
  return tensor(Array.from(av, (v) => quantise(v + (r() < 0.5 ? -1 : 1) * (gap + 0.5 * r()))), a.shape);
}

/** All values distinct with gaps ≥ `gap` (a shuffled grid plus jitter): reductions without ties. */
export function distinct(r: Rng, shape: readonly number[], gap = 0.125): Tensor {
  const n = count(shape);
  const vals = Array.from({ length: n }, (_, i) => (i - n / 2) * 2 * gap + quantise(r() * gap * 0.5));
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [vals[i], vals[j]] = [vals[j]!, vals[i]!];
  }
  return tensor(vals, shape);
}

export const i32 = (values: readonly number[], shape: readonly number[] = [values.length]) => tensor(values, shape, "i32");
export const scalarI32 = (v: number) => tensor([v], [], "i32");

/** Does `p` (or a program nested in its equations) contain an equation of `prim`? */
export function containsPrimitive(p: Program, prim: Primitive): boolean {
  return p.equations.some(
    (e) => e.primitive === prim || Object.values(e.params as Record<string, unknown>).some((v) => v instanceof Program && containsPrimitive(v, prim)),
  );
}

/** Primitive names of a program's equations, in order. */
export const prims = (p: Program): string[] => p.equations.map((e) => e.primitive);

/** Float positional arguments (the default to differentiate). */
export const floatArgs = (args: readonly Tensor[]): number[] => args.flatMap((a, i) => (a.dtype === "i32" || a.dtype === "bool" ? [] : [i]));

/** The loss Σ w ⊙ fn(...xs) (in f32) that every per-primitive case differentiates. */
export function weightedLoss(fn: (...xs: Tensor[]) => Tensor, w: Tensor): (...xs: Tensor[]) => Tensor {
  return (...xs: Tensor[]) => ops.sum(ops.mul(ops.astype(fn(...xs), "f32"), w));
}

/** The gradient program of `loss` at `args` for `wrt` (verified), run on the interpreter. */
export function gradOf(loss: (...xs: Tensor[]) => Tensor, args: Tensor[], wrt: number[]): { program: Program; grads: Tensor[] } {
  const program = gradPass(trace(loss, ...args), { argnums: wrt });
  verify(program);
  return { program, grads: interpret(program, args) };
}

export const H = 2 ** -6;
export const FD_TOL = 5e-4;

/** Richardson-extrapolated central differences of `loss64` along each element of argument `k`. */
export function finiteDifferences(loss64: (args: Tensor[]) => number, args: Tensor[], k: number): number[] {
  const x = args[k]!;
  const base = x.toFloat32Array();
  const at = (j: number, d: number): number => {
    const v = Float32Array.from(base);
    v[j] = base[j]! + d;
    if (v[j]! - base[j]! !== d) throw new Error(`step ${d} is not exact at ${base[j]}: put the input on the 2^-12 grid`);
    const moved = args.slice();
    moved[k] = tensor(Array.from(v), x.shape);
    return loss64(moved);
  };
  return Array.from(base, (_, j) => {
    const d1 = (at(j, H) - at(j, -H)) / (2 * H);
    const d2 = (at(j, H / 2) - at(j, -H / 2)) / H;
    return (4 * d2 - d1) / 3;
  });
}

export interface FdCase {
  /** Unique; also the seed of the case's weights. */
  name: string;
  /** The primitive under test: it must appear in the traced function. */
  prim: Primitive;
  fn: (...xs: Tensor[]) => Tensor;
  args: Tensor[];
  /** Arguments to differentiate (default: every float argument). */
  wrt?: number[];
}

/**
 * The gradient of Σ w ⊙ fn(args) (random weights, so every output element matters) through
 * `gradPass` against finite differences of the f32 primal program, element by element.
 */
export function checkAgainstFiniteDifferences(c: FdCase): void {
  const r = rng(seedOf(c.name));
  const out = c.fn(...c.args);
  const w = uniform(r, out.shape, -1, 1);
  const wv = w.toFloat32Array();
  const primal = trace(c.fn, ...c.args);
  expect(containsPrimitive(primal, c.prim), `${c.name}: the traced function has no ${c.prim}`).toBe(true);
  const wrt = c.wrt ?? floatArgs(c.args);
  expect(wrt.length).toBeGreaterThan(0);
  const { grads } = gradOf(weightedLoss(c.fn, w), c.args, wrt);
  const loss64 = (args: Tensor[]) => {
    const y = interpret(primal, args)[0]!.toFloat32Array();
    let s = 0;
    for (let i = 0; i < y.length; i++) s += wv[i]! * y[i]!;
    return s;
  };
  wrt.forEach((k, n) => {
    const g = grads[n]!;
    expect(g.dtype).toBe(c.args[k]!.dtype);
    expect(g.shape).toEqual(c.args[k]!.shape);
    const gv = g.toFloat32Array();
    const fd = finiteDifferences(loss64, c.args, k);
    fd.forEach((want, j) => {
      const err = Math.abs(gv[j]! - want);
      if (!(err <= FD_TOL * Math.max(1, Math.abs(want))))
        expect.fail(`${c.name}: d/d(arg ${k})[${j}]: grad ${gv[j]} vs finite differences ${want}`);
    });
  });
}
