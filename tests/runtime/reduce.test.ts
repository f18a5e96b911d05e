// Reductions: f32 accumulation within K·2^-24·Σ|x| of the exact sum, i32 wrapping, NaN and
// −0 handling, empty reductions, argmax/argmin ties and NaN, cumsum.
import { describe, expect, it } from "vitest";
import { ev, flat, randInt, rng, sameValues, t } from "./helpers.js";
import * as o from "./oracle.js";

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

describe("reduce_sum / reduce_prod on random shapes and axes", () => {
  it("reduce_sum is within n·2^-24·Σ|x| (+ output rounding) of the f64 sum", () => {
    const r = rng(1);
    for (let trial = 0; trial < 40; trial++) {
      const shape = Array.from({ length: randInt(r, 1, 4) }, () => randInt(r, 1, 6));
      const axes = shape.map((_, i) => i).filter(() => r() < 0.5);
      const x: o.Nd = { shape, data: Array.from({ length: o.prod(shape) }, () => Math.fround((r() - 0.5) * 2 ** randInt(r, -10, 10))) };
      const got = flat(ev("reduce_sum", { axes }, t(x.data, "f32", shape)));
      const exact = o.reduce(x, axes, 0, (a, b) => a + b);
      const abs = o.reduce(x, axes, 0, (a, b) => a + Math.abs(b));
      const n = o.prod(axes.map((a) => shape[a]!));
      got.forEach((g, i) => expect(Math.abs(g - exact.data[i]!)).toBeLessThanOrEqual((n + 1) * 2 ** -24 * abs.data[i]!));
    }
  });
  it("sums integers exactly and keeps the kept dims in order", () => {
    const x = t([[1, 2, 3], [4, 5, 6]]);
    expect(flat(ev("reduce_sum", { axes: [0] }, x))).toEqual([5, 7, 9]);
    expect(flat(ev("reduce_sum", { axes: [1] }, x))).toEqual([6, 15]);
    expect(flat(ev("reduce_sum", { axes: [0, 1] }, x))).toEqual([21]);
    expect(flat(ev("reduce_sum", { axes: [] }, x))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(flat(ev("reduce_prod", { axes: [1] }, x))).toEqual([6, 120]);
  });
  it("accumulates low precision in f32 and rounds once", () => {
    // In bf16 256 + 1 = 256; in f32 the sum of 256 and four ones is 260, exact in bf16.
    expect(flat(ev("reduce_sum", { axes: [0] }, t([256, 1, 1, 1, 1], "bf16")))).toEqual([260]);
    expect(ev("reduce_sum", { axes: [0] }, t([256, 1], "bf16")).dtype).toBe("bf16");
  });
  it("i32 accumulates in i32 and wraps", () => {
    expect(flat(ev("reduce_sum", { axes: [0] }, t([INT_MAX, 1, 1], "i32")))).toEqual([INT_MIN + 1]);
    expect(flat(ev("reduce_prod", { axes: [0] }, t([65536, 65536, 3], "i32")))).toEqual([0]);
  });
  it("empty reductions: sum 0, prod 1", () => {
    expect(flat(ev("reduce_sum", { axes: [1] }, t([], "f32", [2, 0])))).toEqual([0, 0]);
    expect(flat(ev("reduce_prod", { axes: [1] }, t([], "i32", [2, 0])))).toEqual([1, 1]);
  });
});

describe("reduce_max / reduce_min", () => {
  it("propagate NaN; −0 < +0", () => {
    const x = t([[1, NaN, 3], [-0, 0, -0], [-0, -0, -1]]);
    expect(sameValues(flat(ev("reduce_max", { axes: [1] }, x)), [NaN, 0, -0])).toBe(true);
    expect(sameValues(flat(ev("reduce_min", { axes: [1] }, x)), [NaN, -0, -1])).toBe(true);
  });
  it("empty: −Inf/+Inf for floats, ∓448 for f8e4m3fn (no Inf), INT_MIN/INT_MAX for i32", () => {
    expect(flat(ev("reduce_max", { axes: [0] }, t([], "f32", [0, 2])))).toEqual([-Infinity, -Infinity]);
    expect(flat(ev("reduce_min", { axes: [0] }, t([], "bf16", [0])))).toEqual([Infinity]);
    expect(flat(ev("reduce_max", { axes: [0] }, t([], "f8e4m3fn", [0])))).toEqual([-448]);
    expect(flat(ev("reduce_min", { axes: [0] }, t([], "f8e4m3fn", [0])))).toEqual([448]);
    expect(flat(ev("reduce_max", { axes: [0] }, t([], "i32", [0])))).toEqual([INT_MIN]);
    expect(flat(ev("reduce_min", { axes: [0] }, t([], "i32", [0])))).toEqual([INT_MAX]);
  });
  it("random shapes match the oracle exactly", () => {
    const r = rng(2);
    for (let trial = 0; trial < 40; trial++) {
      const shape = Array.from({ length: randInt(r, 1, 3) }, () => randInt(r, 1, 5));
      const axes = shape.map((_, i) => i).filter(() => r() < 0.5);
      const x: o.Nd = { shape, data: Array.from({ length: o.prod(shape) }, () => randInt(r, -100, 100)) };
      expect(flat(ev("reduce_max", { axes }, t(x.data, "i32", shape)))).toEqual(o.reduce(x, axes, -Infinity, Math.max).data);
      expect(flat(ev("reduce_min", { axes }, t(x.data, "f32", shape)))).toEqual(o.reduce(x, axes, Infinity, Math.min).data);
    }
  });
});

describe("argmax / argmin", () => {
  it("first extreme wins ties", () => {
    expect(flat(ev("argmax", { axes: [0], index_dtype: "i32" }, t([1, 3, 3, 2])))).toEqual([1]);
    expect(flat(ev("argmin", { axes: [0], index_dtype: "i32" }, t([2, 1, 5, 1])))).toEqual([1]);
    // −0 and +0 compare equal: the first one wins.
    expect(flat(ev("argmax", { axes: [0], index_dtype: "i32" }, t([-0, 0])))).toEqual([0]);
  });
  it("NaN counts as the extreme, and the first NaN wins", () => {
    expect(flat(ev("argmax", { axes: [0], index_dtype: "i32" }, t([1, NaN, 5, NaN])))).toEqual([1]);
    expect(flat(ev("argmin", { axes: [0], index_dtype: "i32" }, t([-Infinity, 0, NaN])))).toEqual([2]);
    expect(flat(ev("argmax", { axes: [0], index_dtype: "i32" }, t([NaN, Infinity])))).toEqual([0]);
  });
  it("along an inner axis, i32 operand", () => {
    const x = t([[1, 9, 9], [7, 2, 7], [INT_MIN, INT_MIN, INT_MAX]], "i32");
    expect(flat(ev("argmax", { axes: [1], index_dtype: "i32" }, x))).toEqual([1, 0, 2]);
    expect(flat(ev("argmin", { axes: [0], index_dtype: "i32" }, x))).toEqual([2, 2, 1]);
  });
});

describe("cumsum", () => {
  it("inclusive, forward and reverse, along an axis", () => {
    const x = t([[1, 2, 3], [4, 5, 6]]);
    expect(flat(ev("cumsum", { axis: 1, reverse: false }, x))).toEqual([1, 3, 6, 4, 9, 15]);
    expect(flat(ev("cumsum", { axis: 1, reverse: true }, x))).toEqual([6, 5, 3, 15, 11, 6]);
    expect(flat(ev("cumsum", { axis: 0, reverse: false }, x))).toEqual([1, 2, 3, 5, 7, 9]);
  });
  it("i32 wraps; bf16 accumulates in f32 and rounds each output once", () => {
    expect(flat(ev("cumsum", { axis: 0, reverse: false }, t([INT_MAX, 1], "i32")))).toEqual([INT_MAX, INT_MIN]);
    // Running f32 sums 256, 257, 258: rounded to bf16 (8 bits) they are 256, 256, 258.
    expect(flat(ev("cumsum", { axis: 0, reverse: false }, t([256, 1, 1], "bf16")))).toEqual([256, 256, 258]);
  });
});
