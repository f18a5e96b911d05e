// Arithmetic elementwise primitives: f32 exactness, low-precision inputs computed in f32 and
// rounded once, i32 wrapping, and the edge semantics of DESIGN.md.
import { describe, expect, it } from "vitest";
import type { DType } from "../../ir/dtype.js";
import { codes, ev, flat, rng, sameValues, t } from "./helpers.js";
import { decodeCode, FORMATS, roundTo } from "./oracle.js";

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const f = Math.fround;

/** Random f32 values spread over many binades, both signs. */
function randomF32(n: number, seed: number, maxExp = 20): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => f((r() < 0.5 ? -1 : 1) * (1 + r()) * 2 ** Math.floor(r() * 2 * maxExp - maxExp)));
}

describe("f32 + − × ÷ are correctly rounded", () => {
  const a = randomF32(2000, 1);
  const b = randomF32(2000, 2);
  const ops = { add: (x: number, y: number) => x + y, sub: (x: number, y: number) => x - y, mul: (x: number, y: number) => x * y, div: (x: number, y: number) => x / y };
  for (const [name, op] of Object.entries(ops)) {
    it(name, () => {
      // The exact result of two f32 operands, rounded once to f32: f64 holds the exact
      // sum/product and a faithfully rounded quotient, whose f32 rounding is the correct one.
      const got = flat(ev(name as "add", {}, t(a), t(b)));
      expect(sameValues(got, a.map((x, i) => f(op(x, b[i]!))))).toBe(true);
    });
  }
  it("broadcasts a rank-0 operand on either side", () => {
    expect(flat(ev("sub", {}, t([1, 2, 3]), t(1)))).toEqual([0, 1, 2]);
    expect(flat(ev("sub", {}, t(10), t([1, 2, 3])))).toEqual([9, 8, 7]);
    expect(ev("mul", {}, t(3), t(4)).shape).toEqual([]);
  });
  it("IEEE specials", () => {
    expect(flat(ev("div", {}, t([1, -1, 0, 1]), t([0, 0, 0, -0])))).toEqual([Infinity, -Infinity, NaN, -Infinity]);
    expect(flat(ev("add", {}, t([Infinity, 1e38 * 3]), t([-Infinity, 1e38 * 3])))).toEqual([NaN, Infinity]);
  });
});

describe("low-precision operands compute in f32 and round once", () => {
  const cases: [DType, number][] = [["f16", 0xffff], ["bf16", 0xffff], ["f8e4m3fn", 0xff], ["f8e5m2", 0xff]];
  for (const [dtype, maxCode] of cases) {
    it(`${dtype} add/mul/div/max`, () => {
      const r = rng(7);
      const n = 3000;
      const mk = () => Array.from({ length: n }, () => Math.floor(r() * (maxCode + 1)));
      const ca = mk();
      const cb = mk();
      const Arr = maxCode > 0xff ? Uint16Array : Uint8Array;
      const ta = codes(Arr.from(ca) as never, dtype);
      const tb = codes(Arr.from(cb) as never, dtype);
      const fmt = FORMATS[dtype as keyof typeof FORMATS];
      const va = ca.map((c) => decodeCode(c, dtype));
      const vb = cb.map((c) => decodeCode(c, dtype));
      const ops = { add: (x: number, y: number) => x + y, mul: (x: number, y: number) => x * y, div: (x: number, y: number) => x / y };
      for (const [name, op] of Object.entries(ops)) {
        const got = flat(ev(name as "add", {}, ta, tb));
        const want = va.map((x, i) => roundTo(f(op(x, vb[i]!)), fmt));
        expect(sameValues(got, want), `${dtype} ${name}`).toBe(true);
      }
    });
  }
  it("f16 overflow and fp8 non-saturating overflow", () => {
    expect(flat(ev("mul", {}, t([300], "f16"), t([300], "f16")))).toEqual([Infinity]);
    expect(flat(ev("mul", {}, t([16], "f8e4m3fn"), t([32], "f8e4m3fn")))).toEqual([NaN]);
    expect(flat(ev("add", {}, t([448], "f8e4m3fn"), t([16], "f8e4m3fn")))).toEqual([448]); // 464 rounds to 448
  });
  it("bf16: the exact f32 sum is rounded once to bf16", () => {
    // 1 + 1.5·2^-8 = 1.005859375 is exact in f32; its nearest bf16 (quantum 2^-7 near 1) is 1 + 2^-7.
    expect(flat(ev("add", {}, t([1], "bf16"), t([2 ** -8 + 2 ** -9], "bf16")))).toEqual([1.0078125]);
  });
});

describe("max / min", () => {
  it("propagate NaN from either side and order −0 < +0", () => {
    const a = t([NaN, 1, -0, 0, -0, 2]);
    const b = t([1, NaN, 0, -0, -0, -3]);
    expect(sameValues(flat(ev("max", {}, a, b)), [NaN, NaN, 0, 0, -0, 2])).toBe(true);
    expect(sameValues(flat(ev("min", {}, a, b)), [NaN, NaN, -0, -0, -0, -3])).toBe(true);
  });
  it("i32", () => {
    expect(flat(ev("max", {}, t([INT_MIN, 5], "i32"), t([INT_MAX, -5], "i32")))).toEqual([INT_MAX, 5]);
    expect(flat(ev("min", {}, t([INT_MIN, 5], "i32"), t([INT_MAX, -5], "i32")))).toEqual([INT_MIN, -5]);
  });
});

describe("i32 arithmetic wraps and never traps", () => {
  const i = (xs: number[]) => t(xs, "i32");
  it("add/sub/mul wrap", () => {
    expect(flat(ev("add", {}, i([INT_MAX, INT_MIN]), i([1, -1])))).toEqual([INT_MIN, INT_MAX]);
    expect(flat(ev("sub", {}, i([INT_MIN]), i([1])))).toEqual([INT_MAX]);
    expect(flat(ev("mul", {}, i([65536, 123456789, -7]), i([65536, 1000, 3])))).toEqual([0, Number(BigInt.asIntN(32, 123456789000n)), -21]);
  });
  it("div truncates; x / 0 = 0; INT_MIN / −1 = INT_MIN", () => {
    expect(flat(ev("div", {}, i([7, -7, 7, -7, 5, 0, INT_MIN, INT_MIN, INT_MAX]), i([2, 2, -2, -2, 0, 0, -1, 1, -1])))).toEqual([3, -3, -3, 3, 0, 0, INT_MIN, INT_MIN, -INT_MAX]);
  });
  it("neg/abs wrap at INT_MIN; sign", () => {
    expect(flat(ev("neg", {}, i([INT_MIN, 5, 0])))).toEqual([INT_MIN, -5, 0]);
    expect(flat(ev("abs", {}, i([INT_MIN, -5, 5])))).toEqual([INT_MIN, 5, 5]);
    expect(flat(ev("sign", {}, i([INT_MIN, -5, 0, 9])))).toEqual([-1, -1, 0, 1]);
  });
});

describe("unary float ops", () => {
  it("neg/abs/sign keep ±0 and NaN", () => {
    expect(sameValues(flat(ev("neg", {}, t([0, -0, 1]))), [-0, 0, -1])).toBe(true);
    expect(sameValues(flat(ev("abs", {}, t([-0, -2, NaN]))), [0, 2, NaN])).toBe(true);
    expect(sameValues(flat(ev("sign", {}, t([0, -0, NaN, -3, 1e-45, Infinity]))), [0, -0, NaN, -1, 1, 1])).toBe(true);
  });
  it("sqrt is correctly rounded; rsqrt = fround(1 / fround(sqrt x))", () => {
    const xs = randomF32(2000, 3).map(Math.abs);
    expect(sameValues(flat(ev("sqrt", {}, t(xs))), xs.map((x) => f(Math.sqrt(x))))).toBe(true);
    expect(sameValues(flat(ev("rsqrt", {}, t(xs))), xs.map((x) => f(1 / f(Math.sqrt(x)))))).toBe(true);
    expect(sameValues(flat(ev("sqrt", {}, t([-0, -1, Infinity]))), [-0, NaN, Infinity])).toBe(true);
    expect(sameValues(flat(ev("rsqrt", {}, t([4, 0, -0, -1, Infinity]))), [0.5, Infinity, -Infinity, NaN, 0])).toBe(true);
  });
});

describe("integer_pow: square-and-multiply in f32 (JAX's order), exact for i32", () => {
  it("y = 0 gives 1 even for NaN and Inf", () => {
    expect(flat(ev("integer_pow", { y: 0 }, t([NaN, Infinity, 0, 5])))).toEqual([1, 1, 1, 1]);
  });
  it("rounds after every multiplication", () => {
    const xs = randomF32(500, 4, 4);
    // y = 3: acc = x; base = x²; acc = x · base.  y = 5: base = x², base = base²; acc = x · base.
    const want3 = xs.map((x) => f(x * f(x * x)));
    const want5 = xs.map((x) => f(x * f(f(x * x) * f(x * x))));
    const wantM2 = xs.map((x) => f(1 / f(x * x)));
    expect(sameValues(flat(ev("integer_pow", { y: 3 }, t(xs))), want3)).toBe(true);
    expect(sameValues(flat(ev("integer_pow", { y: 5 }, t(xs))), want5)).toBe(true);
    expect(sameValues(flat(ev("integer_pow", { y: -2 }, t(xs))), wantM2)).toBe(true);
    expect(flat(ev("integer_pow", { y: 1 }, t([1.5, -2])))).toEqual([1.5, -2]);
  });
  it("i32 wraps; negative y truncates 1 / x^|y|", () => {
    expect(flat(ev("integer_pow", { y: 21 }, t([3, -3, 2], "i32")))).toEqual([
      Number(BigInt.asIntN(32, 3n ** 21n)),
      Number(BigInt.asIntN(32, (-3n) ** 21n)),
      2 ** 21,
    ]);
    expect(flat(ev("integer_pow", { y: -1 }, t([1, -1, 2, 0], "i32")))).toEqual([1, -1, 0, 0]);
  });
  it("bf16 input rounds once at the end", () => {
    // 1.0078125³ = 1.0236…: f32 products, then one bf16 rounding.
    const x = 1.0078125;
    expect(flat(ev("integer_pow", { y: 3 }, t([x], "bf16")))).toEqual([roundTo(f(x * f(x * x)), FORMATS.bf16)]);
  });
});
