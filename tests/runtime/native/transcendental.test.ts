// A dense sweep of the native transcendentals (vectorised in double, rounded once to f32)
// against f64 math: within 2 f32 ulp everywhere (DESIGN.md "Where the backends must agree"),
// and erf within 1 ulp of the reference interpreter's Cody implementation (the same algorithm).
import { describe, expect, it } from "vitest";
import { erf } from "../../../runtime/kernels/erf.js";
import { flogistic } from "../../../runtime/kernels/scalar-ops.js";
import { nativeAddon } from "../../../runtime/native/loader.js";

function ulpOfF32(x: number): number {
  const a = Math.max(Math.abs(x), 2 ** -126);
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** 2^18 f32 values spread over [−lim, lim] (log-spaced magnitudes) plus special points. */
function sweep(lim: number): Float32Array {
  const n = 1 << 18;
  const out = new Float32Array(n + 8);
  for (let i = 0; i < n; i++) {
    const t = i / n;
    const mag = lim * 2 ** (-40 * (1 - t) * ((i * 7919) % 13) / 13);
    out[i] = i % 2 ? -mag : mag;
  }
  out.set([0, -0, Infinity, -Infinity, NaN, 0.46875, 4, 26.543], n);
  return out;
}

const CASES: [string, (x: number) => number, number][] = [
  ["exp", Math.exp, 100],
  ["log", Math.log, 3e38],
  ["tanh", Math.tanh, 30],
  ["logistic", flogistic, 100],
  ["sin", Math.sin, 1e4],
  ["cos", Math.cos, 1e4],
  ["erf", erf, 30],
];

describe("native transcendentals on a dense sweep", () => {
  it.each(CASES)("%s is within 2 ulp of f64 math", (prim, f, lim) => {
    const x = sweep(lim);
    const [out] = nativeAddon().runPrimitive(prim, {}, [{ dtype: "f32", shape: [x.length], data: x }]);
    const y = out!.data as Float32Array;
    let worst = 0;
    const wrongSpecials: string[] = [];
    for (let i = 0; i < x.length; i++) {
      const ref = f(x[i]!);
      if (Number.isNaN(ref) || !Number.isFinite(ref) || Math.abs(ref) > 3.4e38) {
        if (!Object.is(y[i], Math.fround(ref))) wrongSpecials.push(`${prim}(${x[i]}) = ${y[i]}, not ${ref}`);
        continue;
      }
      worst = Math.max(worst, Math.abs(y[i]! - ref) / ulpOfF32(ref));
    }
    expect(wrongSpecials).toEqual([]);
    expect(worst).toBeLessThanOrEqual(2);
  });
  it("erf agrees with the reference's Cody erf to 1 ulp", () => {
    const x = sweep(30);
    const [out] = nativeAddon().runPrimitive("erf", {}, [{ dtype: "f32", shape: [x.length], data: x }]);
    const y = out!.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      const ref = Math.fround(erf(x[i]!));
      if (!Number.isNaN(ref)) worst = Math.max(worst, Math.abs(y[i]! - ref) / ulpOfF32(ref));
    }
    expect(worst).toBeLessThanOrEqual(1);
  });
});
