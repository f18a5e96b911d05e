// pow2 helpers: the jax-scalify pow2_* cases from tests/fixtures/scalify-cases.json, plus
// subnormals, boundaries and special values (DESIGN.md "Public API": sf.pow2).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { round } from "../../../runtime/numerics/codec.js";
import {
  decompose,
  decomposeArray,
  roundDown,
  roundDownArray,
  roundUp,
  roundUpArray,
} from "../../../runtime/numerics/pow2.js";
import { f32FromBits } from "./oracle.js";

type Num = number | "inf" | "-inf" | "nan";
interface Pow2Case {
  id: string;
  op: string;
  inputs: { vin: Num[]; vin_dtype: "float16" | "float32" };
  expected: { scale: Num[]; mantissa: Num[] };
}
const all = JSON.parse(readFileSync(new URL("../../fixtures/scalify-cases.json", import.meta.url), "utf8")) as {
  cases: { id: string; op: string }[];
};
const cases = all.cases.filter((c) => c.id.startsWith("pow2_")) as Pow2Case[];

const num = (v: Num): number => (v === "inf" ? Infinity : v === "-inf" ? -Infinity : v === "nan" ? NaN : v);
const same = (a: number, b: number) => (Number.isNaN(b) ? Number.isNaN(a) : Object.is(a, b));

describe("scalify-cases pow2_*", () => {
  it("has the decompose cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(3);
    for (const c of cases) expect(c.op).toMatch(/^pow2_decompose\(.*mode=DOWN/);
  });

  it.each(cases.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    // "decimal literals cast to vin_dtype first"
    const dtype = c.inputs.vin_dtype === "float16" ? "f16" : "f32";
    const vin = round(c.inputs.vin.map(num), dtype);
    const arr = decomposeArray(vin);
    vin.forEach((x, i) => {
      const want = { scale: num(c.expected.scale[i]!), mantissa: num(c.expected.mantissa[i]!) };
      const got = decompose(x);
      expect(same(got.scale, want.scale), `scale of ${x}`).toBe(true);
      expect(same(got.mantissa, want.mantissa), `mantissa of ${x}`).toBe(true);
      expect(same(arr.scale[i]!, want.scale)).toBe(true);
      expect(same(arr.mantissa[i]!, want.mantissa)).toBe(true);
      // invariant: scale * mantissa == vin bitwise (finite values)
      if (Number.isFinite(x)) expect(Object.is(Math.fround(got.scale * got.mantissa), x)).toBe(true);
    });
  });
});

const MIN_SUB = 2 ** -149;
const MIN_NORMAL = 2 ** -126;
const F32_MAX = f32FromBits(0x7f7fffff);

describe("roundDown / roundUp", () => {
  const table: [number, number, number][] = [
    // x, roundDown, roundUp
    [1, 1, 1],
    [3, 2, 4],
    [4.472, 4, 8], // scaled_add_pow2_round_down case
    [0.3, 0.25, 0.5],
    [-3, -2, -4],
    [-0.75, -0.5, -1],
    [MIN_SUB, MIN_SUB, MIN_SUB],
    [3 * MIN_SUB, 2 * MIN_SUB, 4 * MIN_SUB],
    [-5 * MIN_SUB, -4 * MIN_SUB, -8 * MIN_SUB],
    [MIN_NORMAL - MIN_SUB, 2 ** -127, MIN_NORMAL], // largest subnormal rounds up to the smallest normal
    [MIN_NORMAL, MIN_NORMAL, MIN_NORMAL],
    [MIN_NORMAL + MIN_SUB, MIN_NORMAL, 2 ** -125],
    [F32_MAX, 2 ** 127, Infinity], // 2^128 is not an f32
    [2 ** 127, 2 ** 127, 2 ** 127],
    [Infinity, Infinity, Infinity],
    [-Infinity, -Infinity, -Infinity],
  ];
  it.each(table)("%s → down %s, up %s", (x, down, up) => {
    expect(roundDown(x)).toBe(down);
    expect(roundUp(x)).toBe(up);
    expect(Array.from(roundDownArray(new Float32Array([x])))).toEqual([down]);
    expect(Array.from(roundUpArray(new Float32Array([x])))).toEqual([up]);
  });

  it("keeps ±0 and NaN, and works in f32 (fround first)", () => {
    expect(Object.is(roundDown(-0), -0)).toBe(true);
    expect(Object.is(roundUp(0), 0)).toBe(true);
    expect(roundDown(NaN)).toBeNaN();
    expect(roundUp(NaN)).toBeNaN();
    expect(roundDown(1e-50)).toBe(0); // underflows in f32
    expect(roundUp(1 + 2 ** -30)).toBe(1); // fround(1 + 2^-30) = 1
    expect(roundDown(new Float32Array([6, -6]))).toEqual(new Float32Array([4, -4]));
    expect(roundUp(new Float32Array([6, -6]))).toEqual(new Float32Array([8, -8]));
  });

  it("matches 2^floor/ceil(log2|x|) on random normal f32 values", () => {
    const xs = new Float32Array(10_000).map((_, i) => Math.fround((i % 2 ? -1 : 1) * Math.exp((i - 5000) / 100)));
    let bad = 0;
    for (const x of xs) {
      const a = Math.abs(x);
      let e = Math.floor(Math.log2(a));
      while (2 ** e > a) e--;
      while (2 ** (e + 1) <= a) e++;
      const up = 2 ** e === a ? a : 2 ** (e + 1);
      if (roundDown(x) !== Math.sign(x) * 2 ** e || roundUp(x) !== Math.sign(x) * up) bad++;
    }
    expect(bad).toBe(0);
  });
});

describe("decompose", () => {
  it("splits subnormals exactly", () => {
    for (const x of [MIN_SUB, -3 * MIN_SUB, MIN_NORMAL - MIN_SUB, 5.960464477539063e-8]) {
      const { scale, mantissa } = decompose(x);
      expect(scale).toBe(Math.abs(roundDown(x)));
      expect(Math.abs(mantissa)).toBeGreaterThanOrEqual(1);
      expect(Math.abs(mantissa)).toBeLessThan(2);
      expect(Math.fround(mantissa)).toBe(mantissa);
      expect(scale * mantissa).toBe(x);
    }
    expect(decompose(MIN_NORMAL - MIN_SUB)).toEqual({ scale: 2 ** -127, mantissa: 2 - 2 ** -22 });
  });

  it("handles zeros and specials", () => {
    const z = decompose(-0);
    expect(z.scale).toBe(0);
    expect(Object.is(z.mantissa, -0)).toBe(true);
    expect(decompose(0)).toEqual({ scale: 0, mantissa: 0 });
    expect(decompose(-Infinity)).toEqual({ scale: Infinity, mantissa: -Infinity });
    const n = decompose(NaN);
    expect(n.scale).toBe(Infinity);
    expect(n.mantissa).toBeNaN();
    expect(decompose(-6)).toEqual({ scale: 4, mantissa: -1.5 });
    expect(decompose(new Float32Array([-6, 0]))).toEqual({
      scale: new Float32Array([4, 0]),
      mantissa: new Float32Array([-1.5, 0]),
    });
  });
});
