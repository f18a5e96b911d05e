// The function form `sf.scalify(fn, config)` and the ScaledArray helpers.
import type { DType } from "../../ir/dtype.js";
import type { Program } from "../../ir/program.js";
import { decompose } from "../../runtime/numerics/pow2.js";
import { ScaledArray } from "../../runtime/scaled-array.js";
import { array, Tensor } from "../../runtime/tensor.js";
import { runFlat, type RunOptions } from "../api.js";
import * as lax from "../lax.js";
import { cse } from "../passes/cse.js";
import { dce } from "../passes/dce.js";
import { staged, type Staged } from "../staged.js";
import { sourceOf } from "../trace.js";
import type { ScalifyConfig } from "./config.js";
import { scalifyProgram, type ScalifyOptions } from "./pass.js";

/** `passes.scalify`, cleaned by cse and dce. */
export function scalifyPass(p: Program, opts: ScalifyOptions = {}): Program {
  return dce(cse(scalifyProgram(p, opts)));
}

/** The user's function sees plain tensors where ScaledArrays were passed (jax-scalify's convention). */
function unwrapScaled(args: unknown[]): unknown[] {
  return args.map((a) => mapScaled(a));
}
function mapScaled(x: unknown): unknown {
  if (x instanceof ScaledArray) return x.data;
  if (Array.isArray(x)) return x.map(mapScaled);
  if (x && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype)
    return Object.fromEntries(Object.entries(x as Record<string, unknown>).map(([k, v]) => [k, mapScaled(v)]));
  return x;
}

export interface ScalifyFnOptions extends RunOptions {}

/**
 * `sf.scalify(fn, config?)`: run `fn` with every ScaledArray argument as a (data, scale) pair;
 * scales propagate through every op, and scaled results come back as ScaledArrays.
 */
export function scalify(fn: (...a: any[]) => unknown, config: Partial<ScalifyConfig> = {}, opts: ScalifyFnOptions = {}): Staged {
  // Named after the user's function (staged records it), so scalify(scalify(f)) prints as scalify(f).
  const user = sourceOf(fn);
  return staged(
    (...args: unknown[]) => fn(...unwrapScaled(args)),
    (p) => scalifyPass(p, { config }),
    (p, a) => runFlat(p, a, opts),
    user.name || "scalified",
    user,
  );
}

/**
 * `sf.asScaledArray(x, scale = 1)`: data = x / scale in x's dtype. A JS number splits into a
 * mantissa in [1, 2) and a power-of-two scale (jax-scalify's make_scaled_scalar).
 */
export function asScaledArray(x: Tensor | ScaledArray | number, scale?: Tensor | number, dtype: DType = "f32"): ScaledArray {
  if (x instanceof ScaledArray) return x;
  if (typeof x === "number") {
    if (scale === undefined) {
      const d = decompose(Math.fround(x));
      const finite = Number.isFinite(x) && x !== 0;
      return new ScaledArray(array(finite ? d.mantissa : x, { dtype }), finite ? d.scale : 1);
    }
    x = array(x, { dtype });
  }
  const s = scale ?? 1;
  if (typeof s === "number" && s === 1) return new ScaledArray(x, 1);
  const sT = typeof s === "number" ? array(s) : s;
  const data = lax.convertElementType(lax.div(lax.convertElementType(x, { newDtype: "f32" }), sT), { newDtype: x.dtype });
  return new ScaledArray(data, sT);
}

/** `sf.asarray(x, dtype?)`: the plain value data × scale (computed in f32, rounded once). */
export function asarray(x: Tensor | ScaledArray, dtype?: DType): Tensor {
  if (x instanceof Tensor) return dtype && dtype !== x.dtype ? lax.convertElementType(x, { newDtype: dtype }) : x;
  const v = lax.mul(lax.convertElementType(x.data, { newDtype: "f32" }), x.scale);
  return lax.convertElementType(v, { newDtype: dtype ?? x.data.dtype });
}

/** Apply `f` through scalify when any argument is a ScaledArray (eager use of scaling ops). */
export function scaledAware<A extends unknown[], R>(f: (...a: A) => R): (...a: A) => R {
  return (...args: A): R => {
    const hasScaled = args.some((a) => a instanceof ScaledArray);
    return hasScaled ? (scalify(f as never)(...args) as R) : f(...args);
  };
}

