// take (jnp.take semantics, default mode "fill"), takeAlongAxis built from primitives, dynamic slices.
import { describe, expect, it } from "vitest";
import { DTypeError, ShapeError } from "../../ir/errors.js";
import * as ops from "../../compiler/ops/index.js";
import { spec, trace } from "../../compiler/trace.js";
import { eagerAndTraced, flat, prims, t, thrown } from "./op-helpers.js";

const m = () => t([[1, 2, 3], [4, 5, 6]]);

describe("take", () => {
  it("gathers along an axis with JS or tensor indices", () => {
    expect(flat(ops.take(m(), [2, 0], 1))).toEqual([3, 1, 6, 4]);
    expect(ops.take(m(), [[1, 0]], 0).shape).toEqual([1, 2, 3]);
    expect(flat(ops.take(m(), 1, 0))).toEqual([4, 5, 6]);
    expect(flat(ops.take(m(), t([1], "i32"), 1))).toEqual([2, 5]);
    expect(flat(ops.take(m(), [5]))).toEqual([6]); // undefined axis: the flattened tensor
  });

  it("fill mode (default) wraps negative indices and fills out-of-range ones", () => {
    const out = flat(ops.take(t([10, 20, 30]), [-1, 3, -4, 0]));
    expect(out.slice(0, 1)).toEqual([30]);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeNaN();
    expect(out[3]).toBe(10);
    const { program, out: traced } = eagerAndTraced((x, i) => ops.take(x, i, 0), t([10, 20, 30]), t([-1, 2, 7], "i32"));
    expect(prims(program)).toEqual(["lt", "add", "select_n", "gather"]);
    expect(flat(traced).slice(0, 2)).toEqual([30, 30]);
  });

  it("clip mode clamps", () => {
    expect(flat(ops.take(t([10, 20, 30]), [-1, 3], 0, { mode: "clip" }))).toEqual([10, 30]);
    expect(prims(trace((x, i) => ops.take(x, i, 0, { mode: "clip" }), spec("f32", [3]), spec("i32", [2])))).toEqual(["gather"]);
  });

  it("rejects non-integer indices", () => {
    const e = thrown(() => ops.take(m(), t([0.5]), 0));
    expect(e).toBeInstanceOf(DTypeError);
    expect(e.op).toBe("take");
  });
});

describe("takeAlongAxis", () => {
  it("picks one element per row (as jnp.take_along_axis)", () => {
    const out = ops.takeAlongAxis(m(), t([[2], [0]], "i32"), 1);
    expect(out.shape).toEqual([2, 1]);
    expect(flat(out)).toEqual([3, 4]);
    expect(flat(ops.takeAlongAxis(m(), [[1, 1, 0]], 0))).toEqual([4, 5, 3]);
    expect(flat(ops.takeAlongAxis(m(), [[0, 2, 1, 1], [1, 0, 0, 2]], 1))).toEqual([1, 3, 2, 2, 5, 4, 4, 6]);
  });

  it("broadcasts indices against x outside the axis, on 3-D tensors", () => {
    const x = ops.reshape(ops.arange(24, "f32"), [2, 3, 4]);
    const idx = t([[[3], [0], [1]]], "i32"); // [1,3,1] broadcasts over axis 0
    const out = ops.takeAlongAxis(x, idx, 2);
    expect(out.shape).toEqual([2, 3, 1]);
    expect(flat(out)).toEqual([3, 4, 9, 15, 16, 21]);
  });

  it("fill mode: negative wraps, out of range gives NaN (never another row's element)", () => {
    const out = flat(ops.takeAlongAxis(m(), [[-1], [3]], 1));
    expect(out[0]).toBe(3);
    expect(out[1]).toBeNaN();
    expect(flat(ops.takeAlongAxis(m(), [[-1], [3]], 1, { mode: "clip" }))).toEqual([1, 6]);
  });

  it("is built from primitives and runs traced like eagerly", () => {
    const { program } = eagerAndTraced((x, i) => ops.takeAlongAxis(x, i, 1), m(), t([[2], [-1]], "i32"));
    expect(prims(program)).toContain("iota");
    expect(prims(program).at(-1)).toBe("gather");
    expect(thrown(() => ops.takeAlongAxis(m(), [1, 2], 1))).toBeInstanceOf(ShapeError);
  });
});

describe("dynamic slices", () => {
  it("dynamicSlice clamps its starts; dynamicUpdateSlice writes converted updates", () => {
    expect(flat(ops.dynamicSlice(m(), [1, 1], [1, 2]))).toEqual([5, 6]);
    expect(flat(ops.dynamicSlice(m(), [t(0, "i32"), 5], [2, 2]))).toEqual([2, 3, 5, 6]);
    const u = ops.dynamicUpdateSlice(m(), t([[9, 9]], "f16"), [1, t(0, "i32")]);
    expect(u.dtype).toBe("f32");
    expect(flat(u)).toEqual([1, 2, 3, 9, 9, 6]);
    eagerAndTraced((x, s) => ops.dynamicSlice(x, [s, 0], [1, 3]), m(), t(1, "i32"));
  });
});
