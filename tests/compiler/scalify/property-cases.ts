// The cases of the scalify property test (property.test.ts): every primitive of the catalogue
// with one or more small programs, their inputs, the accuracy DESIGN.md's rule table promises and
// the output scale it gives. The type makes a primitive without an entry a compile error.
import * as sf from "../../../index.js";
import type { Rng } from "./helpers.js";

const { lax } = sf;
type T = sf.Tensor;

export type Gen = (r: Rng) => number;
/** Values in ±[1/4, 4) (no zeros: zero is its own case in defects.test.ts). */
export const signed: Gen = (r) => (r() < 0.5 ? -1 : 1) * 2 ** (4 * r() - 2);
const positive: Gen = (r) => 2 ** (4 * r() - 2);
/** Small values for transcendental ops whose range is narrow (exp, pow). */
const small: Gen = (r) => 4 * r() - 2;

export type Arg =
  | { kind: "float"; dtype?: "f32" | "f16"; shape: number[]; gen?: Gen; plain?: boolean }
  | { kind: "i32"; shape: number[]; lo: number; hi: number }
  | { kind: "bool"; shape: number[] }
  /** A plain f32 scalar input with a power-of-two value (a scale operand). */
  | { kind: "pow2" };

export type Check = "exact" | "ulp" | "log" | "accum" | "plain" | "dataScale";
/** What each output's scale must be: the first scaled input's, 1, a power of two, or plain. */
export type ScaleRule = "same" | "one" | "pow2" | "plain";

export interface Case {
  name: string;
  args: Arg[];
  fn: (...xs: T[]) => T | T[];
  check: Check;
  scale: ScaleRule;
  /** Largest |k| of the input scales 2^k (default 20; 8 for f16). */
  kMax?: number;
  /** K of the accumulation bound. */
  k?: number;
  /** Make some elements of input 1 equal to input 0's (comparisons need ties). */
  ties?: boolean;
  /**
   * The output scale DESIGN.md's table gives, from each argument's scale (1 for a plain float,
   * the value for a power-of-two scalar argument; 0 for integer arguments).
   */
  outScale?: (s: number[]) => number;
}

/** R_down(√n): the growth of a sum of n terms (unit scaling, default rounding). */
const growth = (n: number) => 2 ** Math.floor(Math.log2(Math.sqrt(n)));
const maxOf = (s: number[]) => Math.max(...s);

const f = (shape: number[], o: { dtype?: "f32" | "f16"; gen?: Gen; plain?: boolean } = {}): Arg => ({ kind: "float", shape, ...o });
const h = (shape: number[], gen?: Gen): Arg => f(shape, { dtype: "f16", ...(gen ? { gen } : {}) });
const idx = (shape: number[], lo: number, hi: number): Arg => ({ kind: "i32", shape, lo, hi });
const bool = (shape: number[]): Arg => ({ kind: "bool", shape });

const unaryCases = (name: string, op: (x: T) => T, check: Check, scale: ScaleRule, gen: Gen = signed, outScale?: Case["outScale"]): Case[] => [
  { name, args: [f([3, 4], { gen })], fn: op, check, scale, ...(outScale ? { outScale } : {}) },
  { name: `${name} (f16)`, args: [h([5], gen)], fn: op, check, scale, ...(outScale ? { outScale } : {}) },
];
/** `outScale` gets [sa, sb]; with a scalar literal 1.5 (split into 1.5 × 2^0), sb = 1. */
const binaryCases = (name: string, op: (a: T, b: T) => T, check: Check, scale: ScaleRule, ties = false, outScale?: (s: number[]) => number): Case[] => {
  const o = outScale ? { outScale } : {};
  return [
    { name, args: [f([3, 4]), f([3, 4])], fn: op, check, scale, ties, ...o },
    { name: `${name} with a plain operand`, args: [f([3, 4]), f([3, 4], { plain: true })], fn: op, check, scale, ties, ...o },
    // A JS number is a rank-0 literal of the tensor's dtype (lax's weak scalar).
    { name: `${name} with a scalar literal`, args: [f([3, 4])], fn: (a) => op(a, 1.5 as unknown as T), check, scale, ...(outScale ? { outScale: (s: number[]) => outScale([s[0]!, 1]) } : {}) },
    { name: `${name} (f16)`, args: [h([6]), h([6])], fn: op, check, scale, ties, ...o },
  ];
};

const cmp = (name: string, op: (a: T, b: T) => T) => binaryCases(name, op, "plain", "plain", true);
const custom = sf.customVjp({
  fn: (x: T) => lax.mul(lax.sin(x), x),
  fwd: (x: T): [T, T] => [lax.mul(lax.sin(x), x), x],
  bwd: (x: T, ct: T) => [lax.mul(ct, lax.add(lax.sin(x), lax.mul(x, lax.cos(x))))],
});

/** Every primitive with its cases: the type makes a primitive without an entry a compile error. */
export const CASES: { [P in sf.Primitive]: Case[] } = {
  neg: unaryCases("neg", lax.neg, "exact", "same"),
  abs: unaryCases("abs", lax.abs, "exact", "same"),
  sign: unaryCases("sign", lax.sign, "exact", "one"),
  exp: unaryCases("exp", lax.exp, "ulp", "one", small),
  log: unaryCases("log", lax.log, "log", "one", positive),
  sqrt: unaryCases("sqrt", lax.sqrt, "ulp", "pow2", positive, ([s]) => 2 ** Math.floor(Math.log2(s!) / 2)),
  rsqrt: unaryCases("rsqrt", lax.rsqrt, "ulp", "pow2", positive, ([s]) => 2 ** -Math.floor(Math.log2(s!) / 2)),
  tanh: unaryCases("tanh", lax.tanh, "ulp", "one"),
  logistic: unaryCases("logistic", lax.logistic, "ulp", "one"),
  erf: unaryCases("erf", lax.erf, "ulp", "one"),
  sin: unaryCases("sin", lax.sin, "ulp", "one"),
  cos: unaryCases("cos", lax.cos, "ulp", "one"),
  // The data itself is raised to the power (scale s^n), so in f16 d^n must stay a normal f16:
  // the f16 cases keep |k| ≤ 1 (with |k| = 7, d^3 underflows f16 and the value is lost).
  integer_pow: [
    { name: "integer_pow 3", args: [f([3, 4])], fn: (x) => lax.integerPow(x, { y: 3 }), check: "exact", scale: "pow2", outScale: ([s]) => s! ** 3 },
    { name: "integer_pow -2", args: [f([3, 4])], fn: (x) => lax.integerPow(x, { y: -2 }), check: "exact", scale: "pow2", outScale: ([s]) => s! ** -2 },
    { name: "integer_pow 3 (f16)", args: [h([5])], fn: (x) => lax.integerPow(x, { y: 3 }), check: "exact", scale: "pow2", kMax: 1, outScale: ([s]) => s! ** 3 },
    { name: "integer_pow -2 (f16)", args: [h([5])], fn: (x) => lax.integerPow(x, { y: -2 }), check: "exact", scale: "pow2", kMax: 1, outScale: ([s]) => s! ** -2 },
  ],
  // R_down(max·√(1 + (min/max)²)) is max for power-of-two scales (√2·max when equal rounds down to max).
  add: binaryCases("add", lax.add, "ulp", "pow2", false, maxOf),
  sub: binaryCases("sub", lax.sub, "ulp", "pow2", false, maxOf),
  mul: binaryCases("mul", lax.mul, "exact", "pow2", false, ([a, b]) => a! * b!),
  div: binaryCases("div", lax.div, "exact", "pow2", false, ([a, b]) => a! / b!),
  max: binaryCases("max", lax.max, "exact", "pow2", true, maxOf),
  min: binaryCases("min", lax.min, "exact", "pow2", true, maxOf),
  pow: [
    { name: "pow", args: [f([3, 4], { gen: positive }), f([3, 4], { gen: small })], fn: lax.pow, check: "ulp", scale: "one" },
    { name: "pow (f16)", args: [h([5], positive), h([5], positive)], fn: lax.pow, check: "ulp", scale: "one" },
  ],
  eq: cmp("eq", lax.eq),
  ne: cmp("ne", lax.ne),
  lt: cmp("lt", lax.lt),
  le: cmp("le", lax.le),
  gt: cmp("gt", lax.gt),
  ge: cmp("ge", lax.ge),
  and: [{ name: "and", args: [f([4]), bool([4])], fn: (x, b) => [lax.and(lax.gt(x, 0), b), lax.mul(x, 2)], check: "plain", scale: "plain" }],
  or: [{ name: "or", args: [f([4]), bool([4])], fn: (x, b) => lax.or(lax.lt(x, 0), b), check: "plain", scale: "plain" }],
  not: [{ name: "not", args: [f([4])], fn: (x) => lax.not(lax.ge(x, 0)), check: "plain", scale: "plain" }],
  shift_right_logical: [
    { name: "shift_right_logical", args: [f([4]), idx([4], 0, 8)], fn: (x, i) => lax.shiftRightLogical(lax.convertElementType(x, { newDtype: "i32" }), i), check: "plain", scale: "plain" },
  ],
  select_n: [
    { name: "select_n bool", args: [bool([3, 4]), f([3, 4]), f([3, 4])], fn: (w, a, b) => lax.selectN(w, a, b), check: "exact", scale: "pow2", outScale: maxOf },
    { name: "select_n i32, 3 cases", args: [idx([6], 0, 3), f([6]), f([6]), f([6])], fn: (w, a, b, c) => lax.selectN(w, a, b, c), check: "exact", scale: "pow2", outScale: maxOf },
    { name: "select_n with a plain case", args: [bool([6]), f([6]), f([6], { plain: true })], fn: (w, a, b) => lax.selectN(w, a, b), check: "exact", scale: "pow2", outScale: maxOf },
    { name: "select_n with zerosLike", args: [f([6])], fn: (g) => lax.selectN(lax.gt(g, 0), sf.ops.zerosLike(g), g), check: "exact", scale: "same" },
    { name: "select_n (f16)", args: [bool([6]), h([6]), h([6])], fn: (w, a, b) => lax.selectN(w, a, b), check: "exact", scale: "pow2" },
  ],
  reshape: [{ name: "reshape", args: [f([3, 4])], fn: (x) => lax.reshape(x, { newSizes: [2, 6] }), check: "exact", scale: "same" }],
  transpose: [{ name: "transpose", args: [f([2, 3, 4])], fn: (x) => lax.transpose(x, { permutation: [2, 0, 1] }), check: "exact", scale: "same" }],
  broadcast_in_dim: [
    { name: "broadcast_in_dim", args: [f([3])], fn: (x) => lax.broadcastInDim(x, { shape: [2, 3], broadcastDimensions: [1] }), check: "exact", scale: "same" },
  ],
  squeeze: [{ name: "squeeze", args: [f([3, 1])], fn: (x) => lax.squeeze(x, { dimensions: [1] }), check: "exact", scale: "same" }],
  expand_dims: [{ name: "expand_dims", args: [f([3])], fn: (x) => lax.expandDims(x, { dimensions: [0, 2] }), check: "exact", scale: "same" }],
  rev: [{ name: "rev", args: [h([2, 3])], fn: (x) => lax.rev(x, { dimensions: [0, 1] }), check: "exact", scale: "same" }],
  slice: [
    { name: "slice", args: [f([5, 4])], fn: (x) => lax.slice(x, { startIndices: [1, 0], limitIndices: [5, 3], strides: [2, 1] }), check: "exact", scale: "same" },
  ],
  pad: [
    { name: "pad with 0", args: [f([2, 3])], fn: (x) => lax.pad(x, 0, { paddingConfig: [[1, 0, 1], [0, 2, 0]] }), check: "exact", scale: "same" },
    { name: "pad with -inf", args: [f([3])], fn: (x) => lax.pad(x, -Infinity, { paddingConfig: [[1, 1, 0]] }), check: "exact", scale: "same" },
    { name: "pad with 1.5 (descaled)", args: [f([3])], fn: (x) => lax.pad(x, 1.5, { paddingConfig: [[2, -1, 1]] }), check: "exact", scale: "one" },
    { name: "pad with a scaled value", args: [f([3]), f([])], fn: (x, v) => lax.pad(x, v, { paddingConfig: [[1, 1, 0]] }), check: "exact", scale: "one" },
  ],
  concatenate: [
    { name: "concatenate", args: [f([2, 3]), f([1, 3]), f([3, 3])], fn: (a, b, c) => lax.concatenate([a, b, c], { dimension: 0 }), check: "exact", scale: "pow2", outScale: maxOf },
    { name: "concatenate with a plain operand", args: [f([2]), f([3], { plain: true })], fn: (a, b) => lax.concatenate([a, b], { dimension: 0 }), check: "exact", scale: "pow2", outScale: maxOf },
    { name: "concatenate (f16)", args: [h([2]), h([3])], fn: (a, b) => lax.concatenate([a, b], { dimension: 0 }), check: "exact", scale: "pow2", outScale: maxOf },
  ],
  stop_gradient: [{ name: "stop_gradient", args: [f([4])], fn: lax.stopGradient, check: "exact", scale: "same" }],
  dynamic_slice: [
    { name: "dynamic_slice", args: [f([5, 4]), idx([], -1, 5), idx([], 0, 3)], fn: (x, i, j) => lax.dynamicSlice(x, [i, j], { sliceSizes: [2, 2] }), check: "exact", scale: "same" },
  ],
  dynamic_update_slice: [
    { name: "dynamic_update_slice", args: [f([5]), f([2]), idx([], 0, 5)], fn: (x, u, i) => lax.dynamicUpdateSlice(x, u, [i]), check: "exact", scale: "pow2", outScale: maxOf },
    { name: "dynamic_update_slice into zeros", args: [f([2])], fn: (u) => lax.dynamicUpdateSlice(lax.full([5], 0), u, [1]), check: "exact", scale: "same" },
  ],
  gather: [
    { name: "gather clip", args: [f([4, 3]), idx([5], -2, 6)], fn: (x, i) => lax.gather(x, i, { axis: 0, mode: "clip" }), check: "exact", scale: "same" },
    { name: "gather fill", args: [f([4, 3]), idx([2, 2], -1, 4)], fn: (x, i) => lax.gather(x, i, { axis: 1, mode: "fill" }), check: "exact", scale: "same" },
  ],
  scatter_add: [
    { name: "scatter_add", args: [f([4, 3]), idx([5], 0, 4), f([5, 3])], fn: (x, i, u) => lax.scatterAdd(x, i, u, { axis: 0, mode: "clip" }), check: "exact", scale: "pow2", outScale: maxOf },
    { name: "scatter_add into zeros", args: [idx([5], 0, 4), f([5, 3])], fn: (i, u) => lax.scatterAdd(lax.full([4, 3], 0), i, u, { axis: 0, mode: "fill" }), check: "exact", scale: "same" },
  ],
  reduce_sum: [
    { name: "reduce_sum", args: [f([4, 6])], fn: (x) => lax.reduceSum(x, { axes: [1] }), check: "accum", scale: "pow2", k: 6, outScale: ([s]) => s! * growth(6) },
    { name: "reduce_sum all axes", args: [f([2, 3, 5])], fn: (x) => lax.reduceSum(x, { axes: [0, 1, 2] }), check: "accum", scale: "pow2", k: 30, outScale: ([s]) => s! * growth(30) },
    { name: "reduce_sum (f16)", args: [h([4, 5])], fn: (x) => lax.reduceSum(x, { axes: [0] }), check: "accum", scale: "pow2", k: 4, outScale: ([s]) => s! * growth(4) },
  ],
  reduce_max: [{ name: "reduce_max", args: [f([4, 5])], fn: (x) => lax.reduceMax(x, { axes: [1] }), check: "exact", scale: "same" }],
  reduce_min: [{ name: "reduce_min", args: [h([4, 5])], fn: (x) => lax.reduceMin(x, { axes: [0, 1] }), check: "exact", scale: "same" }],
  reduce_prod: [{ name: "reduce_prod", args: [f([3, 4])], fn: (x) => lax.reduceProd(x, { axes: [1] }), check: "ulp", scale: "one" }],
  argmax: [{ name: "argmax", args: [f([4, 5])], fn: (x) => lax.argmax(x, { axis: 1 }), check: "plain", scale: "plain" }],
  argmin: [{ name: "argmin", args: [h([4, 5])], fn: (x) => lax.argmin(x, { axis: 0 }), check: "plain", scale: "plain" }],
  cumsum: [
    { name: "cumsum", args: [f([3, 7])], fn: (x) => lax.cumsum(x, { axis: 1 }), check: "accum", scale: "pow2", k: 7, outScale: ([s]) => s! * growth(7) },
    { name: "cumsum reverse", args: [f([5, 2])], fn: (x) => lax.cumsum(x, { axis: 0, reverse: true }), check: "accum", scale: "pow2", k: 5, outScale: ([s]) => s! * growth(5) },
  ],
  dot_general: [
    { name: "matmul", args: [f([3, 5]), f([5, 4])], fn: (a, b) => lax.dotGeneral(a, b, { dimensionNumbers: [[[1], [0]], [[], []]] }), check: "accum", scale: "pow2", k: 5, outScale: ([a, b]) => a! * b! * growth(5) },
    {
      name: "batch dims and two contracting axes",
      args: [f([2, 3, 4, 5]), f([2, 5, 4, 6])],
      fn: (a, b) => lax.dotGeneral(a, b, { dimensionNumbers: [[[2, 3], [2, 1]], [[0], [0]]] }),
      check: "accum",
      scale: "pow2",
      k: 20,
      // K = 4·5 = 20 (both contracting axes): R_down(√20) = 4.
      outScale: ([a, b]) => a! * b! * 4,
    },
    { name: "matmul with a plain operand", args: [f([3, 8]), f([8, 2], { plain: true })], fn: (a, b) => lax.dotGeneral(a, b, { dimensionNumbers: [[[1], [0]], [[], []]] }), check: "accum", scale: "pow2", k: 8, outScale: ([a, b]) => a! * b! * growth(8) },
    { name: "matmul (f16)", args: [h([3, 6]), h([6, 2])], fn: (a, b) => lax.dotGeneral(a, b, { dimensionNumbers: [[[1], [0]], [[], []]] }), check: "accum", scale: "pow2", k: 6, outScale: ([a, b]) => a! * b! * growth(6) },
    {
      name: "matmul f16 × f32 → f16",
      args: [h([2, 9]), f([9, 3], { gen: positive })],
      fn: (a, b) => lax.dotGeneral(a, b, { dimensionNumbers: [[[1], [0]], [[], []]], preferredElementType: "f16" }),
      check: "accum",
      scale: "pow2",
      k: 9,
      kMax: 8,
      outScale: ([a, b]) => a! * b! * 2,
    },
  ],
  convert_element_type: [
    // f16's range is [2^-14, 65504]: the unscaled cast overflows for large k, so |k| ≤ 8 here.
    { name: "convert f32 → f16", args: [f([6])], fn: (x) => lax.convertElementType(x, { newDtype: "f16" }), check: "exact", scale: "same", kMax: 8 },
    { name: "convert f32 → bf16", args: [f([6])], fn: (x) => lax.convertElementType(x, { newDtype: "bf16" }), check: "exact", scale: "same" },
    { name: "convert f16 → f32", args: [h([6])], fn: (x) => lax.convertElementType(x, { newDtype: "f32" }), check: "exact", scale: "same" },
    { name: "convert f32 → f8e4m3fn", args: [f([6])], fn: (x) => lax.convertElementType(x, { newDtype: "f8e4m3fn" }), check: "exact", scale: "same", kMax: 2 },
    { name: "convert f32 → i32", args: [f([6], { gen: (r) => 40 * r() - 20 })], fn: (x) => lax.convertElementType(x, { newDtype: "i32" }), check: "plain", scale: "plain" },
    { name: "convert f32 → bool", args: [f([6])], fn: (x) => lax.convertElementType(x, { newDtype: "bool" }), check: "plain", scale: "plain" },
  ],
  reduce_precision: [
    { name: "reduce_precision e8m10", args: [f([6])], fn: (x) => lax.reducePrecision(x, { exponentBits: 8, mantissaBits: 10 }), check: "exact", scale: "same" },
  ],
  iota: [
    { name: "iota", args: [f([4])], fn: (x) => [lax.iota({ dtype: "i32", shape: [4], dimension: 0 }), lax.add(x, lax.convertElementType(lax.iota({ dtype: "i32", shape: [4], dimension: 0 }), { newDtype: "f32" }))], check: "plain", scale: "plain" },
  ],
  random_bits: [
    { name: "random_bits", args: [f([3]), idx([2], 0, 1000)], fn: (x, key) => [lax.randomBits(key, { shape: [3] }), lax.mul(x, 2)], check: "plain", scale: "plain" },
  ],
  custom_vjp: [{ name: "custom_vjp body", args: [f([5])], fn: (x) => custom(x), check: "ulp", scale: "pow2" }],
  pow2_round: [
    { name: "pow2_round down", args: [f([6])], fn: (x) => lax.pow2Round(x, { mode: "down" }), check: "exact", scale: "one" },
    { name: "pow2_round up", args: [h([6])], fn: (x) => lax.pow2Round(x, { mode: "up" }), check: "exact", scale: "one" },
  ],
  set_scaling: [
    { name: "set_scaling", args: [f([6]), { kind: "pow2" }], fn: (x, s) => lax.setScaling(x, s), check: "exact", scale: "pow2", outScale: ([, s]) => s! },
    { name: "set_scaling literal", args: [h([6])], fn: (x) => lax.setScaling(x, 0.25), check: "exact", scale: "pow2", outScale: () => 0.25 },
  ],
  rebalance: [
    { name: "rebalance", args: [f([6]), { kind: "pow2" }], fn: (x, r) => lax.rebalance(x, r), check: "exact", scale: "pow2", outScale: ([s, r]) => s! * r! },
    { name: "rebalance literal", args: [h([6])], fn: (x) => lax.rebalance(x, 4), check: "exact", scale: "pow2", outScale: ([s]) => s! * 4 },
  ],
  stop_scaling: [
    { name: "stop_scaling", args: [f([6])], fn: (x) => lax.stopScaling(x), check: "exact", scale: "plain" },
    { name: "stop_scaling to f16", args: [f([6])], fn: (x) => lax.stopScaling(x, { dtype: "f16" }), check: "exact", scale: "plain", kMax: 8 },
  ],
  get_data_scale: [{ name: "get_data_scale", args: [f([6])], fn: (x) => lax.getDataScale(x), check: "dataScale", scale: "plain" }],
  dynamic_rescale: [
    { name: "dynamic_rescale max", args: [f([6])], fn: (x) => lax.dynamicRescale(x, { norm: "max" }), check: "exact", scale: "pow2" },
    { name: "dynamic_rescale l1", args: [h([6])], fn: (x) => lax.dynamicRescale(x, { norm: "l1" }), check: "exact", scale: "pow2" },
    { name: "dynamic_rescale l2", args: [f([2, 3])], fn: (x) => lax.dynamicRescale(x, { norm: "l2" }), check: "exact", scale: "pow2" },
  ],
  lazy_rescale: [
    { name: "lazy_rescale max", args: [f([6]), h([4])], fn: (x, r) => lax.lazyRescale(x, r, { norm: "max", lo: 0.125, hi: 256 }), check: "exact", scale: "pow2" },
    { name: "lazy_rescale l2, narrow window", args: [h([2, 3]), f([1])], fn: (x, r) => lax.lazyRescale(x, r, { norm: "l2", lo: 1, hi: 2 }), check: "exact", scale: "pow2" },
  ],
};
