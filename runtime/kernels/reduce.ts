// Reductions (lax semantics). Floats accumulate in f32 in row-major order of the operand
// (each step rounded to f32) and the result is rounded once to the dtype; i32 accumulates in
// i32 and wraps (DESIGN.md "Edge semantics"; the accuracy contract is K·2^-24·Σ|x|).
import type { Aval } from "../../ir/shape.js";
import { Tensor } from "../tensor.js";
import { fmax, fmin, iadd, imul } from "./scalar-ops.js";
import type { KernelTable } from "./types.js";
import { fromValues, INT_MAX, INT_MIN, size, strides, values } from "./util.js";

type Step = (acc: number, x: number) => number;

/**
 * Folds `step` over `axes`: out[j] = step(…step(step(init, x_0), x_1)…) over the operand
 * elements that map to output j, visited in row-major order of the operand.
 */
function fold(x: Tensor, axes: readonly number[], out: Aval, init: number, floatStep: Step, intStep: Step): Tensor {
  const v = values(x);
  const n = size(out.shape);
  const acc = out.dtype === "i32" ? new Int32Array(n).fill(init) : new Float32Array(n).fill(init);
  const step = out.dtype === "i32" ? intStep : floatStep;
  // Output strides placed on the operand's kept dims; reduced dims contribute 0.
  const outStrides = strides(out.shape);
  const kept: number[] = [];
  let j = 0;
  for (let d = 0; d < x.shape.length; d++) kept.push(axes.includes(d) ? 0 : outStrides[j++]!);
  const idx = new Array<number>(x.shape.length).fill(0);
  let o = 0;
  for (let i = 0; i < v.length; i++) {
    acc[o] = step(acc[o]!, v[i]!);
    for (let d = x.shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < x.shape[d]!) {
        o += kept[d]!;
        break;
      }
      o -= kept[d]! * (x.shape[d]! - 1);
      idx[d] = 0;
    }
  }
  return out.dtype === "i32" ? new Tensor("i32", out.shape, acc as Int32Array) : fromValues(acc, out);
}

/**
 * The identity of max/min for an empty reduction: −Inf/+Inf for floats with infinities, ∓max
 * for f8e4m3fn (no infinities, as JAX's `_get_max_identity`), INT_MIN/INT_MAX for i32.
 */
function extremeInit(out: Aval, sign: 1 | -1): number {
  if (out.dtype === "i32") return sign < 0 ? INT_MIN : INT_MAX;
  if (out.dtype === "f8e4m3fn") return sign * 448;
  return sign * Infinity;
}

/**
 * argmax/argmin along one axis: the first index of the extreme, where NaN counts as the extreme
 * (so the first NaN wins) and ties keep the earlier index (DESIGN.md "Edge semantics").
 */
function argExtreme(x: Tensor, axis: number, out: Aval, better: (a: number, b: number) => boolean): Tensor {
  const v = values(x);
  const n = x.shape[axis]!;
  const inner = size(x.shape.slice(axis + 1));
  const outer = size(x.shape.slice(0, axis));
  const r = new Int32Array(size(out.shape));
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < inner; t++) {
      const at = (k: number) => v[(o * n + k) * inner + t]!;
      let best = at(0);
      let bi = 0;
      for (let k = 1; k < n && best === best; k++) {
        const c = at(k);
        if (c !== c || better(c, best)) {
          best = c;
          bi = k;
        }
      }
      r[o * inner + t] = bi;
    }
  }
  return new Tensor("i32", out.shape, r);
}

/** Inclusive prefix sum along `axis` (from the end when `reverse`); each output rounded once. */
function cumsum(x: Tensor, axis: number, reverse: boolean, out: Aval): Tensor {
  const v = values(x);
  const n = x.shape[axis]!;
  const inner = size(x.shape.slice(axis + 1));
  const outer = size(x.shape.slice(0, axis));
  const int = out.dtype === "i32";
  const r = int ? new Int32Array(v.length) : new Float32Array(v.length);
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < inner; t++) {
      let acc = 0;
      for (let s = 0; s < n; s++) {
        const i = (o * n + (reverse ? n - 1 - s : s)) * inner + t;
        acc = int ? (acc + v[i]!) | 0 : Math.fround(acc + v[i]!);
        r[i] = acc;
      }
    }
  }
  return int ? new Tensor("i32", out.shape, r as Int32Array) : fromValues(r, out);
}

export const reduceKernels = {
  reduce_sum: (p, [x], [out]) => [fold(x!, p.axes, out!, 0, (a, b) => a + b, iadd)],
  reduce_prod: (p, [x], [out]) => [fold(x!, p.axes, out!, 1, (a, b) => a * b, imul)],
  reduce_max: (p, [x], [out]) => [fold(x!, p.axes, out!, extremeInit(out!, -1), fmax, Math.max)],
  reduce_min: (p, [x], [out]) => [fold(x!, p.axes, out!, extremeInit(out!, 1), fmin, Math.min)],
  argmax: (p, [x], [out]) => [argExtreme(x!, p.axes[0], out!, (a, b) => a > b)],
  argmin: (p, [x], [out]) => [argExtreme(x!, p.axes[0], out!, (a, b) => a < b)],
  cumsum: (p, [x], [out]) => [cumsum(x!, p.axis, p.reverse, out!)],
} satisfies Partial<KernelTable>;
