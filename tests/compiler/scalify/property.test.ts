// A property test over EVERY primitive of the catalogue: for random inputs and random input scales
// 2^k (|k| ≤ 20), the scalified program's value (data × scale) equals the unscaled program's
// value, and scales stay powers of two (DESIGN.md "Scalify semantics").
//
// The cases are in property-cases.ts. For each case: trace the unscaled program with sf.trace and
// run it on the values; scalify it with passes.scalify(program, {scaledInputs}) and run it on
// (data = value / 2^k, scale 2^k); verify the scalified program and its print → parse round
// trip; compare values and output scales. Expected accuracy, per DESIGN.md's rule table:
// - "exact": scale-exact rules (shape ops, neg, abs, mul, div, max/min, select_n, concatenate,
//   gather, …). With power-of-two scales every rescale is exact and every rounding happens on a
//   power-of-two multiple of the unscaled operation's operands, so the results agree bit for bit.
// - "ulp": the other elementwise rules, within 4 ulp of the output dtype.
// - "log": log(d) + log(s) (the rule of the table) cancels when the value is near 1: within 4 ulp
//   of the largest of |log d|, |log s| and |result| (the terms the f32 sum rounds).
// - "accum": dot_general and sums, within K·2^-24·Σ|a_i·b_i| (DESIGN.md, "dot_general and
//   reductions"), plus, for an output dtype below f32, one ulp of its final rounding (of the
//   value, or of the data: a scaled f16 output's data can be subnormal, with spacing 2^-24·scale).
//   Σ|a_i·b_i| is the unscaled program run on |inputs|.
// - "plain": results of PLAIN_ONLY primitives (integers, booleans) stay plain and exact.
// f32 data is used for exactness; f16 cases keep values in [1/4, 4] and |k| ≤ 8 so that data
// and values are normal f16 numbers (the unscaled f16 program would overflow at 2^20).
import { describe, expect, it } from "vitest";
import * as sf from "../../../index.js";
import { isFloat, type DType } from "../../../ir/dtype.js";
import { PLAIN_ONLY, SCALIFY_RULES } from "../../../compiler/scalify/scalify-rules.js";
import { checkProgram, expectClose, flat, isPow2, rng, seedOf, ulp, valueOf, type Rng } from "./helpers.js";
import { CASES, signed, type Case, type ScaleRule } from "./property-cases.js";

interface Inputs {
  /** Arguments of the unscaled program (the values). */
  plain: sf.Tensor[];
  /** Arguments of the scalified program (ScaledArrays for scaled inputs). */
  scaled: (sf.Tensor | sf.ScaledArray)[];
  scaledIdx: number[];
  inScales: number[];
  /** Per argument: its scale (1 for a plain float, the value of a pow2 scalar, 0 for integers). */
  argScales: number[];
}

function makeInputs(c: Case, r: Rng): Inputs {
  const kMax = c.kMax ?? (c.args.some((a) => a.kind === "float" && a.dtype === "f16") ? 8 : 20);
  const out: Inputs = { plain: [], scaled: [], scaledIdx: [], inScales: [], argScales: [] };
  const first: number[][] = [];
  c.args.forEach((a, i) => {
    if (a.kind === "pow2") {
      const t = sf.array(2 ** Math.round(8 * r() - 4));
      out.plain.push(t);
      out.scaled.push(t);
      out.argScales.push(t.item());
      return;
    }
    const n = a.shape.reduce((x, y) => x * y, 1);
    if (a.kind === "i32" || a.kind === "bool") {
      const v = Array.from({ length: n }, () => (a.kind === "bool" ? (r() < 0.5 ? 1 : 0) : a.lo + Math.floor(r() * (a.hi - a.lo))));
      const t = sf.array(v, { dtype: a.kind, shape: a.shape });
      out.plain.push(t);
      out.scaled.push(t);
      out.argScales.push(0);
      return;
    }
    const dtype: DType = a.dtype ?? "f32";
    let values = Array.from({ length: n }, () => (a.gen ?? signed)(r));
    if (c.ties && i === 1 && first[0]) values = values.map((v, j) => (j % 2 === 0 ? first[0]![j]! : v));
    // Values exactly representable in the dtype; the data value / 2^k is then exact too.
    values = Array.from(sf.numerics.round(Float32Array.from(values), dtype));
    first.push(values);
    const t = sf.array(Float32Array.from(values), { dtype, shape: a.shape });
    out.plain.push(t);
    if (a.plain) {
      out.scaled.push(t);
      out.argScales.push(1);
      return;
    }
    const k = Math.round((2 * r() - 1) * kMax);
    const scale = 2 ** k;
    const data = sf.array(Float32Array.from(values.map((v) => v / scale)), { dtype, shape: a.shape });
    expect(Array.from(data.toFloat32Array()).map((d) => d * scale), "data = value / 2^k is exact").toEqual(values);
    out.scaled.push(new sf.ScaledArray(data, scale));
    out.scaledIdx.push(i);
    out.inScales.push(scale);
    out.argScales.push(scale);
  });
  return out;
}

const absTensor = (t: sf.Tensor) => (isFloat(t.dtype) ? sf.array(Float32Array.from(t.toFloat32Array(), Math.abs), { dtype: t.dtype, shape: [...t.shape] }) : t);
const leavesOf = (x: unknown): (sf.Tensor | sf.ScaledArray)[] => (Array.isArray(x) ? x : [x]) as (sf.Tensor | sf.ScaledArray)[];

function runCase(c: Case, seed: number): void {
  const r = rng(seed);
  const inputs = makeInputs(c, r);
  const p = sf.trace(c.fn, ...inputs.plain.map((t) => sf.spec(t.dtype, [...t.shape])));
  const q = sf.passes.scalify(p, { scaledInputs: inputs.scaledIdx });
  checkProgram(q);
  const want = leavesOf(sf.run(p, inputs.plain)) as sf.Tensor[];
  const got = leavesOf(sf.run(q, inputs.scaled));
  expect(got.length).toBe(want.length);
  const sums = c.check === "accum" ? (leavesOf(sf.run(p, inputs.plain.map(absTensor))) as sf.Tensor[]) : [];
  got.forEach((g, o) => {
    const w = want[o]!;
    const what = `${c.name} output ${o} (seed ${seed}, input scales ${inputs.inScales.join(", ")})`;
    // Scales.
    const rule: ScaleRule = c.check === "plain" && isFloat(w.dtype) ? "pow2" : c.scale;
    if (rule === "plain" || !isFloat(w.dtype)) expect(g instanceof sf.ScaledArray, `${what} stays plain`).toBe(false);
    else {
      expect(g, `${what} is scaled`).toBeInstanceOf(sf.ScaledArray);
      const s = (g as sf.ScaledArray).scale.item();
      if (rule === "one") expect(s, what).toBe(1);
      else if (rule === "same") expect(s, what).toBe(inputs.inScales[0]);
      else expect(isPow2(s), `${what}: scale ${s} is a power of two`).toBe(true);
      if (c.outScale) expect(s, `${what}: the table's scale`).toBe(c.outScale(inputs.argScales.filter((_, i) => c.args[i]!.kind !== "i32" && c.args[i]!.kind !== "bool")));
      expect((g as sf.ScaledArray).dtype, what).toBe(w.dtype);
    }
    if (g instanceof sf.Tensor) expect(g.dtype, what).toBe(w.dtype);
    const gv = valueOf(g);
    const wv = flat(w);
    const outScale = g instanceof sf.ScaledArray ? g.scale.item() : 1;
    /** One rounding to the output dtype, on either side: of the value, or of the data (value / scale). */
    const ulpOut = (v: number) => Math.max(ulp(v, w.dtype), ulp(v / outScale, w.dtype) * outScale);
    switch (c.check) {
      case "exact":
      case "plain":
        return expectClose(gv, wv, () => 0, what);
      case "dataScale":
        return; // checked below on the pair
      case "ulp":
        return expectClose(gv, wv, (i) => 4 * ulpOut(wv[i]!), what);
      case "log": {
        const x = inputs.scaled[0] as sf.ScaledArray;
        const d = flat(x.data);
        const ls = Math.abs(Math.log(x.scale.item()));
        return expectClose(gv, wv, (i) => 4 * ulp(Math.max(Math.abs(Math.log(d[i]!)), ls, Math.abs(wv[i]!)), w.dtype), what);
      }
      case "accum": {
        const sum = flat(sums[o]!);
        return expectClose(gv, wv, (i) => c.k! * 2 ** -24 * sum[i]! * 1.0001 + (w.dtype === "f32" ? 0 : ulpOut(wv[i]!)), what);
      }
    }
  });
  if (c.check === "dataScale") {
    // get_data_scale: the unscaled program gives (x, 1), the scalified one (data, scale): equal products.
    const [d, s] = got as sf.Tensor[];
    const [x, one] = want;
    expect(flat(one!)).toEqual([1]);
    expect(s!.item()).toBe(inputs.inScales[0]);
    expectClose(flat(d!).map((v) => v * s!.item()), flat(x!), () => 0, c.name);
  }
}

const TRIALS = 4;

describe("scalify property: every primitive, random inputs and scales 2^k", () => {
  it("has cases for exactly the catalogue's primitives", () => {
    expect(Object.keys(CASES).sort()).toEqual([...sf.PRIMITIVES]);
    for (const prim of sf.PRIMITIVES) expect(CASES[prim]?.length ?? 0, `${prim} has a case`).toBeGreaterThan(0);
  });

  describe.each(sf.PRIMITIVES.map((p) => [p] as const))("%s", (prim) => {
    it.each(CASES[prim].map((c) => [c.name, c] as const))("%s", (_name, c) => {
      // The case really exercises its primitive (nested custom_vjp bodies count for custom_vjp).
      const p = sf.trace(c.fn, ...makeInputs(c, rng(1)).plain.map((t) => sf.spec(t.dtype, [...t.shape])));
      expect(p.equations.map((e) => e.primitive), `${c.name} uses ${prim}`).toContain(prim);
      // PLAIN_ONLY primitives have cases whose results are plain; scaled rules have scaled cases.
      if (SCALIFY_RULES[prim] === PLAIN_ONLY) expect(c.check).toBe("plain");
      for (let t = 0; t < TRIALS; t++) runCase(c, seedOf(c.name) + t);
    });
  });

  it("PLAIN_ONLY primitives stay plain in the scalified program", () => {
    const plainOnly = sf.PRIMITIVES.filter((p) => SCALIFY_RULES[p] === PLAIN_ONLY);
    expect(plainOnly.sort()).toEqual(["and", "iota", "not", "or", "random_bits", "shift_right_logical"]);
    for (const prim of plainOnly) {
      for (const c of CASES[prim]) {
        const inputs = makeInputs(c, rng(7));
        const p = sf.trace(c.fn, ...inputs.plain.map((t) => sf.spec(t.dtype, [...t.shape])));
        const q = sf.passes.scalify(p, { scaledInputs: inputs.scaledIdx });
        const eqns = q.equations.filter((e) => e.primitive === prim);
        expect(eqns.length, `${c.name}: ${prim} is kept`).toBeGreaterThan(0);
        // Its operands and results are integers or booleans: never a data/scale pair.
        for (const e of eqns) for (const v of [...e.inputs, ...e.outputs]) expect(isFloat(v.aval.dtype), `${prim} operand`).toBe(false);
      }
    }
  });
});
