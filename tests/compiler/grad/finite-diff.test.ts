// Every differentiable primitive's gradient against central finite differences (the method and
// its tolerance are documented in ./helpers.ts). Casts and the other straight-through rules are
// checked against their defined rule instead. The coverage test at the bottom fails when a
// primitive is added to the catalogue without a case here.
import { describe, expect, it } from "vitest";
import { PRIMITIVES, type Primitive } from "../../../ir/primitives/catalogue.js";
import { GRAD_RULES, NON_DIFFERENTIABLE } from "../../../compiler/grad/grad-rules.js";
import { customVjp } from "../../../compiler/grad/custom-vjp.js";
import * as lax from "../../../compiler/lax.js";
import * as ops from "../../../compiler/ops/index.js";
import { round } from "../../../runtime/numerics/codec.js";
import type { Tensor } from "../../../runtime/tensor.js";
import {
  apart,
  awayFromZero,
  checkAgainstFiniteDifferences,
  containsPrimitive,
  distinct,
  gradOf,
  i32,
  rng,
  scalarI32,
  seedOf,
  tensor,
  uniform,
  weightedLoss,
  type FdCase,
} from "./helpers.js";
import { trace } from "../../../compiler/trace.js";

const cases: FdCase[] = [];
const add = (name: string, prim: Primitive, args: (r: ReturnType<typeof rng>) => Tensor[], fn: (...xs: Tensor[]) => Tensor, wrt?: number[]) => {
  const c: FdCase = { name, prim, fn, args: args(rng(seedOf(`args:${name}`))) };
  if (wrt) c.wrt = wrt;
  cases.push(c);
};

// ---- unary elementwise ----
const S = [3, 4];
add("neg", "neg", (r) => [uniform(r, S)], (x) => lax.neg(x));
add("abs", "abs", (r) => [awayFromZero(r, S)], (x) => lax.abs(x));
add("sign (zero gradient away from 0)", "sign", (r) => [awayFromZero(r, S)], (x) => lax.mul(lax.sign(x), x));
add("exp", "exp", (r) => [uniform(r, S, -2, 2)], (x) => lax.exp(x));
add("log", "log", (r) => [uniform(r, S, 0.3, 3)], (x) => lax.log(x));
add("sqrt", "sqrt", (r) => [uniform(r, S, 0.3, 3)], (x) => lax.sqrt(x));
add("rsqrt", "rsqrt", (r) => [uniform(r, S, 0.3, 3)], (x) => lax.rsqrt(x));
add("tanh", "tanh", (r) => [uniform(r, S, -2, 2)], (x) => lax.tanh(x));
add("logistic", "logistic", (r) => [uniform(r, S, -3, 3)], (x) => lax.logistic(x));
add("erf", "erf", (r) => [uniform(r, S, -2, 2)], (x) => lax.erf(x));
add("sin", "sin", (r) => [uniform(r, S, -3, 3)], (x) => lax.sin(x));
add("cos", "cos", (r) => [uniform(r, S, -3, 3)], (x) => lax.cos(x));
for (const y of [0, 1, 2, 3, -1, -2])
  add(`integer_pow y=${y}`, "integer_pow", (r) => [awayFromZero(r, S, 0.5, 1.5)], (x) => lax.integerPow(x, { y }));

// ---- binary elementwise: equal shapes, rank-0 operands on either side, literal operands ----
type Bin = "add" | "sub" | "mul" | "div" | "max" | "min" | "pow";
const BIN: Record<Bin, (a: lax.LaxArg, b: lax.LaxArg) => Tensor> = {
  add: lax.add,
  sub: lax.sub,
  mul: lax.mul,
  div: lax.div,
  max: lax.max,
  min: lax.min,
  pow: lax.pow,
};
/** Operands in each op's smooth region: divisors and pow bases away from 0, max/min away from ties. */
function operands(op: Bin, r: ReturnType<typeof rng>, sa: number[], sb: number[]): [Tensor, Tensor] {
  if (op === "pow") return [uniform(r, sa, 0.5, 2), uniform(r, sb, -1.5, 1.5)];
  if (op === "div") return [uniform(r, sa, -2, 2), awayFromZero(r, sb, 0.5, 2)];
  if (op === "max" || op === "min") {
    if (sa.length === 0) return [tensor([0.25], []), apart(r, tensor(Array(12).fill(0.25), sb))];
    if (sb.length === 0) return [apart(r, tensor(Array(12).fill(-0.25), sa)), tensor([-0.25], [])];
    const a = uniform(r, sa, -2, 2);
    return [a, apart(r, a)];
  }
  return [uniform(r, sa, -2, 2), uniform(r, sb, -2, 2)];
}
for (const op of Object.keys(BIN) as Bin[]) {
  const f = BIN[op];
  add(`${op} same shape`, op, (r) => operands(op, r, S, S), (a, b) => f(a, b));
  add(`${op} rank-0 lhs`, op, (r) => operands(op, r, [], S), (a, b) => f(a, b));
  add(`${op} rank-0 rhs`, op, (r) => operands(op, r, S, []), (a, b) => f(a, b));
  add(`${op} literal rhs`, op, (r) => [operands(op, r, S, S)[0]], (a) => f(a, op === "pow" ? 1.5 : op === "max" || op === "min" ? 3 : 1.75));
  add(`${op} literal lhs`, op, (r) => [operands(op, r, S, S)[1]], (b) => f(op === "pow" ? 1.5 : op === "max" || op === "min" ? 3 : 1.75, b));
}

// ---- select_n: bool (elementwise and rank-0 predicate) and clamped i32 ----
const pred = tensor([1, 0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0], S, "bool");
add("select_n bool", "select_n", (r) => [uniform(r, S), uniform(r, S), pred], (a, b, p) => lax.selectN(p!, a!, b!));
add("select_n rank-0 bool", "select_n", (r) => [uniform(r, S), uniform(r, S), tensor([1], [], "bool")], (a, b, p) => lax.selectN(p!, a!, b!));
add(
  "select_n i32 clamped",
  "select_n",
  (r) => [uniform(r, S), uniform(r, S), uniform(r, S), i32([-1, 0, 1, 2, 5, 0, 1, 2, 2, 1, 0, 7], S)],
  (a, b, c, p) => lax.selectN(p!, a!, b!, c!),
);
add("select_n i32 with a single case", "select_n", (r) => [uniform(r, S), i32([-1, 0, 3, 0, 0, 1, 0, 0, 9, 0, 0, 0], S)], (a, p) => lax.selectN(p!, a!));

// ---- indexing ----
add("dynamic_slice", "dynamic_slice", (r) => [uniform(r, [5, 6]), scalarI32(1), scalarI32(2)], (x, i, j) => lax.dynamicSlice(x, [i!, j!], { sliceSizes: [3, 3] }));
add("dynamic_slice clamped start", "dynamic_slice", (r) => [uniform(r, [5, 6]), scalarI32(4), scalarI32(-3)], (x, i, j) => lax.dynamicSlice(x, [i!, j!], { sliceSizes: [3, 2] }));
add(
  "dynamic_update_slice",
  "dynamic_update_slice",
  (r) => [uniform(r, [5, 6]), uniform(r, [2, 3]), scalarI32(2), scalarI32(4)],
  (x, u, i, j) => lax.mul(lax.dynamicUpdateSlice(x, u!, [i!, j!]), x),
);
const idx = i32([2, 0, 7, 2, -2, 1], [3, 2]);
add("gather clip axis 1 (duplicates, out of range)", "gather", (r) => [uniform(r, [4, 5])], (x) => lax.gather(x, idx, { axis: 1, mode: "clip" }));
add("gather fill axis 0 (out of range dropped)", "gather", (r) => [uniform(r, [4, 5])], (x) => {
  const y = lax.gather(x, i32([3, 5, 1, 3, -1]), { axis: 0, mode: "fill" });
  return ops.where(ops.ne(y, y), 0, y); // out-of-range rows are NaN
});
add("scatter_add clip", "scatter_add", (r) => [uniform(r, [4, 5]), uniform(r, [3, 5])], (x, u) => lax.scatterAdd(x, i32([1, 9, 1]), u!, { axis: 0, mode: "clip" }));
add("scatter_add fill axis 1", "scatter_add", (r) => [uniform(r, [4, 5]), uniform(r, [4, 2, 2])], (x, u) =>
  lax.scatterAdd(x, i32([4, -1, 0, 4], [2, 2]), u!, { axis: 1, mode: "fill" }),
);

// ---- shape and data movement ----
add("reshape", "reshape", (r) => [uniform(r, S)], (x) => lax.reshape(x, { newSizes: [2, 6] }));
add("transpose", "transpose", (r) => [uniform(r, [2, 3, 4])], (x) => lax.transpose(x, { permutation: [2, 0, 1] }));
add("broadcast_in_dim (new dim, stretched 1)", "broadcast_in_dim", (r) => [uniform(r, [3, 1])], (x) =>
  lax.broadcastInDim(x, { shape: [2, 3, 4], broadcastDimensions: [1, 2] }),
);
add("broadcast_in_dim of rank 0", "broadcast_in_dim", (r) => [uniform(r, [])], (x) => lax.broadcastInDim(x, { shape: [2, 3], broadcastDimensions: [] }));
add("squeeze", "squeeze", (r) => [uniform(r, [3, 1, 4])], (x) => lax.squeeze(x, { dimensions: [1] }));
add("expand_dims", "expand_dims", (r) => [uniform(r, S)], (x) => lax.expandDims(x, { dimensions: [0, 2] }));
add("rev", "rev", (r) => [uniform(r, S)], (x) => lax.mul(lax.rev(x, { dimensions: [0, 1] }), x));
add("slice with strides", "slice", (r) => [uniform(r, [5, 7])], (x) => lax.slice(x, { startIndices: [1, 0], limitIndices: [5, 7], strides: [2, 3] }));
add("slice", "slice", (r) => [uniform(r, [5, 7])], (x) => lax.slice(x, { startIndices: [1, 2], limitIndices: [4, 6] }));
add("pad negative and interior, tensor value", "pad", (r) => [uniform(r, S), uniform(r, [])], (x, v) =>
  lax.pad(x, v!, { paddingConfig: [[-1, 2, 1], [2, -2, 1]] }),
);
add("pad cropping both ends, literal value", "pad", (r) => [uniform(r, [5, 4])], (x) => lax.pad(x, 0.5, { paddingConfig: [[-1, -2, 0], [1, 0, 2]] }));
add("concatenate dim 0", "concatenate", (r) => [uniform(r, [2, 3]), uniform(r, [1, 3]), uniform(r, [4, 3])], (a, b, c) =>
  lax.concatenate([a!, b!, c!], { dimension: 0 }),
);
add("concatenate dim 1 (operand repeated)", "concatenate", (r) => [uniform(r, [2, 3]), uniform(r, [2, 2])], (a, b) => lax.concatenate([a!, b!, a!], { dimension: 1 }));

// ---- reductions ----
add("reduce_sum axes [0,2]", "reduce_sum", (r) => [uniform(r, [2, 3, 4])], (x) => lax.reduceSum(x, { axes: [0, 2] }));
add("reduce_sum all", "reduce_sum", (r) => [uniform(r, [2, 3])], (x) => lax.mul(lax.reduceSum(x, { axes: [0, 1] }), lax.reduceSum(x, { axes: [0, 1] })));
add("reduce_max axis 1 (no ties)", "reduce_max", (r) => [distinct(r, S)], (x) => lax.reduceMax(x, { axes: [1] }));
add("reduce_max all (no ties)", "reduce_max", (r) => [distinct(r, S)], (x) => lax.reduceMax(x, { axes: [0, 1] }));
add("reduce_min axis 0 (no ties)", "reduce_min", (r) => [distinct(r, S)], (x) => lax.reduceMin(x, { axes: [0] }));
add("reduce_min all (no ties)", "reduce_min", (r) => [distinct(r, [2, 3, 2])], (x) => lax.reduceMin(x, { axes: [0, 1, 2] }));
add("reduce_prod axis 1", "reduce_prod", (r) => [awayFromZero(r, S, 0.5, 1.5)], (x) => lax.reduceProd(x, { axes: [1] }));
add("cumsum axis 1", "cumsum", (r) => [uniform(r, S)], (x) => lax.cumsum(x, { axis: 1 }));
add("cumsum axis 0 reverse", "cumsum", (r) => [uniform(r, S)], (x) => lax.cumsum(x, { axis: 0, reverse: true }));

// ---- dot_general ----
add("dot_general matmul", "dot_general", (r) => [uniform(r, [3, 4]), uniform(r, [4, 5])], (a, b) => lax.dotGeneral(a, b!, { dimensionNumbers: [[[1], [0]], [[], []]] }));
add("dot_general batch + two contracting axes", "dot_general", (r) => [uniform(r, [2, 3, 4, 5]), uniform(r, [2, 5, 4, 6])], (a, b) =>
  lax.dotGeneral(a, b!, { dimensionNumbers: [[[2, 3], [2, 1]], [[0], [0]]] }),
);
add("dot_general inner batch dims, unsorted contracting", "dot_general", (r) => [uniform(r, [4, 2, 3, 5]), uniform(r, [5, 3, 2, 6])], (a, b) =>
  lax.dotGeneral(a, b!, { dimensionNumbers: [[[3, 2], [0, 1]], [[1], [2]]] }),
);
add("dot_general vector · vector", "dot_general", (r) => [uniform(r, [5]), uniform(r, [5])], (a, b) => lax.dotGeneral(a, b!, { dimensionNumbers: [[[0], [0]], [[], []]] }));
add("dot_general outer product", "dot_general", (r) => [uniform(r, [3]), uniform(r, [2])], (a, b) => lax.dotGeneral(a, b!, { dimensionNumbers: [[[], []], [[], []]] }));
add("dot_general same operand twice", "dot_general", (r) => [uniform(r, [3, 3])], (a) => lax.dotGeneral(a, a, { dimensionNumbers: [[[1], [0]], [[], []]] }));

// ---- custom_vjp with a user bwd (a correct one: finite differences must agree) ----
const sinTimes = customVjp({
  fn: (x: Tensor, y: Tensor) => ops.mul(ops.sin(x), y),
  fwd: (x: Tensor, y: Tensor) => [ops.mul(ops.sin(x), y), [ops.cos(x), ops.sin(x), y]] as [Tensor, Tensor[]],
  bwd: ([c, s, y]: Tensor[], ct: Tensor) => [ops.mul(ops.mul(ct, c!), y!), ops.mul(ct, s!)],
});
add("custom_vjp", "custom_vjp", (r) => [uniform(r, S, -2, 2), uniform(r, S)], (x, y) => ops.mul(sinTimes(x, y!), x));

describe("gradients vs finite differences", () => {
  for (const c of cases) it(c.name, () => checkAgainstFiniteDifferences(c));
});

// ---- rules checked against their definition rather than finite differences ----
const w = (r: ReturnType<typeof rng>, shape: number[]) => uniform(r, shape, -3, 3);
const DEFINED: Partial<Record<Primitive, { name: string; run: () => void }[]>> = {
  convert_element_type: [
    {
      name: "f32 → f16 → f32 is straight-through, the cotangent rounded to f16",
      run: () => {
        const r = rng(1);
        const [x, wt] = [uniform(r, S), w(r, S)];
        const f = (a: Tensor) => lax.convertElementType(lax.convertElementType(a, { newDtype: "f16" }), { newDtype: "f32" });
        const { grads } = gradOf(weightedLoss(f, wt), [x], [0]);
        expect(Array.from(grads[0]!.toFloat32Array())).toEqual(Array.from(round(wt.toFloat32Array(), "f16")));
      },
    },
    {
      name: "f32 → bf16: the gradient of the f32 input is the cotangent rounded to bf16",
      run: () => {
        const r = rng(2);
        const [x, wt] = [uniform(r, S), w(r, S)];
        const { grads } = gradOf(weightedLoss((a) => lax.convertElementType(a, { newDtype: "bf16" }), wt), [x], [0]);
        expect(grads[0]!.dtype).toBe("f32");
        expect(Array.from(grads[0]!.toFloat32Array())).toEqual(Array.from(round(wt.toFloat32Array(), "bf16")));
      },
    },
    {
      name: "f16 → f32: the gradient comes back in f16",
      run: () => {
        const r = rng(3);
        const x = tensor(Array.from(uniform(r, S).toFloat32Array()), S, "f16");
        const wt = w(r, S);
        const { grads } = gradOf(weightedLoss((a) => lax.convertElementType(a, { newDtype: "f32" }), wt), [x], [0]);
        expect(grads[0]!.dtype).toBe("f16");
        expect(Array.from(grads[0]!.toFloat32Array())).toEqual(Array.from(round(wt.toFloat32Array(), "f16")));
      },
    },
    {
      name: "through an integer the gradient is zero",
      run: () => {
        const r = rng(4);
        const x = uniform(r, S, -5, 5);
        const f = (a: Tensor) => lax.convertElementType(lax.convertElementType(a, { newDtype: "i32" }), { newDtype: "f32" });
        const { grads } = gradOf(weightedLoss(f, w(r, S)), [x], [0]);
        expect(Array.from(grads[0]!.toFloat32Array())).toEqual(Array(12).fill(0));
      },
    },
  ],
  reduce_precision: [
    {
      name: "straight-through: the gradient is the cotangent",
      run: () => {
        const r = rng(5);
        const [x, wt] = [uniform(r, S), w(r, S)];
        const f = (a: Tensor) => lax.reducePrecision(a, { exponentBits: 4, mantissaBits: 3 });
        const { grads } = gradOf(weightedLoss(f, wt), [x], [0]);
        expect(Array.from(grads[0]!.toFloat32Array())).toEqual(Array.from(wt.toFloat32Array()));
      },
    },
  ],
  stop_gradient: [
    {
      name: "zero through the stopped path: d/dx x·sg(x) = sg(x)",
      run: () => {
        const r = rng(6);
        const x = uniform(r, S);
        const { grads } = gradOf((a) => ops.sum(ops.mul(a, lax.stopGradient(a))), [x], [0]);
        expect(Array.from(grads[0]!.toFloat32Array())).toEqual(Array.from(x.toFloat32Array()));
        const zero = gradOf((a) => ops.sum(ops.exp(lax.stopGradient(a))), [x], [0]).grads[0]!;
        expect(Array.from(zero.toFloat32Array())).toEqual(Array(12).fill(0));
      },
    },
  ],
  // The scaling primitives keep values on plain tensors: cotangents pass straight through
  // (pow2_round is piecewise constant: zero), scale operands get none.
  ...Object.fromEntries(
    (
      [
        ["pow2_round", "zero: d/dx Σ w·x·pow2_round(x) = w·pow2_round(x)", (x: Tensor) => lax.mul(x, lax.pow2Round(x, { mode: "down" })), (x: Float32Array, w: Float32Array) => x.map((v, i) => w[i]! * 2 ** Math.floor(Math.log2(Math.abs(v))) * Math.sign(v))],
        ["set_scaling", "straight-through", (x: Tensor) => lax.setScaling(x, 0.25), (_x: Float32Array, w: Float32Array) => w],
        ["rebalance", "straight-through", (x: Tensor) => lax.rebalance(x, 4), (_x: Float32Array, w: Float32Array) => w],
        ["dynamic_rescale", "straight-through", (x: Tensor) => lax.dynamicRescale(x, { norm: "l2" }), (_x: Float32Array, w: Float32Array) => w],
        ["lazy_rescale", "straight-through (the reference, here x itself, gets none)", (x: Tensor) => lax.lazyRescale(x, x, { norm: "max", lo: 0.125, hi: 256 }), (_x: Float32Array, w: Float32Array) => w],
        ["stop_scaling", "straight-through, the cotangent rounded to the output dtype", (x: Tensor) => lax.stopScaling(x, { dtype: "f16" }), (_x: Float32Array, w: Float32Array) => round(w, "f16")],
        ["get_data_scale", "the data's cotangent (the scale of a plain tensor is the constant 1)", (x: Tensor) => {
          const [d, s] = lax.getDataScale(x);
          return ops.mul(d, s);
        }, (_x: Float32Array, w: Float32Array) => w],
      ] as const
    ).map(([prim, name, f, want]) => [
      prim,
      [
        {
          name,
          run: () => {
            const r = rng(seedOf(prim));
            const [x, wt] = [awayFromZero(r, S, 0.3, 3), w(r, S)];
            expect(containsPrimitive(trace(f, x), prim)).toBe(true);
            const { grads } = gradOf(weightedLoss(f, wt), [x], [0]);
            expect(Array.from(grads[0]!.toFloat32Array())).toEqual(Array.from(want(x.toFloat32Array(), wt.toFloat32Array())));
          },
        },
      ],
    ]),
  ),
};

it("a scale operand gets no gradient (set_scaling, rebalance)", () => {
  const r = rng(8);
  const [x, s] = [uniform(r, S), tensor([0.5], [])];
  for (const f of [(a: Tensor, b: Tensor) => lax.setScaling(a, b), (a: Tensor, b: Tensor) => lax.rebalance(a, b)]) {
    const g = gradOf((a, b) => ops.sum(f(a, b!)), [x, s], [1]).grads[0]!;
    expect(g.item()).toBe(0);
  }
});

describe("straight-through and defined rules", () => {
  for (const [prim, list] of Object.entries(DEFINED)) for (const c of list!) it(`${prim}: ${c.name}`, c.run);
});

describe("coverage of the gradient rule table", () => {
  const nonDiff = PRIMITIVES.filter((p) => GRAD_RULES[p] === NON_DIFFERENTIABLE);
  const fdTested = new Set(cases.map((c) => c.prim));

  it("every differentiable primitive is finite-difference tested or has a defined-rule test", () => {
    const missing = PRIMITIVES.filter((p) => GRAD_RULES[p] !== NON_DIFFERENTIABLE && !fdTested.has(p) && !DEFINED[p]);
    expect(missing).toEqual([]);
  });

  it("every rule is a function or says NON_DIFFERENTIABLE", () => {
    for (const p of PRIMITIVES) expect(typeof GRAD_RULES[p] === "function" || GRAD_RULES[p] === NON_DIFFERENTIABLE, p).toBe(true);
  });

  it("exactly the primitives with integer or bool outputs are non-differentiable", () => {
    expect(nonDiff.sort()).toEqual(["and", "argmax", "argmin", "eq", "ge", "gt", "iota", "le", "lt", "ne", "not", "or", "random_bits", "shift_right_logical"]);
  });

  it("non-differentiable primitives inside a differentiated function contribute nothing", () => {
    // argmax/comparisons/iota feed indices and masks; the gradient flows around them.
    const x = uniform(rng(7), S);
    const f = (a: Tensor) => {
      const hot = ops.astype(ops.eq(lax.iota({ dtype: "i32", shape: S, dimension: 1 }), ops.expandDims(ops.argmax(a, 1), 1)), "f32");
      return ops.sum(ops.mul(hot, a));
    };
    expect(containsPrimitive(trace(f, x), "argmax")).toBe(true);
    const g = gradOf(f, [x], [0]).grads[0]!.toFloat32Array();
    const xv = x.toFloat32Array();
    for (let i = 0; i < 3; i++) {
      const row = Array.from(xv.slice(4 * i, 4 * i + 4));
      const m = row.indexOf(Math.max(...row));
      expect(Array.from(g.slice(4 * i, 4 * i + 4))).toEqual(row.map((_, j) => (j === m ? 1 : 0)));
    }
  });
});
