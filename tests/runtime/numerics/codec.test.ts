// The dtype-generic API: encode/decode/round for every dtype, scalar paths agreeing with the
// bulk ones, i32/bool conversion rules (DESIGN.md "Edge semantics"), and cast statistics.
import { describe, expect, it } from "vitest";
import { DTYPES } from "../../../ir/dtype.js";
import {
  decode,
  decodeScalar,
  encode,
  encodeScalar,
  encodeWithStats,
  round,
  roundScalar,
  scalarRounder,
} from "../../../runtime/numerics/codec.js";
import * as numerics from "../../../runtime/numerics/index.js";
import { randomF32 } from "./oracle.js";

const same = (a: number, b: number) => (Number.isNaN(b) ? Number.isNaN(a) : Object.is(a, b));

describe("encode / decode storage classes", () => {
  it("returns the storage of each dtype", () => {
    const xs = [1.5, -2, 0];
    expect(encode(xs, "f32")).toEqual(new Float32Array([1.5, -2, 0]));
    expect(encode(xs, "f16")).toBeInstanceOf(Uint16Array);
    expect(encode(xs, "bf16")).toEqual(new Uint16Array([0x3fc0, 0xc000, 0]));
    expect(encode(xs, "f8e4m3fn")).toEqual(new Uint8Array([0x3c, 0xc0, 0]));
    expect(encode(xs, "f8e5m2")).toEqual(new Uint8Array([0x3e, 0xc0, 0]));
    expect(encode(xs, "i32")).toEqual(new Int32Array([1, -2, 0]));
    expect(encode(xs, "bool")).toEqual(new Uint8Array([1, 1, 0]));
  });

  it("decode rejects storage of the wrong class", () => {
    expect(() => decode(new Uint8Array(2), "f16")).toThrow(TypeError);
    expect(() => decode(new Float32Array(2), "i32")).toThrow(TypeError);
  });

  it("decode copies f32 and converts i32/bool", () => {
    const f = new Float32Array([1, NaN]);
    const d = decode(f, "f32");
    expect(d).not.toBe(f);
    expect(d).toEqual(f);
    expect(decode(new Int32Array([16777217, -3]), "i32")).toEqual(new Float32Array([16777216, -3]));
    expect(decode(new Uint8Array([0, 1, 7]), "bool")).toEqual(new Float32Array([0, 1, 1]));
  });

  it("goes through Math.fround before rounding (f32-input semantics)", () => {
    // 1 + 2^-11 + 2^-40 is above the f16 tie in f64 but exactly the tie after fround → even (1).
    expect(encode([1 + 2 ** -11 + 2 ** -40], "f16")[0]).toBe(0x3c00);
    expect(encodeScalar(1 + 2 ** -11 + 2 ** -40, "f16")).toBe(0x3c00);
  });
});

describe("i32 and bool conversions", () => {
  it("truncates toward zero, saturates, NaN → 0", () => {
    const xs = [2.9, -2.9, -0.5, 1e10, -1e10, Infinity, -Infinity, NaN, 2147483647.5, 16777217];
    const want = [2, -2, 0, 2147483647, -2147483648, 2147483647, -2147483648, 0, 2147483647, 16777217];
    expect(Array.from(encode(xs, "i32"))).toEqual(want);
    expect(xs.map((x) => encodeScalar(x, "i32"))).toEqual(want);
    expect(xs.map((x) => roundScalar(x, "i32"))).toEqual(want);
  });

  it("bool is x != 0, NaN → 1 (as numpy)", () => {
    expect(Array.from(encode([0, -0, NaN, 1e-50, -3, Infinity], "bool"))).toEqual([0, 0, 1, 1, 1, 1]);
    expect(decodeScalar(5, "bool")).toBe(1);
  });
});

describe("scalar paths agree with the bulk paths", () => {
  const xs = randomF32(30_000, 42, 100, 150, 2);
  it.each(DTYPES.map((d) => [d]))("%s", (dtype) => {
    for (const saturate of [false, true]) {
      const codes = encode(xs, dtype, { saturate });
      const rounded = round(xs, dtype, { saturate });
      const r = scalarRounder(dtype, saturate);
      let bad = 0;
      for (let i = 0; i < xs.length; i++) {
        const x = xs[i]!;
        const code = encodeScalar(x, dtype, saturate);
        const v = Math.fround(decodeScalar(code, dtype)); // i32 decodes exactly; bulk is f32
        const ok =
          same(code, codes[i]!) &&
          same(v, rounded[i]!) &&
          same(Math.fround(roundScalar(x, dtype, saturate)), rounded[i]!) &&
          same(Math.fround(r(x)), rounded[i]!);
        if (!ok) bad++;
      }
      expect(bad).toBe(0);
    }
  });

  it("encodes plain number arrays like Float32Array inputs", () => {
    const plain = Array.from(xs);
    for (const dtype of ["f16", "bf16", "f8e4m3fn", "f8e5m2"] as const) {
      const a = encode(plain, dtype, { saturate: true });
      const b = encode(xs, dtype, { saturate: true });
      expect(a.every((c, i) => c === b[i])).toBe(true);
    }
  });
});

describe("encodeWithStats", () => {
  it("counts saturation, flush to zero and non-finite outputs (e4m3fn)", () => {
    const xs = [1, 464, 464.00003, 1e6, -1e6, Infinity, NaN, 2 ** -11, -(2 ** -12), 0, 2 ** -9];
    const plain = encodeWithStats(xs, "f8e4m3fn");
    expect(plain.stats).toEqual({ saturated: 3, flushedToZero: 2, nonFinite: 5 });
    expect(plain.storage).toEqual(encode(xs, "f8e4m3fn"));
    const sat = encodeWithStats(xs, "f8e4m3fn", { saturate: true });
    // Same overflowing inputs, now clamped: only NaN stays non-finite (+Inf → 448 is not "saturated":
    // the count is of finite inputs).
    expect(sat.stats).toEqual({ saturated: 3, flushedToZero: 2, nonFinite: 1 });
    expect(Array.from(decode(sat.storage, "f8e4m3fn")).slice(1, 6)).toEqual([448, 448, 448, -448, 448]);
  });

  it("e5m2, f16, bf16, f32", () => {
    expect(encodeWithStats([61440, -Infinity, 1e-9, 3], "f8e5m2").stats).toEqual({
      saturated: 1,
      flushedToZero: 1,
      nonFinite: 2,
    });
    expect(encodeWithStats([61440, -Infinity, 1e-9, 3], "f8e5m2", { saturate: true }).stats).toEqual({
      saturated: 1,
      flushedToZero: 1,
      nonFinite: 0,
    });
    expect(encodeWithStats([65520, 65519, 2 ** -26, -0], "f16", { saturate: true }).stats).toEqual({
      saturated: 1,
      flushedToZero: 1,
      nonFinite: 1,
    });
    expect(encodeWithStats([3.4e38, 1e-39, 1e-42], "bf16").stats).toEqual({
      saturated: 1,
      flushedToZero: 1, // 1e-39 stays a subnormal; 1e-42 is below half of bf16's 2^-133 quantum
      nonFinite: 1,
    });
    expect(encodeWithStats([1e39, 1e-50, NaN, 1], "f32").stats).toEqual({
      saturated: 1,
      flushedToZero: 1,
      nonFinite: 2,
    });
  });

  it("i32 and bool", () => {
    expect(encodeWithStats([3e9, -3e9, 0.5, NaN, Infinity, 7], "i32").stats).toEqual({
      saturated: 2,
      flushedToZero: 1,
      nonFinite: 0,
    });
    expect(encodeWithStats([NaN, 1e-50, 0], "bool").stats).toEqual({ saturated: 0, flushedToZero: 0, nonFinite: 0 });
  });
});

describe("index", () => {
  it("re-exports the public pieces", () => {
    for (const name of ["encode", "decode", "round", "roundScalar", "encodeScalar", "decodeScalar", "encodeWithStats"]) {
      expect(typeof (numerics as Record<string, unknown>)[name]).toBe("function");
    }
    expect(numerics.pow2.roundDown(5)).toBe(4);
    expect(numerics.roundUp(5)).toBe(8);
    expect(numerics.decompose(12)).toEqual({ scale: 8, mantissa: 1.5 });
  });
});
