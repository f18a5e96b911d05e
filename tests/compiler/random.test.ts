// sf.random: determinism, distributions, independence of split streams, permutations.
import { describe, expect, it } from "vitest";
import * as random from "../../compiler/random.js";
import * as ops from "../../compiler/ops/index.js";
import { spec, trace } from "../../compiler/trace.js";
import { interpret } from "../../runtime/interpreter.js";
import { flat, prims, t } from "./op-helpers.js";

const N = 100_000;

function moments(v: number[]): { mean: number; variance: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return { mean, variance: v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length };
}

describe("keys", () => {
  it("key splits the seed into two 32-bit words", () => {
    expect(flat(random.key(0))).toEqual([0, 0]);
    expect(flat(random.key(42))).toEqual([0, 42]);
    expect(flat(random.key(2 ** 32 + 5))).toEqual([1, 5]);
    expect(flat(random.key(-1))).toEqual([-1, -1]);
    expect(random.key(1).dtype).toBe("i32");
    expect(() => random.key(0.5)).toThrow(/seed/);
  });

  it("split gives num distinct keys, deterministically", () => {
    const k = random.key(7);
    const s = random.split(k, 3);
    expect(s.shape).toEqual([3, 2]);
    expect(flat(s)).toEqual(flat(random.split(random.key(7), 3)));
    const keys = [0, 1, 2].map((i) => flat(s).slice(2 * i, 2 * i + 2).join(","));
    expect(new Set(keys).size).toBe(3);
  });

  it("split streams differ from each other", () => {
    const s = random.split(random.key(1));
    const k0 = ops.take(s, 0, 0, { mode: "clip" });
    const k1 = ops.take(s, 1, 0, { mode: "clip" });
    const a = flat(random.uniform(k0, [1000]));
    const b = flat(random.uniform(k1, [1000]));
    expect(a.filter((v, i) => v === b[i]!).length).toBeLessThan(5);
    // correlation near 0
    const ma = moments(a).mean;
    const mb = moments(b).mean;
    const cov = a.reduce((s2, v, i) => s2 + (v - ma) * (b[i]! - mb), 0) / a.length;
    expect(Math.abs(cov / Math.sqrt(moments(a).variance * moments(b).variance))).toBeLessThan(0.1);
  });
});

describe("uniform", () => {
  it("is deterministic per key and differs across seeds", () => {
    expect(flat(random.uniform(random.key(3), [8]))).toEqual(flat(random.uniform(random.key(3), [8])));
    expect(flat(random.uniform(random.key(3), [8]))).not.toEqual(flat(random.uniform(random.key(4), [8])));
  });

  it("lies in [0, 1) on a 2^-24 grid with mean ≈ 0.5 and variance ≈ 1/12", () => {
    const u = flat(random.uniform(random.key(0), [N]));
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(u.every((v) => Number.isInteger(v * 2 ** 24))).toBe(true);
    const { mean, variance } = moments(u);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
  });

  it("respects minval/maxval and low-precision dtypes never round up to 1", () => {
    const u = flat(random.uniform(random.key(5), [1000], { minval: -2, maxval: 3 }));
    expect(u.every((v) => v >= -2 && v < 3)).toBe(true);
    expect(Math.abs(moments(u).mean - 0.5)).toBeLessThan(0.2);
    for (const dtype of ["f16", "bf16", "f8e4m3fn", "f8e5m2"] as const) {
      const h = random.uniform(random.key(5), [2000], { dtype });
      expect(h.dtype).toBe(dtype);
      expect(flat(h).every((v) => v >= 0 && v < 1)).toBe(true);
    }
    expect(() => random.uniform(random.key(0), [2], { dtype: "i32" })).toThrow(/float/);
  });

  it("is built from primitives: traced with the key as input, it reproduces the eager stream", () => {
    const p = trace((k) => random.uniform(k, [64]), spec("i32", [2]));
    expect(prims(p)).toEqual(["random_bits", "shift_right_logical", "convert_element_type", "mul"]);
    const k = random.key(11);
    expect(flat(interpret(p, [k])[0]!)).toEqual(flat(random.uniform(k, [64])));
  });
});

describe("normal", () => {
  it("has mean ≈ 0 and variance ≈ 1 and is finite", () => {
    const z = flat(random.normal(random.key(0), [N]));
    expect(z.every(Number.isFinite)).toBe(true);
    const { mean, variance } = moments(z);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    // about 68% within one standard deviation
    expect(Math.abs(z.filter((v) => Math.abs(v) < 1).length / N - 0.6827)).toBeLessThan(0.01);
  });

  it("has the requested shape and dtype, and traces like it runs", () => {
    const z = random.normal(random.key(1), [3, 4], { dtype: "bf16" });
    expect(z.shape).toEqual([3, 4]);
    expect(z.dtype).toBe("bf16");
    const p = trace((k) => random.normal(k, [3, 4], { dtype: "bf16" }), spec("i32", [2]));
    expect(flat(interpret(p, [random.key(1)])[0]!)).toEqual(flat(z));
  });
});

describe("bernoulli", () => {
  it("is true with probability p", () => {
    const b = random.bernoulli(random.key(2), 0.3, [N]);
    expect(b.dtype).toBe("bool");
    expect(Math.abs(flat(b).filter((v) => v === 1).length / N - 0.3)).toBeLessThan(0.01);
  });
});

describe("permutation", () => {
  it("is a permutation, deterministic per key, and varies with the key", () => {
    const p = flat(random.permutation(random.key(0), 50));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(flat(random.permutation(random.key(0), 50))).toEqual(p);
    expect(flat(random.permutation(random.key(1), 50))).not.toEqual(p);
    expect(flat(random.permutation(random.key(0), 0))).toEqual([]);
  });

  it("permutes a tensor along its first axis", () => {
    const x = t([[1, 1], [2, 2], [3, 3]]);
    const y = flat(random.permutation(random.key(9), x));
    expect(y.length).toBe(6);
    expect([y[0], y[2], y[4]].sort()).toEqual([1, 2, 3]);
    expect(y[0]).toBe(y[1]);
  });

  it("with a concrete key inside a trace becomes a constant; a traced key is an error", () => {
    const k = random.key(0);
    const p = trace((x) => ops.take(x, random.permutation(k, 4), 0, { mode: "clip" }), spec("f32", [4]));
    expect(p.constants.length).toBe(1);
    expect(() => trace((key) => random.permutation(key, 4), spec("i32", [2]))).toThrow(/concrete key/);
  });
});
