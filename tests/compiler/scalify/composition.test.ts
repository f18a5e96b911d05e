// Composition of scalify with the other transforms, the text round trip of scalified programs,
// and the configuration (roundingMode, rescaleEps) as DESIGN.md "Scalify semantics" documents it.
import { describe, expect, it } from "vitest";
import * as sf from "../../../index.js";
import { checkProgram, flat, isPow2, rng, S, valueOf } from "./helpers.js";

const { lax, ops, nn } = sf;
type T = sf.Tensor;

/** A small MLP loss: mean((relu(x·w1)·w2 − 1)²) with a dynamic rescale and an fp16 cast. */
function loss(w1: T, w2: T, x: T): T {
  const h = nn.relu(ops.matmul(x, w1));
  const y = ops.matmul(sf.scaling.dynamicRescaleL2(h) as T, w2);
  return ops.mean(ops.square(ops.sub(y, 1)));
}

const r = rng(42);
const values = (shape: number[]) => sf.array(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1), { shape });
const w1 = values([4, 8]);
const w2 = values([8, 3]);
const x = values([5, 4]);
/** The same values as ScaledArrays with scale 2^k (data = value / 2^k, exact). */
const scaledAs = (t: T, k: number) => new sf.ScaledArray(sf.array(Float32Array.from(t.toFloat32Array(), (v) => v / 2 ** k), { shape: [...t.shape] }), 2 ** k);
const sw1 = scaledAs(w1, -3);
const sw2 = scaledAs(w2, 5);
const sx = scaledAs(x, 12);

/** Within a relative tolerance (the scaled program sums in another order only through its rules). */
function expectNear(got: number[], want: number[], rel = 1e-5): void {
  expect(got.length).toBe(want.length);
  const scale = Math.max(...want.map(Math.abs));
  got.forEach((g, i) => expect(Math.abs(g - want[i]!), `[${i}] ${g} vs ${want[i]}`).toBeLessThanOrEqual(rel * scale));
}

/** A program survives print → parse → print, and the parsed program runs to the same outputs. */
function expectRoundTrip(p: sf.Program, args: unknown[]): void {
  checkProgram(p);
  const q = sf.parse(sf.print(p));
  const a = sf.tree.leaves(sf.run(p, args)) as T[];
  const b = sf.tree.leaves(sf.run(q, args)) as T[];
  expect(b.map(flat)).toEqual(a.map(flat));
}

describe("scalify ∘ grad", () => {
  it("scalify(grad(f)) matches the unscaled gradient", () => {
    const g = sf.grad(loss, { argnums: [0, 1] });
    const want = g(w1, w2, x) as T[];
    const sg = sf.scalify(g);
    const got = sg(sw1, sw2, sx) as sf.ScaledArray[];
    expect(got).toHaveLength(2);
    got.forEach((s, i) => {
      expect(s).toBeInstanceOf(sf.ScaledArray);
      expect(isPow2(s.scale.item())).toBe(true);
      expectNear(valueOf(s), flat(want[i]!));
    });
    expectRoundTrip(sg.lower(sw1, sw2, sx), [sw1, sw2, sx]);
  });

  it("scalify(valueAndGrad(f)) matches the unscaled value and gradient", () => {
    const vg = sf.valueAndGrad(loss);
    const [v, gw] = vg(w1, w2, x) as [T, T];
    const [sv, sgw] = sf.scalify(vg)(sw1, sw2, sx) as [sf.ScaledArray, sf.ScaledArray];
    expectNear(valueOf(sv), flat(v));
    expectNear(valueOf(sgw), flat(gw));
    expectRoundTrip(sf.scalify(vg).lower(sw1, sw2, sx), [sw1, sw2, sx]);
  });

  it("the same through the program passes: passes.scalify(passes.grad(p))", () => {
    const p = sf.trace(loss, sf.spec("f32", [4, 8]), sf.spec("f32", [8, 3]), sf.spec("f32", [5, 4]));
    const gp = sf.passes.grad(p, { argnums: [0, 1, 2] });
    const sp = sf.passes.scalify(gp, { scaledInputs: ["w1", "w2", "x"] });
    checkProgram(sp);
    expect(sp.inputNames).toEqual(["w1.data", "w1.scale", "w2.data", "w2.scale", "x.data", "x.scale"]);
    const want = sf.tree.leaves(sf.run(gp, [w1, w2, x])) as T[];
    const got = sf.run(sp, [sw1, sw2, sx]) as sf.ScaledArray[];
    got.forEach((s, i) => expectNear(valueOf(s), flat(want[i]!)));
  });

  it("castOnBackward under scalify(grad): the cotangent's data is cast, its scale kept", () => {
    const f = (w: T, v: T) => ops.sum(ops.square(sf.scaling.castOnBackward(ops.matmul(v, w), "f8e5m2") as T));
    const sg = sf.scalify(sf.grad(f));
    const p = sg.lower(sw1, sx);
    checkProgram(p);
    expect(p.equations.some((e) => e.primitive === "convert_element_type" && (e.params as { new_dtype: string }).new_dtype === "f8e5m2")).toBe(true);
    const got = valueOf(sg(sw1, sx) as sf.ScaledArray);
    const want = flat(sf.grad(f)(w1, x) as T);
    // e5m2 keeps 2 mantissa bits: each cotangent element is within 2^-3 relative.
    expectNear(got, want, 0.15);
  });
});

describe("scalify ∘ scalify", () => {
  it("scalify(scalify(f)) prints identically to scalify(f)", () => {
    const once = sf.scalify(loss).lower(sw1, sw2, sx);
    const twice = sf.scalify(sf.scalify(loss)).lower(sw1, sw2, sx);
    expect(sf.print(twice)).toBe(sf.print(once));
    expect(once.name).toBe("scalify_loss");
    expect(once.inputNames).toEqual(["w1.data", "w1.scale", "w2.data", "w2.scale", "x.data", "x.scale"]);
  });
  it("and with a config", () => {
    const once = sf.scalify(loss, { roundingMode: "up" }).lower(sw1, sw2, sx);
    const twice = sf.scalify(sf.scalify(loss, { roundingMode: "up" }), { roundingMode: "up" }).lower(sw1, sw2, sx);
    expect(sf.print(twice)).toBe(sf.print(once));
  });
});

describe("scalified programs print, parse and run on the reference interpreter", () => {
  it("the MLP loss", () => {
    const p = sf.scalify(loss).lower(sw1, sw2, sx);
    expectRoundTrip(p, [sw1, sw2, sx]);
    const out = sf.run(sf.parse(sf.print(p)), [sw1, sw2, sx]) as sf.ScaledArray;
    expectNear(valueOf(out), flat(loss(w1, w2, x)));
  });
  it("a scalified program with every rule family, through JSON too", () => {
    const f = (a: T, b: T) => {
      const c = lax.concatenate([ops.exp(a), ops.sqrt(ops.abs(b))], { dimension: 0 });
      return [ops.sum(c), lax.cumsum(c, { axis: 0 }), ops.argmax(c), sf.scaling.stopScaling(ops.log(ops.abs(c)), "f16")];
    };
    const args = [S([0.5, -1], 4, "f16"), S([2, 8, -32], 2 ** -6, "f16")];
    const p = sf.scalify(f).lower(...args);
    expectRoundTrip(p, args);
    const q = sf.fromJSON(JSON.parse(JSON.stringify(sf.toJSON(p))));
    expect(sf.print(q)).toBe(sf.print(p));
  });
});

describe("config", () => {
  const add = (a: T, b: T) => ops.add(a, b);
  const a = S([1, 2], 4);
  const b = S([3, 4], 4);
  it("roundingMode: s·√2 for equal scales rounds down to s, up to 2s, and stays √2·s with none", () => {
    const scaleOf = (mode: sf.RoundingMode) => (sf.scalify(add, { roundingMode: mode })(a, b) as sf.ScaledArray).scale.item();
    expect(scaleOf("down")).toBe(4);
    expect(scaleOf("up")).toBe(8);
    expect(scaleOf("none")).toBe(Math.fround(4 * Math.fround(Math.SQRT2)));
    // Power-of-two scales keep the value exact; √2·4 does not (the data is rounded once in f32).
    for (const mode of ["down", "up"] as const) expect(valueOf(sf.scalify(add, { roundingMode: mode })(a, b) as sf.ScaledArray)).toEqual([16, 24]);
    expectNear(valueOf(sf.scalify(add, { roundingMode: "none" })(a, b) as sf.ScaledArray), [16, 24], 2 ** -22);
  });
  it("up keeps exact powers of two: √4 = 2 stays 2, √5 becomes 4 (down: 2)", () => {
    const sum = (v: T) => ops.sum(v);
    const scale = (n: number, mode: sf.RoundingMode) => (sf.scalify(sum, { roundingMode: mode })(S(Array(n).fill(1), 1)) as sf.ScaledArray).scale.item();
    expect(scale(4, "up")).toBe(2);
    expect(scale(4, "down")).toBe(2);
    expect(scale(5, "up")).toBe(4);
    expect(scale(5, "down")).toBe(2);
    expect(scale(5, "none")).toBe(Math.fround(Math.sqrt(5)));
    expect(scale(16, "up")).toBe(4);
    expect(scale(1, "up")).toBe(1);
    // And the value is the sum in every mode.
    for (const mode of ["down", "up", "none"] as const) expect(valueOf(sf.scalify(sum, { roundingMode: mode })(S([1, 2, 3, 4, 5], 1)) as sf.ScaledArray)[0]).toBeCloseTo(15, 5);
  });
  it("none gives the notebook's non-power-of-two add scale 4.472136", () => {
    const r = sf.scalify(add, { roundingMode: "none" })(S([0.5, 1], 2, "f16"), S([0.75, 1.5], 4, "f16")) as sf.ScaledArray;
    expect(r.scale.item()).toBe(Math.fround(4.4721360206604));
    expect(isPow2(r.scale.item())).toBe(false);
  });
  it("sqrt keeps a power of two (2^⌊e/2⌋) except with none (√s)", () => {
    const sqrt = (v: T) => ops.sqrt(v);
    const x8 = S([2, 0.5], 8);
    const down = sf.scalify(sqrt)(x8) as sf.ScaledArray;
    expect(down.scale.item()).toBe(2);
    expect(valueOf(down)).toEqual([4, 2]);
    const none = sf.scalify(sqrt, { roundingMode: "none" })(x8) as sf.ScaledArray;
    expect(none.scale.item()).toBe(Math.fround(Math.sqrt(8)));
    valueOf(none).forEach((v, i) => expect(v).toBeCloseTo([4, 2][i]!, 5));
  });
  it("rescaleEps floors the dynamic-rescale norm (default 2^-14)", () => {
    const resc = (v: T) => sf.scaling.dynamicRescaleMax(v) as T;
    const tiny = S([2 ** -20, -(2 ** -21)], 1);
    const byDefault = sf.scalify(resc)(tiny) as sf.ScaledArray;
    expect(byDefault.scale.item()).toBe(2 ** -14);
    expect(flat(byDefault.data)).toEqual([2 ** -6, -(2 ** -7)]);
    const fine = sf.scalify(resc, { rescaleEps: 2 ** -30 })(tiny) as sf.ScaledArray;
    expect(fine.scale.item()).toBe(2 ** -20);
    expect(flat(fine.data)).toEqual([1, -0.5]);
    // Above the floor, eps does not matter; the value never changes.
    const big = sf.scalify(resc, { rescaleEps: 2 ** -30 })(S([3, -5], 1)) as sf.ScaledArray;
    expect(big.scale.item()).toBe(4);
    for (const v of [byDefault, fine, big]) expect(isPow2(v.scale.item())).toBe(true);
    expect(valueOf(big)).toEqual([3, -5]);
  });
  it("a non-finite norm leaves the scale unchanged", () => {
    const r = sf.scalify((v: T) => sf.scaling.dynamicRescaleL2(v) as T)(S([Infinity, 1], 2)) as sf.ScaledArray;
    expect(r.scale.item()).toBe(2);
    expect(valueOf(r)).toEqual([Infinity, 2]);
  });
  it("bad configs are TypeErrors", () => {
    expect(() => sf.scalify(add, { roundingMode: "nearest" as never }).lower(a, b)).toThrow(TypeError);
    expect(() => sf.scalify(add, { rescaleEps: -1 }).lower(a, b)).toThrow(TypeError);
    expect(() => sf.scalify(add, { rescaleEps: Infinity }).lower(a, b)).toThrow(TypeError);
  });
});
