// Indexing primitives: dynamic_slice / dynamic_update_slice (clamped starts), gather and
// scatter_add with jnp.take semantics along one axis, against the oracle.
import { describe, expect, it } from "vitest";
import type { Tensor } from "../../runtime/tensor.js";
import { ev, flat, randInt, rng, sameValues, t } from "./helpers.js";
import * as o from "./oracle.js";

type Rand = () => number;
const INT_MIN = -(2 ** 31);

function randomShape(r: Rand, maxRank = 3, minDim = 0, maxDim = 4): number[] {
  return Array.from({ length: randInt(r, 1, maxRank) }, () => randInt(r, minDim, maxDim));
}
function randomNd(r: Rand, shape: number[], int = false): o.Nd {
  return { shape, data: Array.from({ length: o.prod(shape) }, () => (int ? randInt(r, -50, 50) : Math.fround(r() * 8 - 4))) };
}
const tensor = (x: o.Nd, dtype: "f32" | "i32" = "f32"): Tensor => t(x.data, dtype, x.shape);
const scalarI32 = (v: number) => t(v, "i32");

function property(name: string, seed: number, body: (r: Rand) => void): void {
  it(name, () => {
    const r = rng(seed);
    for (let i = 0; i < 60; i++) body(r);
  });
}

describe("dynamic_slice / dynamic_update_slice clamp starts so the slice fits", () => {
  property("dynamic_slice (random shapes, starts in [−3, n + 3])", 1, (r) => {
    const x = randomNd(r, randomShape(r));
    const sizes = x.shape.map((d) => randInt(r, 0, d));
    const starts = x.shape.map((d) => randInt(r, -3, d + 3));
    const got = ev("dynamic_slice", { slice_sizes: sizes }, tensor(x), ...starts.map(scalarI32));
    expect(flat(got)).toEqual(o.dynamicSlice(x, starts, sizes).data);
    expect([...got.shape]).toEqual(sizes);
  });
  property("dynamic_update_slice", 2, (r) => {
    const x = randomNd(r, randomShape(r), true);
    const u = randomNd(r, x.shape.map((d) => randInt(r, 0, d)), true);
    const starts = x.shape.map((d) => randInt(r, -3, d + 3));
    const got = ev("dynamic_update_slice", {}, tensor(x, "i32"), tensor(u, "i32"), ...starts.map(scalarI32));
    expect(flat(got)).toEqual(o.dynamicUpdateSlice(x, u, starts).data);
  });
  it("worked example", () => {
    const x = t([0, 1, 2, 3, 4]);
    expect(flat(ev("dynamic_slice", { slice_sizes: [2] }, x, scalarI32(4)))).toEqual([3, 4]);
    expect(flat(ev("dynamic_slice", { slice_sizes: [2] }, x, scalarI32(-1)))).toEqual([0, 1]);
    expect(flat(ev("dynamic_update_slice", {}, x, t([9, 9]), scalarI32(7)))).toEqual([0, 1, 2, 9, 9]);
  });
});

describe("gather (jnp.take along an axis)", () => {
  for (const mode of ["clip", "fill"] as const) {
    property(`mode ${mode}: random shapes, indices in [−3, n + 3]`, mode === "clip" ? 3 : 4, (r) => {
      const x = randomNd(r, randomShape(r, 3, 1));
      const axis = randInt(r, 0, x.shape.length - 1);
      const idx: o.Nd = { shape: randomShape(r, 2), data: [] };
      idx.data = Array.from({ length: o.prod(idx.shape) }, () => randInt(r, -3, x.shape[axis]! + 3));
      const got = ev("gather", { axis, mode }, tensor(x), tensor(idx, "i32"));
      const want = o.take(x, idx, axis, mode, NaN);
      expect([...got.shape]).toEqual(want.shape);
      expect(sameValues(flat(got), want.data)).toBe(true);
    });
  }
  it("fill values: NaN for floats, INT_MIN for i32, true for bool", () => {
    const idx = t([1, -1, 2], "i32");
    expect(sameValues(flat(ev("gather", { axis: 0, mode: "fill" }, t([5, 6]), idx)), [6, NaN, NaN])).toBe(true);
    expect(sameValues(flat(ev("gather", { axis: 0, mode: "fill" }, t([5, 6], "bf16"), idx)), [6, NaN, NaN])).toBe(true);
    expect(sameValues(flat(ev("gather", { axis: 0, mode: "fill" }, t([5, 6], "f8e4m3fn"), idx)), [6, NaN, NaN])).toBe(true);
    expect(flat(ev("gather", { axis: 0, mode: "fill" }, t([5, 6], "i32"), idx))).toEqual([6, INT_MIN, INT_MIN]);
    expect(flat(ev("gather", { axis: 0, mode: "fill" }, t([0, 0], "bool"), idx))).toEqual([0, 1, 1]);
  });
  it("clip clamps negative indices to 0 (no wrap-around)", () => {
    expect(flat(ev("gather", { axis: 1, mode: "clip" }, t([[1, 2, 3], [4, 5, 6]]), t([-1, 5, 1], "i32")))).toEqual([1, 3, 2, 4, 6, 5]);
  });
  it("an axis of size 0 has no valid index", () => {
    const got = ev("gather", { axis: 1, mode: "clip" }, t([], "i32", [2, 0]), t([0], "i32"));
    expect(flat(got)).toEqual([INT_MIN, INT_MIN]);
  });
});

describe("scatter_add (transpose of gather)", () => {
  for (const mode of ["clip", "fill"] as const) {
    property(`mode ${mode}: random shapes, repeated and out-of-range indices`, mode === "clip" ? 5 : 6, (r) => {
      const x = randomNd(r, randomShape(r, 3, 1), true);
      const axis = randInt(r, 0, x.shape.length - 1);
      const idx: o.Nd = { shape: randomShape(r, 2), data: [] };
      idx.data = Array.from({ length: o.prod(idx.shape) }, () => randInt(r, -2, x.shape[axis]! + 2));
      const upd = randomNd(r, [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)], true);
      // Small integers: f32 accumulation is exact, so the f64 oracle must match exactly.
      const got = ev("scatter_add", { axis, mode }, tensor(x), tensor(idx, "i32"), tensor(upd));
      expect(flat(got)).toEqual(o.scatterAdd(x, idx, upd, axis, mode).data);
      const gotInt = ev("scatter_add", { axis, mode }, tensor(x, "i32"), tensor(idx, "i32"), tensor(upd, "i32"));
      expect(flat(gotInt)).toEqual(o.scatterAdd(x, idx, upd, axis, mode).data);
    });
  }
  it("low precision: accumulates in f32, rounds once at the end", () => {
    // bf16 has 8 significant bits: 256 + 1 + 1 + 1 + 1 is 260 in f32 (exact in bf16), while
    // rounding after every addition would stay at 256.
    const got = ev("scatter_add", { axis: 0, mode: "clip" }, t([256], "bf16"), t([0, 0, 0, 0], "i32"), t([1, 1, 1, 1], "bf16"));
    expect(flat(got)).toEqual([260]);
  });
  it("i32 wraps; bool accumulates as or", () => {
    expect(flat(ev("scatter_add", { axis: 0, mode: "clip" }, t([2 ** 31 - 1], "i32"), t([0], "i32"), t([1], "i32")))).toEqual([INT_MIN]);
    expect(flat(ev("scatter_add", { axis: 0, mode: "fill" }, t([0, 1], "bool"), t([0, 0, 9], "i32"), t([1, 1, 1], "bool")))).toEqual([1, 1]);
  });
});
