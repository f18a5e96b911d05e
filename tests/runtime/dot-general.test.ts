// dot_general: lax semantics with batch dims and several contracting axes against the f64
// oracle (naive nested loops over explicit index math), the documented f32 accumulation order,
// i32 wrapping and mixed / low-precision dtypes.
import { describe, expect, it } from "vitest";
import type { Params } from "../../ir/primitives/catalogue.js";
import { ev, flat, randInt, rng, t } from "./helpers.js";
import * as o from "./oracle.js";
import { FORMATS, roundTo } from "./oracle.js";

type Dims = Params<"dot_general">["dimension_numbers"];
const dot = (dims: Dims, preferred: Params<"dot_general">["preferred_element_type"] = null) => ({ dimension_numbers: dims, preferred_element_type: preferred });

function shuffle<T>(r: () => number, xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = randInt(r, 0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Random operands with `nb` batch, `nk` contracting and some free dims, axes in random positions. */
function randomProblem(r: () => number, nb: number, nk: number): { a: o.Nd; b: o.Nd; dims: Dims } {
  const batch = Array.from({ length: nb }, () => randInt(r, 1, 3));
  const contract = Array.from({ length: nk }, () => randInt(r, 1, 4));
  const aFree = Array.from({ length: randInt(r, 0, 2) }, () => randInt(r, 1, 3));
  const bFree = Array.from({ length: randInt(r, 0, 2) }, () => randInt(r, 1, 3));
  // Roles in a random order per operand.
  const roles = (free: number[]) => shuffle(r, [...batch.map((_, i) => ["b", i] as const), ...contract.map((_, i) => ["k", i] as const), ...free.map((_, i) => ["f", i] as const)]);
  const ra = roles(aFree);
  const rb = roles(bFree);
  const sizeOf = (role: readonly [string, number], free: number[]) => (role[0] === "b" ? batch : role[0] === "k" ? contract : free)[role[1]]!;
  const where = (rs: (readonly [string, number])[], kind: string, i: number) => rs.findIndex(([k, j]) => k === kind && j === i);
  const mk = (rs: (readonly [string, number])[], free: number[]): o.Nd => {
    const shape = rs.map((role) => sizeOf(role, free));
    return { shape, data: Array.from({ length: o.prod(shape) }, () => Math.fround(r() * 4 - 2)) };
  };
  const dims: Dims = [
    [contract.map((_, i) => where(ra, "k", i)), contract.map((_, i) => where(rb, "k", i))],
    [batch.map((_, i) => where(ra, "b", i)), batch.map((_, i) => where(rb, "b", i))],
  ];
  return { a: mk(ra, aFree), b: mk(rb, bFree), dims };
}

describe("dot_general against the f64 oracle", () => {
  it("random problems with batch dims and several contracting axes (error ≤ K·2^-24·Σ|ab|)", () => {
    const r = rng(1);
    for (let trial = 0; trial < 60; trial++) {
      const { a, b, dims } = randomProblem(r, randInt(r, 0, 2), randInt(r, 1, 3));
      const got = ev("dot_general", dot(dims), t(a.data, "f32", a.shape), t(b.data, "f32", b.shape));
      const { out, absSum } = o.dotGeneral(a, b, dims);
      expect([...got.shape]).toEqual(out.shape);
      const K = o.prod(dims[0][0].map((d) => a.shape[d]!));
      flat(got).forEach((g, i) => expect(Math.abs(g - out.data[i]!)).toBeLessThanOrEqual((K + 1) * 2 ** -24 * absSum[i]!));
    }
  });
  it("exact on small integers: batched matmul with two contracting axes", () => {
    // out[b, i, j] = Σ_{k,l} a[b, k, i, l] · c[l, b, j, k]
    const r = rng(2);
    const a: o.Nd = { shape: [2, 3, 2, 4], data: Array.from({ length: 48 }, () => randInt(r, -5, 5)) };
    const c: o.Nd = { shape: [4, 2, 3, 3], data: Array.from({ length: 72 }, () => randInt(r, -5, 5)) };
    const dims: Dims = [[[1, 3], [3, 0]], [[0], [1]]];
    const got = ev("dot_general", dot(dims), t(a.data, "f32", a.shape), t(c.data, "f32", c.shape));
    expect([...got.shape]).toEqual([2, 2, 3]);
    expect(flat(got)).toEqual(o.dotGeneral(a, c, dims).out.data);
    const gotInt = ev("dot_general", dot(dims), t(a.data, "i32", a.shape), t(c.data, "i32", c.shape));
    expect(flat(gotInt)).toEqual(o.dotGeneral(a, c, dims).out.data);
  });
  it("a plain matmul by hand", () => {
    const got = ev("dot_general", dot([[[1], [0]], [[], []]]), t([[1, 2], [3, 4]]), t([[5, 6], [7, 8]]));
    expect(got.toArray()).toEqual([[19, 22], [43, 50]]);
  });
});

describe("the documented accumulation", () => {
  it("is f32, in order k = 0 … K−1, rounding each product and each partial sum", () => {
    // f32: 1e8 + 1 = 1e8 (ulp 8), then − 1e8 = 0, where the f64 sum is 1; cancelling first gives 1.
    const ones = t([1, 1, 1]);
    expect(flat(ev("dot_general", dot([[[0], [0]], [[], []]]), t([1e8, 1, -1e8]), ones))).toEqual([0]);
    expect(flat(ev("dot_general", dot([[[0], [0]], [[], []]]), t([1e8, -1e8, 1]), ones))).toEqual([1]);
  });
  it("contracting dims are walked row-major in the lhs's listed order", () => {
    // a[k0, k1] with k = (k1, k0) listed: order is a[0,0], a[1,0], a[0,1], a[1,1].
    const a = t([[1e8, -1e8], [1, 0]]);
    const ones = t([[1, 1], [1, 1]]);
    expect(flat(ev("dot_general", dot([[[1, 0], [1, 0]], [[], []]]), a, ones))).toEqual([0]); // 1e8 + 1 − 1e8 + 0
    expect(flat(ev("dot_general", dot([[[0, 1], [0, 1]], [[], []]]), a, ones))).toEqual([1]); // 1e8 − 1e8 + 1 + 0
  });
  it("i32 wraps", () => {
    expect(flat(ev("dot_general", dot([[[0], [0]], [[], []]]), t([65536, 2 ** 31 - 1], "i32"), t([65536, 2], "i32")))).toEqual([-2]);
  });
});

describe("dtypes", () => {
  it("fp8 operands give f32 by default (no rounding to fp8)", () => {
    const a = t([1.5, 2, 448], "f8e4m3fn");
    const b = t([3, 0.125, 2], "f8e5m2");
    const got = ev("dot_general", dot([[[0], [0]], [[], []]]), a, b);
    expect(got.dtype).toBe("f32");
    expect(flat(got)).toEqual([1.5 * 3 + 2 * 0.125 + 448 * 2]);
  });
  it("bf16 × f32 gives f32; preferred bf16 rounds once at the end", () => {
    const a = t([1, 1, 1, 1], "bf16");
    const b = t([256, 1, 1, 1]);
    expect(ev("dot_general", dot([[[0], [0]], [[], []]]), a, b).dtype).toBe("f32");
    const pref = ev("dot_general", dot([[[0], [0]], [[], []]], "bf16"), a, t([256, 1, 1, 1], "bf16"));
    expect(pref.dtype).toBe("bf16");
    expect(flat(pref)).toEqual([roundTo(259, FORMATS.bf16)]); // 259 → 260 in bf16, not 256 (no per-step rounding)
  });
  it("preferred f8e4m3fn follows the non-saturating cast (overflow → NaN)", () => {
    const got = ev("dot_general", dot([[[0], [0]], [[], []]], "f8e4m3fn"), t([300, 300], "bf16"), t([1, 1], "bf16"));
    expect(flat(got)).toEqual([NaN]);
  });
});
