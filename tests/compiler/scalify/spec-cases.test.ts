// The cases of shared/spec/scalify-cases.json (restated from jax-scalify's tests and quickstart
// notebook), one test each. Where DESIGN.md decides differently from the reference, the test
// follows DESIGN.md: its title says "DESIGN.md differs" and DESIGN_DIFFERS says how.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as sf from "../../../index.js";
import type { DType } from "../../../ir/dtype.js";
import { checkProgram, flat, S, valueOf } from "./helpers.js";

const { lax, ops } = sf;
type T = sf.Tensor;

interface SpecCase {
  id: string;
  source: string;
  op: string;
  inputs: Record<string, any>;
  expected: Record<string, any>;
  notes?: string;
}
const FIXTURE = JSON.parse(readFileSync(new URL("../../fixtures/scalify-cases.json", import.meta.url), "utf8")) as { cases: SpecCase[] };
const CASES = new Map(FIXTURE.cases.map((c) => [c.id, c]));

/** numpy dtype names of the fixture → ours. */
const DTYPE: Record<string, DType> = { float32: "f32", float16: "f16", float8_e4m3fn: "f8e4m3fn" };
const num = (v: number | string): number => (typeof v === "number" ? v : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v === "nan" ? NaN : Number(v));
const nums = (v: unknown): number[] => (Array.isArray(v) ? v.flat(Infinity).map((x) => num(x as number | string)) : [num(v as number)]);

/** A ScaledArray from a fixture entry {data, dtype, scale}. */
function scaledOf(e: { data: unknown; dtype: string; scale: number }): sf.ScaledArray {
  return S(e.data as sf.NestedNumbers, e.scale, DTYPE[e.dtype.split(" ")[0]!]);
}

/** The result's data (values and dtype), scale (always an f32 scalar, DESIGN.md) and value. */
function expectScaled(x: unknown, want: { data?: unknown; dtype?: string; scale?: number; value?: unknown }, dataTol = 0): sf.ScaledArray {
  expect(x).toBeInstanceOf(sf.ScaledArray);
  const r = x as sf.ScaledArray;
  expect(r.scale.dtype).toBe("f32");
  expect(r.scale.shape).toEqual([]);
  if (want.scale !== undefined) expect(r.scale.item()).toBe(Math.fround(want.scale));
  if (want.dtype !== undefined) expect(r.data.dtype).toBe(DTYPE[want.dtype]);
  const close = (got: number[], exp: number[]) => {
    expect(got.length).toBe(exp.length);
    got.forEach((g, i) => {
      const e = exp[i]!;
      if (Number.isNaN(e) || !Number.isFinite(e) || dataTol === 0) expect(g).toBe(e);
      else expect(Math.abs(g - e)).toBeLessThanOrEqual(dataTol * Math.max(1, Math.abs(e)));
    });
  };
  if (want.data !== undefined) close(flat(r.data), nums(want.data));
  if (want.value !== undefined) close(valueOf(r), nums(want.value));
  return r;
}

/** Where DESIGN.md decides differently from the reference case, and what the test checks instead. */
const DESIGN_DIFFERS: Record<string, string> = {
  make_scaled_scalar_f16: "the scale is an f32 scalar, not float16",
  scalify_mul_literal_2: "the input scale 3 is stored as f32 (not int32), so the output scale is f32 6",
  scaled_mul: "scales 3 and 2 are f32 scalars (not int32); the product scale is f32 6",
  scaled_reduce_single_axis: "reduce_prod is computed on the descaled value (data 3840, scale 1), not data 120 with scale 2^5",
  scaled_select_n: "with all-zero scales the result is zeros (safe division), not NaN",
  set_scaling_rebalances: "the new scale is an f32 scalar (the reference passes float16 4.0)",
  rebalance: "scales are f32 (the reference's are float16); on a plain tensor the values are kept (a tensor equal to the input, not the same object)",
  get_data_scale: "the scale is always an f32 scalar: also for a plain tensor without a config (the reference gives the data's dtype)",
  dynamic_rescale_max: "the scale is an f32 scalar (the reference's is float16)",
  dynamic_rescale_l2: "the scale is an f32 scalar (the reference's is float16)",
  scaled_minmax_static_inf: "a ScaledArray's scale must be finite, so the ±inf operand is a plain constant tensor (scale 1), not a ScaledArray with scale inf; the result keeps x's scale 4 all the same",
  scaled_log_large_scale: "log(data) + log(scale) is summed in f32 and rounded once to f16 (the reference adds float16(log(scale))); the f16 result is the same",
};

const HANDLERS: Record<string, (c: SpecCase) => void> = {
  pow2_decompose_down_float16: decomposeCase,
  pow2_decompose_down_float32: decomposeCase,
  pow2_decompose_down_special_float32: (c) => {
    const { scale, mantissa } = sf.pow2.decompose(Float32Array.from(nums(c.inputs.vin)));
    expect(Array.from(scale)).toEqual(nums(c.expected.scale));
    expect(Array.from(mantissa)).toEqual(nums(c.expected.mantissa));
  },
  make_scaled_scalar_f32_neg: makeScaledScalar,
  make_scaled_scalar_f16: makeScaledScalar,
  as_scaled_array_array_default_scale: (c) => {
    const x = sf.array(c.inputs.val, { dtype: DTYPE[c.inputs.val_dtype] });
    const a = sf.asScaledArray(x);
    expectScaled(a, c.expected);
    expect(sf.asScaledArray(a)).toBe(a); // idempotent
  },
  as_scaled_array_notebook_scale_half: (c) => {
    const x = sf.array(c.inputs.val.data, { dtype: DTYPE[c.inputs.val.dtype] });
    const a = expectScaled(sf.asScaledArray(x, c.inputs.scale), c.expected);
    expect(flat(sf.asarray(a))).toEqual(c.expected.value);
  },
  scalify_mul_literal_2: (c) => {
    const f = sf.scalify((x: T) => ops.mul(x, 2));
    const x = scaledOf(c.inputs.x);
    expectScaled(f(x), c.expected);
    // The literal 2 splits into data 1 × scale 2, so the data is untouched: no equation on it.
    const p = f.lower(x);
    checkProgram(p);
    expect(p.equations.map((e) => e.primitive)).toEqual(["mul"]);
    expect(p.equations[0]!.outputs[0]!.aval.shape).toEqual([]);
  },
  "scalify_select_relu_grad_scale_0.25": (c) => {
    // lax.select(pred, on_true, on_false) is select_n(pred, on_false, on_true).
    const f = sf.scalify((g: T) => lax.selectN(lax.gt(g, 0), lax.fullLike(g, 0), g));
    const g = scaledOf(c.inputs.g);
    expectScaled(f(g), c.expected);
    // The zeros adopt g's scale: the output scale is g's scale input, no scale arithmetic at all.
    const p = f.lower(g);
    checkProgram(p);
    expect(p.outputs[1]).toBe(p.inputs[1]);
    expect(p.equations.some((e) => e.primitive === "mul" || e.primitive === "max")).toBe(false);
  },
  scalify_add_notebook_rounding_modes: (c) => {
    const add = (a: T, b: T) => ops.add(a, b);
    const a = scaledOf(c.inputs.sa);
    const b = scaledOf(c.inputs.sb);
    expectScaled(sf.scalify(add)(a, b), c.expected.DOWN);
    expectScaled(sf.scalify(add, { roundingMode: "down" })(a, b), c.expected.DOWN);
    const none = expectScaled(sf.scalify(add, { roundingMode: "none" })(a, b), c.expected.NONE);
    // The value is no longer exact (fp16 rounding of the data): ≈ [4.0005, 8.0009].
    valueOf(none).forEach((v, i) => expect(v).toBeCloseTo(c.expected.NONE.value_approx[i], 3));
  },
  scaled_add_pow2_round_down: binaryCase(lax.add),
  scaled_sub_pow2_round_down: binaryCase(lax.sub),
  scaled_mul: binaryCase(lax.mul),
  scaled_div: binaryCase(lax.div, 2 ** -23),
  scaled_dot_general_K5: (c) => {
    const lhs = S(c.inputs.lhs.data, c.inputs.lhs.scale);
    const rhs = S(Array.from({ length: 5 }, () => [1, 1]), c.inputs.rhs.scale);
    const f = sf.scalify((a: T, b: T) => lax.dotGeneral(a, b, { dimensionNumbers: [[[1], [0]], [[], []]] }));
    // The data sums 0.1 + 0.2 + … in f32: within K·2^-24·Σ|a_i·b_i| ≤ 5·2^-24·7 of the exact sums.
    const r = expectScaled(f(lhs, rhs), { ...c.expected, value: undefined }, 5 * 2 ** -24 * 7);
    valueOf(r).forEach((v, i) => expect(v).toBeCloseTo(nums(c.expected.value)[i]!, 4));
    expect(r.scale.item()).toBe(c.inputs.lhs.scale * c.inputs.rhs.scale * 2); // √5 = 2.236 → 2
  },
  scaled_reduce_single_axis: (c) => {
    const v = scaledOf(c.inputs.v);
    const e = c.expected;
    const sum = sf.scalify((x: T) => lax.reduceSum(x, { axes: [0] }));
    expectScaled(sum(v), { ...e.reduce_sum, dtype: e.dtype });
    expectScaled(sf.scalify((x: T) => lax.reduceMin(x, { axes: [0] }))(v), { ...e.reduce_min, dtype: e.dtype });
    expectScaled(sf.scalify((x: T) => lax.reduceMax(x, { axes: [0] }))(v), { ...e.reduce_max, dtype: e.dtype });
    // DESIGN.md: reduce_prod on the descaled value → data 3840 (the reference: 120 × 2^5), scale 1.
    const prod = sf.scalify((x: T) => lax.reduceProd(x, { axes: [0] }))(v) as sf.ScaledArray;
    expectScaled(prod, { data: e.reduce_prod.value, scale: 1, dtype: e.dtype, value: e.reduce_prod.value });
    expect((sum(v) as sf.ScaledArray).data.shape).toEqual(e.shape);
  },
  scaled_exp_large_scale: unaryCase(lax.exp),
  scaled_log_large_scale: (c) => {
    const r = sf.scalify((x: T) => lax.log(x))(scaledOf(c.inputs.v)) as sf.ScaledArray;
    expectScaled(r, c.expected);
    // Within the reference's tolerance of the true log: 2 decimals.
    valueOf(r).forEach((v, i) => expect(v).toBeCloseTo(nums(c.expected.reference)[i]!, 2));
  },
  scaled_select_n: (c) => {
    const which = sf.array(c.inputs.which, { dtype: "bool" });
    const f = sf.scalify((w: T, a: T, b: T) => lax.selectN(w, a, b));
    expectScaled(f(which, scaledOf(c.inputs.case0), scaledOf(c.inputs.case1)), c.expected);
    // DESIGN.md: all-zero scales give zeros, not NaN (the reference divides plainly: 0/0).
    const zero = f(which, S(c.inputs.case0.data, 0), S(c.inputs.case1.data, 0)) as sf.ScaledArray;
    expect(zero.scale.item()).toBe(0);
    expect(valueOf(zero)).toEqual([0, 0, 0]);
    expect(flat(zero.data).some(Number.isNaN)).toBe(false);
  },
  scaled_concatenate: (c) => {
    const f = sf.scalify((a: T, b: T) => lax.concatenate([a, b], { dimension: 0 }));
    expectScaled(f(scaledOf(c.inputs.x), scaledOf(c.inputs.y)), c.expected);
    const z = c.expected.zero_scales_variant;
    const zero = f(S(c.inputs.x.data, z["x.scale"], "f16"), S(c.inputs.y.data, z["y.scale"], "f16")) as sf.ScaledArray;
    expect(zero.scale.item()).toBe(z["out.scale"]);
    expect(valueOf(zero)).toEqual([0, 0, 0, 0, 0, 0]); // "all zeros"
  },
  scaled_shape_ops_keep_scale: (c) => {
    const s = c.inputs.scale;
    const e = c.expected;
    const check = (fn: (x: T) => T, data: sf.NestedNumbers, want: { data: unknown; dtype: string; scale: number }) => {
      const f = sf.scalify(fn);
      const x = S(data, s);
      expectScaled(f(x), want);
      // Never rescaled, never a cast of the scale: the output scale is the scale input itself.
      const p = f.lower(x);
      checkProgram(p);
      expect(p.outputs[1]).toBe(p.inputs[1]);
    };
    check((x) => lax.convertElementType(x, { newDtype: "f16" }), [1, 2], e["convert_element_type(new_dtype=float16)"]);
    check((x) => lax.transpose(x, { permutation: [1, 0] }), [[1, 2], [3, 4]], e["transpose((1,0))"]);
    check((x) => lax.slice(x, { startIndices: [1], limitIndices: [4], strides: [2] }), [1, 2, 3, 4], e["slice((1,),(4,),(2,))"]);
    check((x) => lax.rev(x, { dimensions: [0] }), [1, 2, 3], e["rev((0,))"]);
    check((x) => lax.pad(x, 0, { paddingConfig: [[1, 2, 0]] }), [1, 2], e["pad(0.0, [(1,2,0)])"]);
    check((x) => lax.reshape(x, { newSizes: [2, 2] }), [1, 2, 3, 4], e["reshape(new_sizes=(2,2))"]);
    check((x) => lax.broadcastInDim(x, { shape: [2, 1], broadcastDimensions: [0] }), [1, 2], e["broadcast_in_dim(shape=(2,1), dims=(0,))"]);
  },
  set_scaling_rebalances: (c) => {
    const v = scaledOf(c.inputs.values);
    expectScaled(sf.scaling.setScaling(v, c.inputs.scale.data), c.expected);
    // Outside scalify on a plain tensor: the identity (the scale is ignored).
    expect(flat(sf.scaling.setScaling(v.data, 4))).toEqual(flat(v.data));
  },
  rebalance: (c) => {
    const arr = scaledOf(c.inputs.arr);
    expectScaled(sf.scaling.rebalance(arr, 0.5), c.expected);
    expect(flat(sf.scaling.rebalance(arr.data, 0.5))).toEqual(flat(arr.data));
  },
  stop_scaling: (c) => {
    const arr = scaledOf(c.inputs.arr);
    const out0 = sf.scaling.stopScaling(arr);
    const out1 = sf.scaling.stopScaling(arr, "f16");
    for (const [o, want] of [[out0, c.expected.out0], [out1, c.expected.out1]] as const) {
      expect(o).toBeInstanceOf(sf.Tensor);
      expect((o as T).dtype).toBe(DTYPE[want.dtype]);
      expect(flat(o as T)).toEqual(want.plain);
    }
  },
  get_data_scale: (c) => {
    const [d, s] = sf.scaling.getDataScale(scaledOf(c.inputs.scaled));
    expect(flat(d)).toEqual(c.expected.scaled.data);
    expect(s.item()).toBe(c.expected.scaled.scale);
    expect(s.dtype).toBe("f32");
    // A plain tensor: (x, 1), the scale an f32 scalar (with or without a config in the reference).
    const plainArr = sf.array(c.inputs.plain_with_config.arr.data, { dtype: "f16" });
    const [pd, ps] = sf.scaling.getDataScale(plainArr);
    expect(flat(pd)).toEqual(c.expected.plain_with_config.data);
    expect(ps.item()).toBe(1);
    expect(ps.dtype).toBe(DTYPE[c.expected.plain_with_config.scale_dtype]);
    // Inside scalify: the data and scale of the scaled input, as plain outputs.
    const f = sf.scalify((x: T) => sf.scaling.getDataScale(x));
    const [fd, fs] = f(scaledOf(c.inputs.scaled)) as T[];
    expect(flat(fd!)).toEqual(c.expected.scaled.data);
    expect(fs!.item()).toBe(c.expected.scaled.scale);
  },
  dynamic_rescale_max: (c) => expectScaled(sf.scaling.dynamicRescaleMax(scaledOf(c.inputs.arr)), c.expected),
  dynamic_rescale_l2: (c) => expectScaled(sf.scaling.dynamicRescaleL2(scaledOf(c.inputs.arr)), c.expected),
  fp8_e4m3fn_cast_overflow_vs_scaled: (c) => {
    const a = sf.array(c.inputs.a.data);
    // A plain cast overflows: e4m3fn has no inf, 512 → NaN (non-saturating, as ml_dtypes).
    expect(flat(ops.astype(a, "f8e4m3fn"))).toEqual(nums(c.expected.plain_cast));
    // Scaled by 128, the cast changes the data only: 3.125 → 3, and 512 = 4 × 128 fits.
    const sa = sf.asScaledArray(a, c.inputs.scale);
    const cast = sf.scalify((x: T) => ops.astype(x, "f8e4m3fn"));
    expectScaled(cast(sa), c.expected.scaled);
    expectScaled(sf.scaling.castOnForward(sa, "f8e4m3fn", { saturate: false }), c.expected.scaled);
  },
  scaled_minmax_static_inf: (c) => {
    const x = scaledOf(c.inputs.x);
    const y = sf.array(nums(c.inputs.y.data));
    const max = sf.scalify((v: T) => lax.max(v, y));
    const min = sf.scalify((v: T) => lax.min(v, y));
    expectScaled(max(x), { ...c.expected.max, scale: c.expected.scale });
    expectScaled(min(x), { ...c.expected.min, scale: c.expected.scale });
    // As static scalars (broadcast literals), ±inf adopt x's scale: no rescale of x at all.
    const maxS = sf.scalify((v: T) => lax.max(v, lax.fullLike(v, -Infinity)));
    const minS = sf.scalify((v: T) => lax.min(v, lax.fullLike(v, Infinity)));
    expectScaled(maxS(x), { data: c.inputs.x.data, scale: c.expected.scale });
    expectScaled(minS(x), { data: c.inputs.x.data, scale: c.expected.scale });
  },
};

function decomposeCase(c: SpecCase): void {
  const dtype = DTYPE[c.inputs.vin_dtype]!;
  const vin = sf.numerics.round(Float32Array.from(nums(c.inputs.vin)), dtype); // "cast to vin_dtype first"
  const { scale, mantissa } = sf.pow2.decompose(vin);
  expect(Array.from(scale)).toEqual(c.expected.scale);
  // The mantissa is exact in the input's dtype.
  expect(Array.from(sf.numerics.round(mantissa, DTYPE[c.expected.mantissa_dtype]!))).toEqual(c.expected.mantissa);
  expect(Array.from(mantissa)).toEqual(c.expected.mantissa);
  // Invariant: scale × f32(mantissa) == f32(vin) bitwise.
  scale.forEach((s, i) => expect(Object.is(Math.fround(s * mantissa[i]!), vin[i])).toBe(true));
}

function makeScaledScalar(c: SpecCase): void {
  const dtype = DTYPE[c.inputs.val_dtype]!;
  const a = sf.asScaledArray(c.inputs.val, undefined, dtype);
  expectScaled(a, { data: c.expected.data, dtype: c.expected.dtype, scale: c.expected.scale, value: c.expected.value });
  expect(a.shape).toEqual([]);
}

function binaryCase(op: (a: T, b: T) => T, tol = 0): (c: SpecCase) => void {
  return (c) => {
    const r = sf.scalify(op)(scaledOf(c.inputs.x), scaledOf(c.inputs.y));
    expectScaled(r, { ...c.expected, value: undefined }, tol);
    valueOf(r as sf.ScaledArray).forEach((v, i) => expect(v).toBeCloseTo(nums(c.expected.value)[i]!, 5));
  };
}

function unaryCase(op: (x: T) => T): (c: SpecCase) => void {
  return (c) => expectScaled(sf.scalify(op)(scaledOf(c.inputs.v)), c.expected);
}

describe("shared/spec/scalify-cases.json", () => {
  it("every case has a test, every test a case", () => {
    expect([...CASES.keys()].sort()).toEqual(Object.keys(HANDLERS).sort());
    for (const id of Object.keys(DESIGN_DIFFERS)) expect(CASES.has(id), id).toBe(true);
  });
  it.each([...CASES.values()].map((c) => [DESIGN_DIFFERS[c.id] ? `${c.id} (DESIGN.md differs: ${DESIGN_DIFFERS[c.id]})` : c.id, c] as const))("%s", (_title, c) => {
    HANDLERS[c.id]!(c);
  });
});
