// convert_element_type from every dtype to every dtype against the format definitions, the
// ml_dtypes conversion vectors through the primitive, cast statistics, and reduce_precision
// against its XLA definition.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DTYPES, isFp8, type DType, type StorageMap } from "../../ir/dtype.js";
import { newCastStats } from "../../runtime/interpreter.js";
import type { Tensor } from "../../runtime/tensor.js";
import { codes, ev, evAll, flat, rng, sameValues, t } from "./helpers.js";
import { decodeCode, FORMATS, reducePrecisionValue, roundTo, toI32 } from "./oracle.js";

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/** Sample operands of each dtype: every code of the 8-bit formats, a stride of the 16-bit ones. */
function samples(dtype: DType): Tensor {
  switch (dtype) {
    case "f32":
      return t([0, -0, 1, -1.5, 0.1, 2 ** -149, -(2 ** -130), 65504, 65519.99, 65520, 448, 464, 464.00003, 57344, 61440, 1e10, -3e38, 3.4e38, Infinity, -Infinity, NaN, 2.5, -2.5, 1e-6, 2 ** 31, -(2 ** 31) - 1e3, 123456789, 0.49999997]);
    case "i32":
      return t([0, 1, -1, 7, -7, 255, 448, 464, 65504, 65520, 2 ** 24 + 1, 16777219, 123456789, INT_MAX, INT_MIN], "i32");
    case "bool":
      return t([0, 1], "bool");
    case "f16":
    case "bf16":
      return codes(Uint16Array.from({ length: 65536 / 3 }, (_, i) => i * 3), dtype);
    default:
      return codes(Uint8Array.from({ length: 256 }, (_, i) => i), dtype);
  }
}

/** Values of a tensor from the format definitions (not the codec). */
function valuesOf(x: Tensor): number[] {
  const s = x.storage as ArrayLike<number>;
  if (x.dtype === "f32" || x.dtype === "i32" || x.dtype === "bool") return Array.from(s);
  return Array.from(s, (c) => decodeCode(c, x.dtype));
}

/** The cast's definition (DESIGN.md "Dtypes and numerics", "Edge semantics"). */
function expected(v: number, to: DType, saturate: boolean): number {
  if (to === "i32") return toI32(v);
  if (to === "bool") return v !== 0 ? 1 : 0; // NaN → true
  // Every float conversion takes the value through f32 first (exact for f32 and narrower floats;
  // for i32 above 2^24 it is XLA's int → f32 → bf16 path). saturate applies to fp8 only.
  return roundTo(Math.fround(v), FORMATS[to], saturate && isFp8(to));
}

describe("convert_element_type: every dtype to every dtype", () => {
  for (const from of DTYPES) {
    for (const to of DTYPES) {
      it(`${from} → ${to}`, () => {
        const x = samples(from);
        const vals = valuesOf(x);
        for (const saturate of [false, true]) {
          const y = ev("convert_element_type", { new_dtype: to, saturate }, x);
          expect(y.dtype).toBe(to);
          const got = valuesOf(y);
          const want = vals.map((v) => expected(v, to, saturate));
          const bad = got.flatMap((g, i) => (sameValues([g], [want[i]!]) ? [] : [`${vals[i]} → ${g}, want ${want[i]}`]));
          expect(bad.slice(0, 5)).toEqual([]);
        }
      });
    }
  }
  it("float → i32 truncates toward zero, saturates, NaN → 0", () => {
    const y = ev("convert_element_type", { new_dtype: "i32", saturate: false }, t([2.9, -2.9, -0.5, 3e9, -3e9, NaN, Infinity, -Infinity]));
    expect(flat(y)).toEqual([2, -2, 0, INT_MAX, INT_MIN, 0, INT_MAX, INT_MIN]);
  });
  it("float → bool is x ≠ 0 (NaN → true, −0 → false)", () => {
    expect(flat(ev("convert_element_type", { new_dtype: "bool", saturate: false }, t([0, -0, NaN, 1e-45])))).toEqual([0, 0, 1, 1]);
  });
});

describe("ml_dtypes vectors through convert_element_type (f32 → low precision)", () => {
  const vectors = JSON.parse(readFileSync(new URL("../fixtures/numerics-vectors.json", import.meta.url), "utf8")) as {
    formats: Record<string, Record<string, [string, number | "nan"][]>>;
  };
  for (const [format, modes] of Object.entries(vectors.formats)) {
    for (const [mode, list] of Object.entries(modes)) {
      it(`${format} ${mode} (${list.length} vectors)`, () => {
        const bits = Uint32Array.from(list, ([hex]) => Number.parseInt(hex, 16));
        const x = codes(new Float32Array(bits.buffer), "f32");
        const y = ev("convert_element_type", { new_dtype: format as DType, saturate: mode === "sat" }, x);
        const got = Array.from(y.storage as ArrayLike<number>);
        const bad = list.flatMap(([hex, want], i) => {
          const ok = want === "nan" ? Number.isNaN(decodeCode(got[i]!, format as DType)) : got[i] === want;
          return ok ? [] : [`${hex} → ${got[i]}, want ${want}`];
        });
        expect(bad.slice(0, 5)).toEqual([]);
      });
    }
  }
});

describe("cast statistics", () => {
  const x = t([1e6, 1e-10, NaN, Infinity, 1, 0, -1e-12]);
  it("count saturated, flushed-to-zero and non-finite values of casts to low-precision floats", () => {
    const stats = newCastStats();
    evAll("convert_element_type", { new_dtype: "f8e4m3fn", saturate: false }, [x], { castStats: stats });
    // 1e6 overflows (→ NaN); 1e-10 and −1e-12 flush; NaN, Inf and the overflowed 1e6 are non-finite.
    expect(stats).toEqual({ saturated: 1, flushedToZero: 2, nonFinite: 3 });
    evAll("convert_element_type", { new_dtype: "f8e4m3fn", saturate: true }, [x], { castStats: stats });
    // Saturating: 1e6 → 448 and Inf → 448 are finite; only NaN stays non-finite.
    expect(stats).toEqual({ saturated: 2, flushedToZero: 4, nonFinite: 4 });
  });
  it("count by the format definitions at each format's overflow boundary, saturating or not", () => {
    // The largest finite value of each format, the rounding midpoint above it and f32 neighbours.
    const edges = [448, 464, 480, 57344, 61440, 65504, 65520, 3.3895313892515355e38, 3.396e38].flatMap((v) => [v, Math.fround(v * (1 - 2 ** -24)), Math.fround(v * (1 + 2 ** -23))]);
    const vals = [...(samples("f32").storage as Float32Array), ...edges.flatMap((v) => [v, -v])];
    for (const to of ["f16", "bf16", "f8e4m3fn", "f8e5m2"] as const)
      for (const saturate of [false, true]) {
        const stats = newCastStats();
        evAll("convert_element_type", { new_dtype: to, saturate }, [t(vals)], { castStats: stats });
        const want = newCastStats();
        for (const v of vals.map(Math.fround)) {
          const y = expected(v, to, saturate);
          want.nonFinite += Number(!Number.isFinite(y));
          want.flushedToZero += Number(Number.isFinite(v) && v !== 0 && y === 0);
          want.saturated += Number(Number.isFinite(v) && !Number.isFinite(expected(v, to, false)));
        }
        expect({ to, saturate, ...stats }).toEqual({ to, saturate, ...want });
      }
  });
  it("count casts of i32 operands (rounded to f32 first) by the format definitions", () => {
    const ints = [0, 1, -7, 448, 464, 465, 480, 57344, 61439, 61440, 65504, 65519, 65520, 100000, INT_MAX, INT_MIN, -65520];
    for (const to of ["f16", "bf16", "f8e4m3fn", "f8e5m2"] as const)
      for (const saturate of [false, true]) {
        const stats = newCastStats();
        evAll("convert_element_type", { new_dtype: to, saturate }, [t(ints, "i32")], { castStats: stats });
        const want = newCastStats();
        for (const v of ints.map(Math.fround)) {
          want.nonFinite += Number(!Number.isFinite(expected(v, to, saturate)));
          want.saturated += Number(!Number.isFinite(expected(v, to, false)));
        }
        expect({ to, saturate, ...stats }).toEqual({ to, saturate, ...want });
      }
  });
  it("do not count casts to f32, i32 or bool", () => {
    const stats = newCastStats();
    for (const new_dtype of ["f32", "i32", "bool"] as const) evAll("convert_element_type", { new_dtype, saturate: false }, [x], { castStats: stats });
    expect(stats).toEqual(newCastStats());
  });
});

describe("reduce_precision (XLA semantics)", () => {
  const PARAMS: [number, number][] = [[8, 23], [8, 7], [5, 10], [4, 3], [5, 2], [3, 1], [6, 12], [8, 0], [1, 0], [2, 5]];
  const F32 = { e: 8, m: 23, minExp: -126 };

  it("f32 operands with random bit patterns (subnormals, Inf, NaN included)", () => {
    const r = rng(1);
    const bits = Uint32Array.from({ length: 4000 }, () => (r() * 2 ** 32) >>> 0);
    const xs = new Float32Array(bits.buffer);
    const special = new Float32Array([0, -0, 1, 65504, 65520, 2 ** -14, 2 ** -15, 2 ** -24, 240, 248, 256, Infinity, -Infinity, NaN, 3.4e38, 1 + 2 ** -9]);
    for (const [e, m] of PARAMS) {
      for (const input of [xs, special]) {
        const got = flat(ev("reduce_precision", { exponent_bits: e, mantissa_bits: m }, codes(input, "f32")));
        const want = Array.from(input, (v) => reducePrecisionValue(v, e, m, F32));
        const bad = got.flatMap((g, i) => (sameValues([g], [want[i]!]) ? [] : [`(${e},${m}) ${input[i]} → ${g}, want ${want[i]}`]));
        expect(bad.slice(0, 5)).toEqual([]);
      }
    }
  });
  it("worked examples: f16's range, with denormals flushed (XLA does not round to denormals)", () => {
    const got = flat(ev("reduce_precision", { exponent_bits: 5, mantissa_bits: 10 }, t([65504, 65519, 65520, 2 ** -14, 2 ** -15, 1 + 2 ** -11, NaN])));
    expect(sameValues(got, [65504, 65504, Infinity, 2 ** -14, 0, 1, NaN])).toBe(true);
    // m = 0: NaN → +Inf; a tie goes to the even exponent field (3 = 1.5·2^1 → 2, 6 = 1.5·2^2 → 8).
    expect(sameValues(flat(ev("reduce_precision", { exponent_bits: 5, mantissa_bits: 0 }, t([NaN, 3, 6, 5]))), [Infinity, 2, 8, 4])).toBe(true);
  });
  for (const [dtype, src] of [
    ["bf16", { e: 8, m: 7, minExp: -126 }],
    ["f16", { e: 5, m: 10, minExp: -14 }],
    ["f8e5m2", { e: 5, m: 2, minExp: -14 }],
  ] as const) {
    it(`${dtype} operands work on their own bits (subnormals of the operand format kept when e ≥ its exponent bits)`, () => {
      const n = dtype === "f8e5m2" ? 256 : 65536;
      const all = Array.from({ length: n }, (_, i) => i);
      const x = codes((dtype === "f8e5m2" ? Uint8Array.from(all) : Uint16Array.from(all)) as StorageMap[typeof dtype], dtype);
      const vals = valuesOf(x);
      for (const [e, m] of PARAMS) {
        const got = valuesOf(ev("reduce_precision", { exponent_bits: e, mantissa_bits: m }, x));
        const want = vals.map((v) => reducePrecisionValue(v, e, m, src));
        const bad = got.flatMap((g, i) => (sameValues([g], [want[i]!]) ? [] : [`(${e},${m}) ${vals[i]} → ${g}, want ${want[i]}`]));
        expect(bad.slice(0, 5)).toEqual([]);
      }
    });
  }
  it("f8e4m3fn operands go through f32 and back (non-saturating: ±Inf becomes NaN)", () => {
    const x = samples("f8e4m3fn");
    const vals = valuesOf(x);
    for (const [e, m] of PARAMS) {
      const got = valuesOf(ev("reduce_precision", { exponent_bits: e, mantissa_bits: m }, x));
      const want = vals.map((v) => roundTo(reducePrecisionValue(v, e, m, F32), FORMATS.f8e4m3fn));
      expect(sameValues(got, want), `(${e},${m})`).toBe(true);
    }
    // IEEE-like e4m3 tops out at 240: 448 overflows to Inf, which e4m3fn stores as NaN.
    expect(flat(ev("reduce_precision", { exponent_bits: 4, mantissa_bits: 3 }, t([448, 240], "f8e4m3fn")))).toEqual([NaN, 240]);
  });
});
