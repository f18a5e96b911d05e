// lazy_rescale (sf.scaling.lazyRescale): x takes the reference's scale while the norm of its data
// on that scale lies in [lo, hi]; otherwise it is re-centred as dynamic_rescale would. The value
// never changes. Expected scales and data below are worked out by hand from that rule.
import { describe, expect, it } from "vitest";
import * as sf from "../../../index.js";
import { runNative } from "../../../runtime/native/backend.js";
import { nativeAddon, type NativeTensor } from "../../../runtime/native/loader.js";
import { checkProgram, flat, S, valueOf } from "./helpers.js";

type T = sf.Tensor;
const W = { lo: 0.125, hi: 256 };
const lazy = (x: sf.ScaledArray, ref: sf.ScaledArray | sf.Tensor, o: sf.scaling.LazyRescaleOptions = W) => sf.scaling.lazyRescale(x, ref as T, o) as sf.ScaledArray;
const ref = (scale: number) => S([0, 0], scale, "f16");

describe("lazy_rescale under scalify", () => {
  it("keeps the reference's scale while the data's max on it lies in the window", () => {
    // max|d| = 3 at scale 2^-3; on the reference's scale 2^-5 the data is 4× larger: 12 ∈ [1/8, 256].
    const y = lazy(S([3, -1.5, 0.25], 2 ** -3), ref(2 ** -5));
    expect(y.scale.item()).toBe(2 ** -5);
    expect(flat(y.data)).toEqual([12, -6, 1]);
    expect(valueOf(y)).toEqual([3 / 8, -1.5 / 8, 0.25 / 8]);
  });

  it("the window's bounds are inclusive", () => {
    expect(lazy(S([256, 1], 1), ref(1)).scale.item()).toBe(1);
    expect(lazy(S([0.125, 0.0625], 1), ref(1)).scale.item()).toBe(1);
  });

  it("re-centres as dynamic_rescale does when the data leaves the window (above or below)", () => {
    for (const [data, scale, refScale] of [
      [[300, 1], 1, 1], // 300 > 256
      [[3, 1], 1, 2 ** -7], // 3·2^7 = 384 > 256
      [[0.1, 0.05], 1, 1], // 0.1 < 1/8
      [[5, 1], 2 ** -10, 1], // 5·2^-10 < 1/8
    ] as const) {
      const x = S([...data], scale);
      const y = lazy(x, ref(refScale));
      const d = sf.scaling.dynamicRescaleMax(x) as sf.ScaledArray;
      expect(y.scale.item(), `${data} at ${scale}, ref ${refScale}`).toBe(d.scale.item());
      expect(flat(y.data)).toEqual(flat(d.data));
    }
    // By hand for one: max 300 → r = 256, scale 256, data 300/256.
    const y = lazy(S([300, 1], 1), ref(1));
    expect(y.scale.item()).toBe(256);
    expect(flat(y.data)).toEqual([300 / 256, 1 / 256]);
  });

  it("a zero reference scale (fresh zero state) or a plain reference", () => {
    // Scale 0 never keeps: max 3 → r = 2.
    const z = lazy(S([3, 1], 1), ref(0));
    expect(z.scale.item()).toBe(2);
    // A plain reference lends scale 1.
    const p = lazy(S([3, 1], 4), sf.array([9, 9], { dtype: "f16" }));
    expect(p.scale.item()).toBe(1);
    expect(flat(p.data)).toEqual([12, 4]);
  });

  it("a non-finite norm never keeps: dynamic_rescale's rule then keeps x's own scale", () => {
    const y = lazy(S([NaN, 1], 4), ref(1));
    expect(y.scale.item()).toBe(4);
    expect(flat(y.data)).toEqual([NaN, 1]);
    const inf = lazy(S([Infinity, 1], 4), ref(1));
    expect(inf.scale.item()).toBe(4);
  });

  it("l1 and l2 norms judge the mean |d| and the root mean square", () => {
    // d = [4, 0, 0, 0]: max 4, mean |d| 1, rms 2. Window [1.5, 3] on the reference's scale 1.
    const x = S([4, 0, 0, 0], 1);
    const o = (norm: "max" | "l1" | "l2") => ({ norm, lo: 1.5, hi: 3 });
    expect(lazy(x, ref(1), o("l2")).scale.item()).toBe(1); // 2 ∈ [1.5, 3]
    expect(lazy(x, ref(1), o("l1")).scale.item()).toBe(1); // 1 < 1.5: re-centred by pow2_down(1) = 1
    expect(lazy(x, ref(2), o("l1")).scale.item()).toBe(1); // 0.5 on scale 2: out; fresh scale 1·1
    expect(lazy(x, ref(2), o("max")).scale.item()).toBe(2); // max 4 on scale 2 is 2 ∈ [1.5, 3]
  });

  it("keeps data in its dtype, and the traced program checks", () => {
    const fn = (x: T, r: T) => sf.scaling.lazyRescale(x, r) as T;
    const p = sf.scalify(fn).lower(S([3, 1], 1, "f16"), ref(1));
    checkProgram(p);
    const y = sf.run(p, [S([3, 1], 1, "f16"), ref(0.25)]) as sf.ScaledArray;
    expect(y.data.dtype).toBe("f16");
    expect(y.scale.item()).toBe(0.25);
    expect(flat(y.data)).toEqual([12, 4]);
  });

  it("runs the same on the native backend, bit for bit", () => {
    const fn = (x: T, r: T) => sf.ops.astype(sf.scaling.lazyRescale(sf.ops.astype(x, "f32"), r) as T, "f16");
    const p = sf.scalify(fn).lower(S([3, 1, 0, 0], 1, "f16"), ref(1));
    for (const [data, scale, refScale] of [
      [[3, -1, 0.5, 2 ** -20], 1, 1],
      [[300, 1, 0, -0], 2 ** -3, 2 ** 4],
      [[0.01, 1e-6, 0, 1], 1, 0],
      [[NaN, 1, 2, 3], 2, 1],
      [[60000, -60000, 1, 2], 2 ** 20, 2 ** 12],
    ] as const) {
      const args = [S([...data], scale, "f16"), ref(refScale)];
      const want = sf.run(p, args) as sf.ScaledArray;
      const flatArgs = args.flatMap((a) => [a.data as T, a.scale as T]);
      const [d, s] = runNative(p, flatArgs);
      expect(Array.from(d!.storage as Uint16Array), `${data}`).toEqual(Array.from(want.data.storage as Uint16Array));
      expect(s!.item()).toBe(want.scale.item());
    }
  });
});

describe("lazy_rescale: checks and gradient", () => {
  it("rejects a window that is not ordered or not finite, naming the op", () => {
    const x = sf.array([1, 2]);
    for (const [lo, hi] of [
      [4, 2],
      [1, Infinity],
      [0, 1],
    ])
      expect(() => sf.scaling.lazyRescale(x, x, { lo, hi }), `[${lo}, ${hi}]`).toThrow(/lazy_rescale.*window \[lo, hi\] must be positive, finite and ordered/);
    // A parsed IR file goes through the params schema too.
    const text = (lo: number) => `func main(a: f32[2] "a", b: f32[2] "b") -> (f32[2]) {\n  in_tree [*, *]\n  out_tree *\n  c: f32[2] = lazy_rescale[hi=256, lo=${lo}, norm=max] a b\n  return c\n}\n`;
    expect(sf.parse(text(0.125)).equations).toHaveLength(1);
    expect(() => sf.parse(text(0))).toThrow(/lazy_rescale.*lo/);
    expect(() => sf.scaling.lazyRescale(x, sf.array([1], { dtype: "i32" }))).toThrow(/lazy_rescale.*reference must be a float/);
  });

  it("the native addon checks the same before running", () => {
    const f: NativeTensor = { dtype: "f32", shape: [2], data: new Float32Array([1, 2]) };
    const run = (params: Record<string, unknown>, ref: NativeTensor = f) => () => nativeAddon().runPrimitive("lazy_rescale", params, [f, ref]);
    expect(run({ norm: "max", lo: 1, hi: 2 })).not.toThrow();
    expect(run({ norm: "max", lo: 4, hi: 2 })).toThrow(/lazy_rescale.*window/);
    expect(run({ norm: "max", lo: 1 })).toThrow(/lazy_rescale.*hi/);
    expect(run({ norm: "mean", lo: 1, hi: 2 })).toThrow(/lazy_rescale.*norm/);
    expect(run({ norm: "max", lo: 1, hi: 2 }, { dtype: "i32", shape: [1], data: new Int32Array(1) })).toThrow(/lazy_rescale.*reference must be a float/);
  });

  it("the derivative passes through to x; the reference gets none", () => {
    const f = (x: T, r: T) => sf.ops.sum(sf.ops.mul(sf.scaling.lazyRescale(x, r) as T, 3));
    const [gx, gr] = sf.grad(f, { argnums: [0, 1] })(sf.array([1, 2]), sf.array([5, 6])) as T[];
    expect(flat(gx!)).toEqual([3, 3]);
    expect(flat(gr!)).toEqual([0, 0]);
  });
});
