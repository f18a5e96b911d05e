// Reductions: axis forms (number, array, negative, undefined), keepdims, dtype rules of mean.
import { describe, expect, it } from "vitest";
import { ShapeError } from "../../ir/errors.js";
import * as ops from "../../compiler/ops/index.js";
import { spec, trace } from "../../compiler/trace.js";
import { eagerAndTraced, expectClose, flat, prims, t, thrown } from "./op-helpers.js";

const m = [
  [1, 5, 2],
  [7, -1, 3],
];

describe("sum max min prod", () => {
  it("reduce over an axis, several axes, a negative axis, or all", () => {
    const x = t(m);
    expect(flat(ops.sum(x, 0))).toEqual([8, 4, 5]);
    expect(flat(ops.sum(x, -1))).toEqual([8, 9]);
    expect(flat(ops.sum(x))).toEqual([17]);
    expect(ops.sum(x).shape).toEqual([]);
    expect(flat(ops.sum(x, [0, 1]))).toEqual([17]);
    expect(flat(ops.max(x, 1))).toEqual([5, 7]);
    expect(flat(ops.min(x, 0))).toEqual([1, -1, 2]);
    expect(flat(ops.prod(x, 1))).toEqual([10, -21]);
    for (const f of [ops.sum, ops.max, ops.min, ops.prod]) eagerAndTraced((y) => f(y, -1), x);
  });

  it("keepdims keeps the reduced axes with size 1", () => {
    const x = t([[[1, 2], [3, 4]]]);
    expect(ops.sum(x, [0, 2], { keepdims: true }).shape).toEqual([1, 2, 1]);
    expect(flat(ops.sum(x, [0, 2], { keepdims: true }))).toEqual([3, 7]);
    expect(ops.max(x, undefined, { keepdims: true }).shape).toEqual([1, 1, 1]);
  });

  it("bool sums count as i32; bool max is any", () => {
    const b = t([true, false, true], "bool");
    expect(ops.sum(b).dtype).toBe("i32");
    expect(flat(ops.sum(b))).toEqual([2]);
    expect(ops.max(b).dtype).toBe("bool");
    expect(flat(ops.max(b))).toEqual([1]);
  });

  it("max propagates NaN", () => {
    expect(flat(ops.max(t([1, NaN, 3])))[0]).toBeNaN();
  });

  it("bad axes are ShapeErrors naming the op", () => {
    const e = thrown(() => ops.sum(t([1, 2]), 1));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.op).toBe("sum");
    expect(thrown(() => ops.max(t(m), [1, -1])).message).toMatch(/repeated axis/);
  });
});

describe("mean", () => {
  it("divides the f32 sum by the count", () => {
    expectClose(ops.mean(t(m), 1), [8 / 3, 3], 1e-7);
    expect(flat(ops.mean(t(m)))).toEqual([Math.fround(17 / 6)]);
  });

  it("computes low-precision inputs in f32 and rounds once", () => {
    const p = trace((x) => ops.mean(x, 0), spec("f16", [4, 2]));
    expect(prims(p)).toEqual(["convert_element_type", "reduce_sum", "div", "convert_element_type"]);
    expect(p.outputAvals[0]!.dtype).toBe("f16");
    // the f16 sum 120000 would overflow to inf; computed in f32 the mean is exact
    const x = t([[60000, 1], [60000, 2]], "f16");
    expect(flat(ops.sum(x, 0))).toEqual([Infinity, 3]);
    expect(flat(ops.mean(x, 0))).toEqual([60000, 1.5]);
  });

  it("of integers is f32", () => {
    const r = ops.mean(t([1, 2], "i32"));
    expect(r.dtype).toBe("f32");
    expect(flat(r)).toEqual([1.5]);
  });
});

describe("argmax argmin", () => {
  it("return i32 indices of the first extreme", () => {
    const x = t([[1, 7, 7], [4, 0, 0]]);
    expect(ops.argmax(x, 1).dtype).toBe("i32");
    expect(flat(ops.argmax(x, 1))).toEqual([1, 0]);
    expect(flat(ops.argmin(x, -1))).toEqual([0, 1]);
    expect(flat(ops.argmax(x, 0))).toEqual([1, 0, 0]);
    expect(ops.argmax(x, 1, { keepdims: true }).shape).toEqual([2, 1]);
  });

  it("undefined axis indexes the flattened tensor", () => {
    const x = t([[1, 7], [9, 0]]);
    expect(flat(ops.argmax(x))).toEqual([2]);
    expect(ops.argmin(x, undefined, { keepdims: true }).shape).toEqual([1, 1]);
    eagerAndTraced((y) => ops.argmax(y), x);
  });

  it("cumsum", () => {
    expect(flat(ops.cumsum(t([[1, 2], [3, 4]]), 1))).toEqual([1, 3, 3, 7]);
    expect(flat(ops.cumsum(t([[1, 2], [3, 4]])))).toEqual([1, 3, 6, 10]);
  });
});
