// Casts in scalified programs: they change the data's dtype only (never the scale), and they
// report what they lost through the `castStats` instrumentation option of run / jit / scalify
// (DESIGN.md "Scalify semantics"). Also: the sf.scaling ops outside scalify (plain tensors keep
// their values, casts cast) and called eagerly on ScaledArrays.
import { describe, expect, it } from "vitest";
import * as sf from "../../../index.js";
import { checkProgram, eqnsOf, flat, S, valueOf } from "./helpers.js";

const { ops } = sf;
type T = sf.Tensor;

describe("castStats on a scalified fp8 program", () => {
  // data: 1 (exact), 500 (> 448: saturates), 2^-12 (< half the smallest e4m3fn subnormal 2^-9:
  // flushes to zero), −1000 (saturates), NaN (non-finite), 0 (exact zero: not counted).
  const data = [1, 500, 2 ** -12, -1000, NaN, 0];
  const x = S(data, 2 ** -4);
  const fp8 = (v: T) => sf.scaling.castOnForward(v, "f8e4m3fn") as T;

  it("counts saturated, flushed-to-zero and non-finite values (saturating cast)", () => {
    const p = sf.scalify(fp8).lower(x);
    checkProgram(p);
    // The cast is of the data; the scale passes through untouched.
    expect(eqnsOf(p, "convert_element_type").map((e) => e.inputs[0])).toEqual([p.inputs[0]]);
    expect(p.outputs[1]).toBe(p.inputs[1]);
    const stats = sf.newCastStats();
    const out = sf.run(p, [x], { castStats: stats }) as sf.ScaledArray;
    expect(stats).toEqual({ saturated: 2, flushedToZero: 1, nonFinite: 1 });
    expect(out.data.dtype).toBe("f8e4m3fn");
    expect(flat(out.data)).toEqual([1, 448, 0, -448, NaN, 0]);
    expect(out.scale.item()).toBe(2 ** -4);
  });

  it("non-saturating: overflow becomes NaN, counted as saturated and non-finite", () => {
    const p = sf.scalify((v: T) => sf.scaling.castOnForward(v, "f8e4m3fn", { saturate: false }) as T).lower(x);
    const stats = sf.newCastStats();
    sf.run(p, [x], { castStats: stats });
    expect(stats).toEqual({ saturated: 2, flushedToZero: 1, nonFinite: 3 });
  });

  it("counts accumulate over runs; no option, no counting", () => {
    const p = sf.scalify(fp8).lower(x);
    const stats = sf.newCastStats();
    sf.run(p, [x], { castStats: stats });
    sf.run(p, [x], { castStats: stats });
    expect(stats).toEqual({ saturated: 4, flushedToZero: 2, nonFinite: 2 });
    const other = sf.newCastStats();
    sf.run(p, [x]);
    expect(other).toEqual({ saturated: 0, flushedToZero: 0, nonFinite: 0 });
  });

  it("a dynamic rescale before the cast avoids saturation: the counters show it", () => {
    const p = sf.scalify((v: T) => fp8(sf.scaling.dynamicRescaleMax(v) as T)).lower(x);
    const finite = S([1, 500, 2, -1000, 3, 0], 2 ** -4);
    const before = sf.newCastStats();
    sf.run(sf.scalify(fp8).lower(finite), [finite], { castStats: before });
    expect(before.saturated).toBe(2);
    const after = sf.newCastStats();
    const out = sf.run(p, [finite], { castStats: after }) as sf.ScaledArray;
    expect(after).toEqual({ saturated: 0, flushedToZero: 0, nonFinite: 0 });
    // max|d| = 1000 → r = 512: data / 512 fits e4m3fn (down to its subnormal 2^-9 = 1/512);
    // the value is kept to fp8 precision.
    expect(out.scale.item()).toBe(2 ** -4 * 512);
    expect(valueOf(out)).toEqual([0.0625, 32, 0.125, -64, 0.1875, 0]);
  });

  it("through jit's and scalify's options, and on casts to f16 / bf16 / e5m2", () => {
    const three = (v: T) => [ops.astype(v, "f16"), ops.astype(v, "bf16"), ops.astype(v, "f8e5m2")];
    const big = S([1e5, 2 ** -30, 1], 1);
    const viaScalify = sf.newCastStats();
    sf.scalify(three, {}, { castStats: viaScalify })(big);
    // f16: 1e5 → inf (saturated + non-finite), 2^-30 → 0 (flushed); bf16: nothing lost;
    // e5m2: 1e5 > 57344 → inf (saturated + non-finite), 2^-30 → 0 (flushed).
    expect(viaScalify).toEqual({ saturated: 2, flushedToZero: 2, nonFinite: 2 });
    const viaJit = sf.newCastStats();
    sf.jit(sf.scalify(three), { castStats: viaJit })(big);
    expect(viaJit).toEqual(viaScalify);
    // Casts to f32 and to integers of plain programs: f32 is never counted.
    const plain = sf.newCastStats();
    sf.jit((v: T) => ops.astype(ops.astype(v, "f16"), "f32"), { castStats: plain })(sf.array([1, 70000]));
    expect(plain).toEqual({ saturated: 1, flushedToZero: 0, nonFinite: 1 });
  });

  it("the same fp8 values plain: overflow without a scale", () => {
    // The quickstart's point: 512 overflows e4m3fn plainly, but not as data 4 × scale 128.
    const stats = sf.newCastStats();
    sf.jit((v: T) => ops.astype(v, "f8e4m3fn"), { castStats: stats })(sf.array([400, 448, 512]));
    expect(stats).toEqual({ saturated: 1, flushedToZero: 0, nonFinite: 1 });
    const scaled = sf.newCastStats();
    const r = sf.scalify((v: T) => ops.astype(v, "f8e4m3fn"), {}, { castStats: scaled })(sf.asScaledArray(sf.array([400, 448, 512]), 128));
    expect(scaled).toEqual({ saturated: 0, flushedToZero: 0, nonFinite: 0 });
    expect(valueOf(r as sf.ScaledArray)).toEqual([384, 448, 512]);
  });
});

describe("sf.scaling ops on plain tensors (outside scalify)", () => {
  const t = sf.array([1.1, -3, 0.01, 500]);
  const same = (r: unknown) => {
    expect(r).toBeInstanceOf(sf.Tensor);
    expect((r as T).dtype).toBe("f32");
    expect(flat(r as T)).toEqual(flat(t));
  };
  it("value-keeping ops keep the values", () => {
    same(sf.scaling.setScaling(t, 4));
    same(sf.scaling.rebalance(t, 0.5));
    same(sf.scaling.stopScaling(t));
    same(sf.scaling.dynamicRescaleMax(t));
    same(sf.scaling.dynamicRescaleL1(t));
    same(sf.scaling.dynamicRescaleL2(t));
    same(sf.scaling.dynamicRescaleMaxGrad(t));
    same(sf.scaling.dynamicRescaleL1Grad(t));
    same(sf.scaling.dynamicRescaleL2Grad(t));
    same(sf.scaling.castOnBackward(t, "f8e4m3fn"));
    same(sf.scaling.reducePrecisionOnBackward(t, "f8e4m3fn"));
    const [d, s] = sf.scaling.getDataScale(t);
    same(d);
    expect(s.dtype).toBe("f32");
    expect(s.item()).toBe(1);
  });
  it("casts cast", () => {
    const h = sf.scaling.castOnForward(t, "f16") as T;
    expect(h.dtype).toBe("f16");
    expect(flat(h)).toEqual(Array.from(sf.numerics.round(t.toFloat32Array(), "f16")));
    const e = sf.scaling.castOnForward(t, "f8e4m3fn") as T; // saturating by default: 500 → 448
    expect(flat(e)).toEqual(Array.from(sf.numerics.round(t.toFloat32Array(), "f8e4m3fn", { saturate: true })));
    expect(flat(e)[3]).toBe(448);
    const rp = sf.scaling.reducePrecisionOnForward(t, "f8e4m3fn") as T;
    expect(rp.dtype).toBe("f32");
    expect(flat(rp)).toEqual(flat(e));
    const sh = sf.scaling.stopScaling(t, "f16") as T;
    expect(sh.dtype).toBe("f16");
  });
  it("the backward-side casts act on the cotangent under grad (and keep it that precision)", () => {
    const w = 3.3333;
    const g = (op: (v: T) => T) => flat(sf.grad((v: T) => ops.sum(ops.mul(op(v), w)))(t) as T);
    const ct = Math.fround(w);
    expect(g((v) => sf.scaling.castOnBackward(v, "f16"))).toEqual(Array(4).fill(sf.numerics.round([ct], "f16")[0]));
    expect(g((v) => sf.scaling.reducePrecisionOnBackward(v, "f8e4m3fn"))).toEqual(Array(4).fill(3.25));
    expect(g((v) => sf.scaling.dynamicRescaleMaxGrad(v))).toEqual(Array(4).fill(ct));
    expect(g((v) => sf.scaling.castOnForward(v, "f16") as T).every((x) => Math.abs(x - ct) < 1e-3)).toBe(true);
  });
  it("inside jit, the same", () => {
    const f = sf.jit((v: T) => [sf.scaling.dynamicRescaleL2(v), sf.scaling.setScaling(v, 8), sf.scaling.castOnForward(v, "bf16")]);
    const [a, b, c] = f(t) as T[];
    same(a);
    same(b);
    expect(c!.dtype).toBe("bf16");
  });
});

describe("sf.scaling ops eagerly on ScaledArrays", () => {
  const x = S([1.5, -3, 0.25], 8, "f16");
  const expectPair = (r: unknown, data: number[], scale: number, dtype = "f16") => {
    expect(r).toBeInstanceOf(sf.ScaledArray);
    const s = r as sf.ScaledArray;
    expect(s.data.dtype).toBe(dtype);
    expect(flat(s.data)).toEqual(data);
    expect(s.scale.item()).toBe(scale);
  };
  it("value-keeping ops re-centre (data, scale)", () => {
    expectPair(sf.scaling.setScaling(x, 2), [6, -12, 1], 2);
    expectPair(sf.scaling.rebalance(x, 4), [0.375, -0.75, 0.0625], 32);
    expectPair(sf.scaling.dynamicRescaleMax(x), [0.75, -1.5, 0.125], 16);
    expectPair(sf.scaling.dynamicRescaleL1(x), [1.5, -3, 0.25], 8); // mean|d| = 1.58 → 1
    expectPair(sf.scaling.dynamicRescaleL2(x), [1.5, -3, 0.25], 8); // rms = 1.94 → 1
    const [d, s] = sf.scaling.getDataScale(x);
    expect(flat(d)).toEqual([1.5, -3, 0.25]);
    expect(s.item()).toBe(8);
  });
  it("stopScaling gives the plain value; casts cast the data only", () => {
    const p = sf.scaling.stopScaling(x, "f32");
    expect(p).toBeInstanceOf(sf.Tensor);
    expect(flat(p as T)).toEqual([12, -24, 2]);
    expectPair(sf.scaling.castOnForward(x, "f8e4m3fn"), [1.5, -3, 0.25], 8, "f8e4m3fn");
    expectPair(sf.scaling.castOnForward(S([1.1, 600], 8), "f8e4m3fn"), [1.125, 448], 8, "f8e4m3fn");
    expectPair(sf.scaling.reducePrecisionOnForward(S([1.1, 600], 8), "f8e4m3fn"), [1.125, 448], 8, "f32");
  });
  it("with a plain tensor beside a ScaledArray", () => {
    // setScaling(x, s) with s a tensor; the new scale 0.5 re-centres the data.
    expectPair(sf.scaling.setScaling(x, sf.array(0.5)), [24, -48, 4], 0.5);
  });
});
