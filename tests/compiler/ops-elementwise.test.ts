// Elementwise ops: eager values vs f64 references, and the same ops traced and interpreted.
import { describe, expect, it } from "vitest";
import * as ops from "../../compiler/ops/index.js";
import { spec, trace } from "../../compiler/trace.js";
import { eagerAndTraced, expectClose, flat, prims, t } from "./op-helpers.js";

const xs = [-2.5, -1, -0.25, 0, 0.5, 1, 3];
const pos = [0.125, 0.5, 1, 2, 10];
const f = (x: number) => Math.fround(x);

describe("arithmetic", () => {
  it("add sub mul div maximum minimum agree with f32 arithmetic", () => {
    const a = t(xs);
    const b = t(xs.map((x) => x * 0.7 + 1));
    const bv = flat(b);
    const cases: [(a: any, b: any) => any, (x: number, y: number) => number][] = [
      [ops.add, (x, y) => f(x + y)],
      [ops.sub, (x, y) => f(x - y)],
      [ops.mul, (x, y) => f(x * y)],
      [ops.div, (x, y) => f(x / y)],
      [ops.maximum, Math.max],
      [ops.minimum, Math.min],
    ];
    for (const [op, ref] of cases) {
      expect(flat(op(a, b))).toEqual(xs.map((x, i) => ref(f(x), bv[i]!)));
      eagerAndTraced(op, a, b);
    }
  });

  it("neg abs sign square integerPow", () => {
    const a = t(xs);
    expect(flat(ops.neg(a))).toEqual(xs.map((x) => (x === 0 ? -0 : -x)));
    expect(flat(ops.abs(a))).toEqual(xs.map(Math.abs));
    expect(flat(ops.sign(a))).toEqual(xs.map(Math.sign));
    expect(flat(ops.square(a))).toEqual(xs.map((x) => f(x * x)));
    expect(flat(ops.integerPow(a, 3))).toEqual(xs.map((x) => f(f(x * x) * x)));
    expect(flat(ops.abs(t([-3, 4], "i32")))).toEqual([3, 4]);
  });

  it("transcendentals are within a few ulp of f64", () => {
    const a = t(xs);
    const p = t(pos);
    expectClose(ops.exp(a), xs.map(Math.exp), 3e-7);
    expectClose(ops.tanh(a), xs.map(Math.tanh), 3e-7);
    expectClose(ops.logistic(a), xs.map((x) => 1 / (1 + Math.exp(-x))), 3e-7);
    expectClose(ops.sin(a), xs.map(Math.sin), 3e-7);
    expectClose(ops.cos(a), xs.map(Math.cos), 3e-7);
    expectClose(ops.log(p), pos.map(Math.log), 3e-7);
    expectClose(ops.sqrt(p), pos.map(Math.sqrt), 1e-7);
    expectClose(ops.rsqrt(p), pos.map((x) => 1 / Math.sqrt(x)), 2e-7);
    expectClose(ops.erf(t([-1, 0, 0.5, 2])), [-0.8427007929497149, 0, 0.5204998778130465, 0.9953222650189527], 3e-7);
    expectClose(ops.pow(p, t([0.5, 2, 3, -1, 1.5])), [Math.sqrt(0.125), 0.25, 1, 0.5, Math.pow(10, 1.5)], 3e-7);
  });

  it("transcendentals of integers compute in f32", () => {
    const e = ops.exp(t([0, 1], "i32"));
    expect(e.dtype).toBe("f32");
    expectClose(e, [1, Math.E], 3e-7);
    expect(ops.div(t([7, -7], "i32"), 2).dtype).toBe("f32");
    expect(flat(ops.div(t([7, -7], "i32"), 2))).toEqual([3.5, -3.5]);
  });

  it("pow with a JS integer exponent is integer_pow", () => {
    const p = trace((x) => ops.pow(x, 3), spec("f32", [2]));
    expect(prims(p)).toEqual(["integer_pow"]);
    expect(p.equations[0]!.params).toEqual({ y: 3 });
    expect(prims(trace((x) => ops.pow(x, 0.5), spec("f32", [2])))).toEqual(["pow"]);
  });

  it("comparisons give bool and follow IEEE (NaN unequal, -0 = +0)", () => {
    const a = t([1, NaN, -0, 2]);
    const b = t([1, NaN, 0, 3]);
    expect(ops.eq(a, b).dtype).toBe("bool");
    expect(flat(ops.eq(a, b))).toEqual([1, 0, 1, 0]);
    expect(flat(ops.ne(a, b))).toEqual([0, 1, 0, 1]);
    expect(flat(ops.lt(a, b))).toEqual([0, 0, 0, 1]);
    expect(flat(ops.le(a, b))).toEqual([1, 0, 1, 1]);
    expect(flat(ops.gt(a, 1))).toEqual([0, 0, 0, 1]);
    expect(flat(ops.ge(a, 1))).toEqual([1, 0, 0, 1]);
    eagerAndTraced(ops.lt, a, b);
  });

  it("where selects, broadcasting the condition and the cases", () => {
    const c = t([[true], [false]], "bool");
    const out = ops.where(c, t([1, 2, 3]), 0);
    expect(out.shape).toEqual([2, 3]);
    expect(flat(out)).toEqual([1, 2, 3, 0, 0, 0]);
    const { program } = eagerAndTraced((x) => ops.where(ops.gt(x, 0), x, 0), t([-1, 2, -3]));
    expect(prims(program)).toEqual(["gt", "broadcast_in_dim", "select_n"]);
    // a numeric condition is compared with 0
    expect(flat(ops.where(t([0, 2], "i32"), 1, 2))).toEqual([2, 1]);
  });

  it("isfinite", () => {
    expect(flat(ops.isfinite(t([1, Infinity, -Infinity, NaN])))).toEqual([1, 0, 0, 0]);
    expect(flat(ops.isfinite(t([1, 2], "i32")))).toEqual([1, 1]);
  });

  it("numbers alone compute as f32 scalars", () => {
    const s = ops.add(1, 2);
    expect(s.dtype).toBe("f32");
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(3);
    expect(ops.exp(0).item()).toBe(1);
  });
});
