// Transcendentals: within 2 ulp (f32) of the f64 result (DESIGN.md "Where the backends must
// agree"), special values, erf's algorithm against an independent series, and low-precision
// inputs rounded once.
import { describe, expect, it } from "vitest";
import { erf } from "../../runtime/kernels/erf.js";
import { ev, flat, rng, sameValues, t, ulpError } from "./helpers.js";
import { erfRef, FORMATS, roundTo } from "./oracle.js";

const f = Math.fround;

/** n random f32 values uniform in [lo, hi]. */
function uniform(n: number, lo: number, hi: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => f(lo + (hi - lo) * r()));
}

// f64 references, written independently of the kernels where a second formula exists.
const REFERENCES = {
  exp: { ref: Math.exp, inputs: uniform(5000, -87, 88, 1) },
  log: { ref: Math.log, inputs: [...uniform(2500, 1e-30, 10, 2), ...uniform(2500, 10, 1e30, 3)] },
  tanh: { ref: (x: number) => (Math.abs(x) < 0.5 ? Math.tanh(x) : Math.sign(x) * (1 - 2 / (Math.exp(2 * Math.abs(x)) + 1))), inputs: uniform(5000, -12, 12, 4) },
  logistic: { ref: (x: number) => (x < 0 ? Math.exp(x) / (1 + Math.exp(x)) : 1 / (1 + Math.exp(-x))), inputs: uniform(5000, -80, 30, 5) },
  erf: { ref: erfRef, inputs: [...uniform(4000, -5, 5, 6), ...uniform(1000, -0.5, 0.5, 7)] },
  sin: { ref: Math.sin, inputs: uniform(5000, -100, 100, 8) },
  cos: { ref: Math.cos, inputs: uniform(5000, -100, 100, 9) },
} as const;

describe("within 2 ulp of f64 on random inputs", () => {
  for (const [name, { ref, inputs }] of Object.entries(REFERENCES)) {
    it(name, () => {
      const got = flat(ev(name as "exp", {}, t(inputs)));
      const worst = Math.max(...got.map((g, i) => ulpError(g, ref(inputs[i]!))));
      expect(worst).toBeLessThanOrEqual(2);
    });
  }
  it("pow", () => {
    const a = uniform(3000, 0, 20, 10);
    const b = uniform(3000, -8, 8, 11);
    const got = flat(ev("pow", {}, t(a), t(b)));
    // exp(b·log a) in f64 is accurate to ~1e-14 relative here, far below an f32 ulp.
    const worst = Math.max(...got.map((g, i) => ulpError(g, Math.exp(b[i]! * Math.log(a[i]!)))));
    expect(worst).toBeLessThanOrEqual(2);
  });
});

describe("special values", () => {
  const cases: [string, number[], number[]][] = [
    ["exp", [-Infinity, Infinity, NaN, 0, -0, 89, -104], [0, Infinity, NaN, 1, 1, Infinity, 0]],
    ["log", [0, -0, -1, Infinity, 1, NaN], [-Infinity, -Infinity, NaN, Infinity, 0, NaN]],
    ["tanh", [Infinity, -Infinity, -0, NaN, 20], [1, -1, -0, NaN, 1]],
    ["logistic", [Infinity, -Infinity, 0, NaN, -200], [1, 0, 0.5, NaN, 0]],
    ["erf", [Infinity, -Infinity, -0, 0, NaN, 4.5, -30], [1, -1, -0, 0, NaN, 1, -1]],
    ["sin", [Infinity, -0, NaN], [NaN, -0, NaN]],
    ["cos", [Infinity, 0, NaN], [NaN, 1, NaN]],
  ];
  for (const [name, xs, want] of cases) it(name, () => expect(sameValues(flat(ev(name as "exp", {}, t(xs))), want)).toBe(true));
  it("pow follows C99 pow where JS Math.pow differs", () => {
    const a = t([1, 1, -1, -1, 2, 0, -8, NaN, 0]);
    const b = t([NaN, Infinity, Infinity, -Infinity, 0.5, -1, 1 / 3, 0, 0]);
    expect(sameValues(flat(ev("pow", {}, a, b)), [1, 1, 1, 1, f(Math.SQRT2), Infinity, NaN, 1, 1])).toBe(true);
  });
});

describe("erf: Cody's rational approximation (f64)", () => {
  it("agrees with the independent reference (series / continued fraction) to ~1e-15 relative", () => {
    const xs = [...uniform(3000, -6, 6, 12), 1e-20, 0.46875, 0.46876, 4, 4.0001, 1e-8];
    const worst = Math.max(...xs.map((x) => Math.abs(erf(x) - erfRef(x)) / Math.abs(erfRef(x))));
    expect(worst).toBeLessThanOrEqual(2e-15); // both sides carry ~1e-15 of error
  });
  it("is odd and monotone across the interval breaks", () => {
    for (const x of [0.3, 0.46875, 0.5, 2, 4, 4.5, 10]) expect(erf(-x)).toBe(-erf(x));
    const ys = [0.4687, 0.46875, 0.46876, 3.9999, 4, 4.0001].map(erf);
    for (let i = 1; i < ys.length; i++) expect(ys[i]!).toBeGreaterThan(ys[i - 1]!);
  });
});

describe("low-precision inputs compute in f32 and round once", () => {
  for (const dtype of ["f16", "bf16", "f8e4m3fn", "f8e5m2"] as const) {
    it(`${dtype} exp/tanh/erf`, () => {
      const x = t(uniform(500, -4, 4, 13), dtype);
      const xs = flat(x);
      for (const [name, ref] of [["exp", Math.exp], ["tanh", Math.tanh], ["erf", erfRef]] as const) {
        const got = flat(ev(name, {}, x));
        // The kernel's f32 result is within 2 f32 ulp of ref; after the single rounding to the
        // narrow dtype it is the nearest or next-nearest value of that dtype.
        got.forEach((g, i) => {
          const want = roundTo(f(ref(xs[i]!)), FORMATS[dtype]);
          const ulp = 2 ** (Math.floor(Math.log2(Math.max(Math.abs(want), 2 ** FORMATS[dtype].minExp))) - FORMATS[dtype].mantissa);
          expect(Math.abs(g - want), `${dtype} ${name}(${xs[i]})`).toBeLessThanOrEqual(ulp);
        });
      }
    });
  }
});
