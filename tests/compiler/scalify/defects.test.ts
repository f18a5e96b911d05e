// The known defects of the reference implementation (jax-scalify) do not occur here
// (DESIGN.md "Scalify semantics" decides each), checked on values and on the compiled programs;
// plus regression tests for the defects found while writing these suites.
import { describe, expect, it } from "vitest";
import * as sf from "../../../index.js";
import { checkProgram, eqnsOf, flat, S, valueOf } from "./helpers.js";

const { lax, ops } = sf;
type T = sf.Tensor;

/** The primitives of a program's equations, in order. */
const prims = (p: sf.Program) => p.equations.map((e) => e.primitive);

describe("x * exp(zeros) is x", () => {
  const x = S([1.5, -2, 3], 2 ** -10);
  it("with zerosLike(x): exp of a static zero is plain 1, not a zero-scale value", () => {
    const f = sf.scalify((v: T) => ops.mul(v, ops.exp(ops.zerosLike(v))));
    const r = f(x) as sf.ScaledArray;
    expect(valueOf(r)).toEqual(valueOf(x));
    expect(r.scale.item()).toBe(2 ** -10);
    checkProgram(f.lower(x));
  });
  it("with a scaled zeros input of scale 0 (exp is not zero-preserving: exp(0·d) = 1)", () => {
    const f = sf.scalify((v: T, z: T) => lax.mul(v, lax.exp(z)));
    const r = f(x, S([5, -7, 0], 0)) as sf.ScaledArray;
    expect(valueOf(r)).toEqual(valueOf(x));
  });
  it("with a scaled zeros input of non-zero scale", () => {
    const f = sf.scalify((v: T, z: T) => lax.mul(v, lax.exp(z)));
    expect(valueOf(f(x, S([0, 0, 0], 8)) as sf.ScaledArray)).toEqual(valueOf(x));
  });
});

describe("select_n with all-zero scales gives zeros, not NaN", () => {
  const f = sf.scalify((w: T, a: T, b: T) => lax.selectN(w, a, b));
  const which = sf.array([1, 0, 1, 0], { dtype: "bool" });
  it("dynamic zero scales (program inputs)", () => {
    const r = f(which, S([1, 2, 3, 4], 0), S([5, 6, 7, 8], 0)) as sf.ScaledArray;
    expect(r.scale.item()).toBe(0);
    expect(valueOf(r)).toEqual([0, 0, 0, 0]);
    expect(flat(r.data).some(Number.isNaN)).toBe(false);
  });
  it("one zero scale: the other case keeps its values", () => {
    const r = f(which, S([1, 2, 3, 4], 0), S([5, 6, 7, 8], 4)) as sf.ScaledArray;
    expect(valueOf(r)).toEqual([20, 0, 28, 0]);
  });
  it("concatenate and max with all-zero scales: zeros too", () => {
    const c = sf.scalify((a: T, b: T) => lax.concatenate([a, b], { dimension: 0 }))(S([1, 2], 0), S([3], 0)) as sf.ScaledArray;
    expect(valueOf(c)).toEqual([0, 0, 0]);
    const m = sf.scalify((a: T, b: T) => lax.max(a, b))(S([1, -2], 0), S([3, 4], 0)) as sf.ScaledArray;
    expect(valueOf(m)).toEqual([0, 0]);
  });
});

describe("max(x, -inf) and max(x, 0) keep x's scale in compiled programs", () => {
  const x = S([[-1.5, 2], [0.25, -8]], 2 ** 12, "f16");
  const cases: [string, (v: T) => T, number[]][] = [
    ["lax.max(x, 0)", (v) => lax.max(v, 0), [0, 2, 0.25, 0]],
    ["lax.max(x, -inf)", (v) => lax.max(v, -Infinity), [-1.5, 2, 0.25, -8]],
    ["ops.maximum(x, 0)", (v) => ops.maximum(v, 0), [0, 2, 0.25, 0]],
    ["max(x, zerosLike(x))", (v) => lax.max(v, ops.zerosLike(v)), [0, 2, 0.25, 0]],
    ["min(x, inf)", (v) => lax.min(v, Infinity), [-1.5, 2, 0.25, -8]],
    ["max(x, f16(zeros f32))", (v) => lax.max(v, ops.astype(ops.zeros([2, 2]), "f16")), [0, 2, 0.25, 0]],
    ["nn.relu(x)", (v) => sf.nn.relu(v), [0, 2, 0.25, 0]],
  ];
  it.each(cases)("%s", (_name, fn, data) => {
    const f = sf.scalify(fn);
    const p = f.lower(x);
    checkProgram(p);
    // The output scale is x's scale input itself: no scale arithmetic.
    expect(p.outputs[1]).toBe(p.inputs[1]);
    // x's data is never rescaled: it only feeds the max/min itself (or relu's compare and
    // select); no mul or div anywhere, and the scale feeds no equation.
    expect(prims(p).filter((q) => q === "mul" || q === "div")).toEqual([]);
    for (const e of p.equations) {
      expect(e.inputs).not.toContain(p.inputs[1]);
      if (e.inputs.includes(p.inputs[0]!)) expect(["max", "min", "gt", "select_n"]).toContain(e.primitive);
    }
    const r = f(x) as sf.ScaledArray;
    expect(flat(r.data)).toEqual(data);
    expect(r.scale.item()).toBe(2 ** 12);
  });
});

describe("concatenate works", () => {
  it("rebalances to the largest scale, exactly", () => {
    const f = sf.scalify((a: T, b: T, c: T) => lax.concatenate([a, b, c], { dimension: 1 }));
    const r = f(S([[1], [2]], 0.5), S([[3, 4], [5, 6]], 8), S([[-1], [7]], 2)) as sf.ScaledArray;
    expect(r.scale.item()).toBe(8);
    expect(r.data.shape).toEqual([2, 4]);
    expect(valueOf(r)).toEqual([0.5, 24, 32, -2, 1, 40, 48, 14]);
    checkProgram(f.lower(S([[1], [2]], 0.5), S([[3, 4], [5, 6]], 8), S([[-1], [7]], 2)));
  });
  it("with a plain operand and a static zero block", () => {
    const f = sf.scalify((a: T, b: T) => ops.concatenate([a, b, ops.zeros([2])], 0));
    const r = f(S([1, 2], 4, "f16"), sf.array([3, 4], { dtype: "f16" })) as sf.ScaledArray;
    expect(r.scale.item()).toBe(4);
    expect(valueOf(r)).toEqual([4, 8, 3, 4, 0, 0]);
  });
  it("of one scaled operand keeps its scale", () => {
    const f = sf.scalify((a: T) => lax.concatenate([a], { dimension: 0 }));
    const p = f.lower(S([1, 2], 4));
    expect(p.outputs[1]).toBe(p.inputs[1]);
  });
});

describe("forward-side casts apply under grad", () => {
  // f(w, x) = Σ fp8(x)·w: the gradient w.r.t. w is the fp8-rounded x.
  const f = (w: T, x: T) => ops.sum(ops.matmul(sf.scaling.castOnForward(x, "f8e4m3fn"), w));
  const w = sf.array([[1], [2], [3]]);
  const x = sf.array([[1.1, 2.3, -100]]);
  const rounded = Array.from(sf.numerics.round(Float32Array.from([1.1, 2.3, -100]), "f8e4m3fn"));
  it("grad: the forward program contains the convert, and the gradient sees the rounded x", () => {
    expect(rounded).toEqual([1.125, 2.25, -96]);
    const g = sf.grad(f);
    const p = g.lower(w, x);
    checkProgram(p);
    const casts = eqnsOf(p, "convert_element_type").filter((e) => (e.params as { new_dtype: string }).new_dtype === "f8e4m3fn");
    expect(casts.length).toBe(1);
    expect(casts[0]!.inputs[0]).toBe(p.inputs[1]);
    expect(flat(g(w, x) as T)).toEqual(rounded);
  });
  it("valueAndGrad: the value too", () => {
    const [v, gw] = sf.valueAndGrad(f)(w, x) as [T, T];
    expect(v.item()).toBe(1.125 + 4.5 - 288);
    expect(flat(gw)).toEqual(rounded);
  });
  it("scalify(grad): the scalified gradient program casts the data of x", () => {
    const sg = sf.scalify(sf.grad(f));
    const sw = new sf.ScaledArray(w, 1);
    const sx = S([[1.1 / 4, 2.3 / 4, -25]], 4);
    const p = sg.lower(sw, sx);
    checkProgram(p);
    const cast = eqnsOf(p, "convert_element_type").find((e) => (e.params as { new_dtype: string }).new_dtype === "f8e4m3fn");
    expect(cast?.inputs[0]).toBe(p.inputs[2]); // x.data: the scale is never cast
    const r = sg(sw, sx) as sf.ScaledArray;
    // fp8(x/4)·4: 0.275 → 0.28125, 0.575 → 0.5625, −25 → −24.
    expect(valueOf(r)).toEqual([1.125, 2.25, -96]);
  });
  it("reducePrecisionOnForward under grad", () => {
    const g = sf.grad((w2: T, x2: T) => ops.sum(ops.matmul(sf.scaling.reducePrecisionOnForward(x2, "f16"), w2)));
    expect(flat(g(w, sf.array([[1 + 2 ** -12, 1, 1]])) as T)).toEqual([1, 1, 1]);
  });
});

describe("dot_general with batch dimensions and several contracting axes: K = product of contracting sizes", () => {
  // a: [batch 2, 3, c 4, c 5], b: [batch 2, c 5, c 4, 6]: K = 20 → R(√20) = 4 (one axis alone: 2).
  const dn = [[[2, 3], [2, 1]], [[0], [0]]] as const;
  const f = sf.scalify((a: T, b: T) => lax.dotGeneral(a, b, { dimensionNumbers: dn }));
  const n = (k: number) => Array.from({ length: k }, (_, i) => ((i * 7) % 11) - 5);
  const a = new sf.ScaledArray(sf.array(n(120), { shape: [2, 3, 4, 5] }), 2);
  const b = new sf.ScaledArray(sf.array(n(240), { shape: [2, 5, 4, 6] }), 0.5);
  it("scale sa·sb·4 and the right values", () => {
    const r = f(a, b) as sf.ScaledArray;
    expect(r.scale.item()).toBe(2 * 0.5 * 4);
    expect(r.data.shape).toEqual([2, 3, 6]);
    const plain = lax.dotGeneral(sf.asarray(a), sf.asarray(b), { dimensionNumbers: dn });
    expect(valueOf(r)).toEqual(flat(plain)); // small integers: exact
  });
  it("the program scales by 1/R(√K) = 0.25 before rounding and the scale by 4", () => {
    const p = f.lower(a, b);
    checkProgram(p);
    const lits = p.equations.flatMap((e) => e.inputs.filter((x): x is sf.Literal => x instanceof sf.Literal).map((l) => l.value));
    expect(lits).toContain(4);
    expect(lits).toContain(0.25);
    expect(eqnsOf(p, "dot_general")[0]!.params).toMatchObject({ dimension_numbers: [[[2, 3], [2, 1]], [[0], [0]]], preferred_element_type: "f32" });
  });
});

describe("regressions found while writing these suites", () => {
  it("a plain operand of max/select/concatenate counts with scale 1: it is never scaled past its range", () => {
    // Before: the plain f16 1000 was rebalanced to x's scale 2^-8 alone, 1000·2^8 → inf in f16.
    const f = sf.scalify((a: T, b: T) => lax.max(a, b));
    const r = f(S([1, 2], 2 ** -8, "f16"), sf.array([1000, -1], { dtype: "f16" })) as sf.ScaledArray;
    expect(r.scale.item()).toBe(1);
    expect(valueOf(r)).toEqual([1000, 2 ** -7]);
    const c = sf.scalify((a: T, b: T) => lax.concatenate([a, b], { dimension: 0 }))(S([1], 2 ** -8, "f16"), sf.array([1000], { dtype: "f16" }));
    expect(valueOf(c as sf.ScaledArray)).toEqual([2 ** -8, 1000]);
  });
  it("pad with a static -inf keeps the scale (DESIGN.md: static ±inf adopts the scale in pad)", () => {
    const f = sf.scalify((x: T) => lax.pad(x, -Infinity, { paddingConfig: [[1, 1, 0]] }));
    const x = S([1, 2], 2 ** 20);
    const p = f.lower(x);
    expect(p.outputs[1]).toBe(p.inputs[1]);
    expect(prims(p)).toEqual(["pad"]);
    expect(valueOf(f(x) as sf.ScaledArray)).toEqual([-Infinity, 2 ** 20, 2 ** 21, -Infinity]);
  });
  it("rsqrt of a zero-scale value is inf (a non-finite scale falls back to descaling), not inf·0 = NaN", () => {
    const f = sf.scalify((x: T) => lax.rsqrt(x));
    const r = f(S([4, 1], 0)) as sf.ScaledArray;
    expect(valueOf(r)).toEqual([Infinity, Infinity]);
    const s = f(S([4, 1], 16)) as sf.ScaledArray;
    expect(valueOf(s)).toEqual([0.125, 0.25]);
    expect(s.scale.item()).toBe(0.25);
  });
  it("the backward-side helpers are the identity on ScaledArrays, eagerly", () => {
    const x = S([1.5, -3], 4, "f16");
    for (const op of [
      (v: sf.ScaledArray) => sf.scaling.castOnBackward(v, "f8e5m2"),
      (v: sf.ScaledArray) => sf.scaling.reducePrecisionOnBackward(v, "f8e4m3fn"),
      sf.scaling.dynamicRescaleMaxGrad,
      sf.scaling.dynamicRescaleL1Grad,
      sf.scaling.dynamicRescaleL2Grad,
    ]) {
      const r = op(x) as sf.ScaledArray;
      expect(r).toBeInstanceOf(sf.ScaledArray);
      expect(r.data.dtype).toBe("f16");
      expect(flat(r.data)).toEqual([1.5, -3]);
      expect(r.scale.item()).toBe(4);
    }
  });
  it("a static zero cast to another float stays static (it adopts the scale in max)", () => {
    const f = sf.scalify((x: T) => lax.max(x, lax.convertElementType(lax.full([2], 0), { newDtype: "f16" })));
    const p = f.lower(S([1, -1], 8, "f16"));
    expect(p.outputs[1]).toBe(p.inputs[1]);
  });
});
