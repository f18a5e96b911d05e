// fp8 formats: known codes, the design's saturating/non-saturating edges (DESIGN.md "Dtypes and
// numerics"), and random values against the independent f64 oracle in both modes.
import { describe, expect, it } from "vitest";
import type { Fp8DType } from "../../../ir/dtype.js";
import { decode, encode, round } from "../../../runtime/numerics/codec.js";
import { decodeE4M3FN, decodeE5M2, encodeE4M3FN, encodeE5M2 } from "../../../runtime/numerics/fp8.js";
import { f32FromBits, randomF32, refRoundUnbounded, type Format } from "./oracle.js";

describe("f8e4m3fn", () => {
  it("decodes known codes", () => {
    expect(decodeE4M3FN(0x01)).toBe(2 ** -9); // smallest subnormal
    expect(decodeE4M3FN(0x08)).toBe(2 ** -6); // smallest normal
    expect(decodeE4M3FN(0x38)).toBe(1);
    expect(decodeE4M3FN(0x7e)).toBe(448);
    expect(decodeE4M3FN(0xfe)).toBe(-448);
    expect(Object.is(decodeE4M3FN(0x80), -0)).toBe(true);
    expect(decodeE4M3FN(0x7f)).toBeNaN();
    expect(decodeE4M3FN(0xff)).toBeNaN();
    expect(decodeE4M3FN(0x78)).toBe(256); // S.1111.000 is finite in the "fn" format
  });

  it("rounds before the range check: 464 → 448, 464.00003 → NaN", () => {
    expect(encodeE4M3FN(464)).toBe(0x7e);
    expect(encodeE4M3FN(-464)).toBe(0xfe);
    expect(decodeE4M3FN(encodeE4M3FN(464.00003))).toBeNaN();
    expect(encodeE4M3FN(464.00003, true)).toBe(0x7e);
    expect(encodeE4M3FN(-464.00003, true)).toBe(0xfe);
    expect(encodeE4M3FN(463.99997)).toBe(0x7e);
  });

  it("non-saturating: overflow and ±Inf → NaN; saturating: → ±448; NaN stays NaN", () => {
    expect(encodeE4M3FN(Infinity)).toBe(0x7f);
    expect(encodeE4M3FN(-Infinity)).toBe(0xff);
    expect(encodeE4M3FN(1e6)).toBe(0x7f);
    expect(encodeE4M3FN(Infinity, true)).toBe(0x7e);
    expect(encodeE4M3FN(-Infinity, true)).toBe(0xfe);
    expect(encodeE4M3FN(-1e30, true)).toBe(0xfe);
    expect(encodeE4M3FN(NaN, true) & 0x7f).toBe(0x7f);
    expect(Array.from(round([400, 448, 512], "f8e4m3fn"))).toEqual([384, 448, NaN]); // scalify-cases fp8 cell
  });

  it("keeps subnormals and the sign of zero", () => {
    expect(encodeE4M3FN(2 ** -9)).toBe(0x01);
    expect(encodeE4M3FN(2 ** -10)).toBe(0x00); // tie → even (0)
    expect(encodeE4M3FN(3 * 2 ** -11)).toBe(0x01); // 0.75 quantum → 1
    expect(encodeE4M3FN(-(2 ** -11))).toBe(0x80);
    expect(encodeE4M3FN(-0)).toBe(0x80);
    expect(encodeE4M3FN(7.5 * 2 ** -9)).toBe(0x08); // tie between 7 and 8 quanta → 8 = smallest normal
  });
});

describe("f8e5m2", () => {
  it("decodes known codes", () => {
    expect(decodeE5M2(0x01)).toBe(2 ** -16);
    expect(decodeE5M2(0x04)).toBe(2 ** -14);
    expect(decodeE5M2(0x3c)).toBe(1);
    expect(decodeE5M2(0x7b)).toBe(57344);
    expect(decodeE5M2(0x7c)).toBe(Infinity);
    expect(decodeE5M2(0xfc)).toBe(-Infinity);
    for (const c of [0x7d, 0x7e, 0x7f, 0xfd, 0xfe, 0xff]) expect(decodeE5M2(c)).toBeNaN();
  });

  it("non-saturating: overflow → ±Inf; saturating: overflow and ±Inf → ±57344", () => {
    expect(encodeE5M2(61440)).toBe(0x7c); // tie between 57344 and 65536 → even exponent step = Inf
    expect(encodeE5M2(61439.996)).toBe(0x7b);
    expect(encodeE5M2(-1e9)).toBe(0xfc);
    expect(encodeE5M2(Infinity)).toBe(0x7c);
    expect(encodeE5M2(61440, true)).toBe(0x7b);
    expect(encodeE5M2(Infinity, true)).toBe(0x7b);
    expect(encodeE5M2(-Infinity, true)).toBe(0xfb);
    expect(decodeE5M2(encodeE5M2(NaN, true))).toBeNaN();
  });
});

const formats: [Fp8DType, Format, number, number, number][] = [
  // [dtype, format, largest finite code, biased f32 exponent range to sample]
  ["f8e4m3fn", { m: 3, emin: -6, max: 448 }, 0x7e, 110, 140],
  ["f8e5m2", { m: 2, emin: -14, max: 57344 }, 0x7b, 100, 150],
];

describe.each(formats)("%s", (dtype, fmt, maxCode, eLo, eHi) => {
  it("decodes and re-encodes all 256 codes to themselves (NaN as NaN)", () => {
    const codes = new Uint8Array(256).map((_, i) => i);
    const values = decode(codes, dtype);
    const again = encode(values, dtype);
    for (let c = 0; c < 256; c++) {
      if (Number.isNaN(values[c])) expect(decode(again.subarray(c, c + 1), dtype)[0]).toBeNaN();
      else expect(again[c]).toBe(c);
    }
    // Saturating mode round-trips every finite code too.
    const sat = encode(values, dtype, { saturate: true });
    for (let c = 0; c < 256; c++) if ((c & 0x7f) <= maxCode) expect(sat[c]).toBe(c);
  });

  it("decoded positive codes increase strictly", () => {
    const v = decode(new Uint8Array(maxCode + 1).map((_, i) => i), dtype);
    for (let c = 1; c <= maxCode; c++) expect(v[c]!).toBeGreaterThan(v[c - 1]!);
    expect(v[maxCode]).toBe(fmt.max);
  });

  it.each([false, true])("rounds 200k random f32 values like the f64 oracle (saturate=%s)", (saturate) => {
    const xs = randomF32(200_000, 0x8 + (saturate ? 1 : 0), eLo, eHi, fmt.m);
    // Add ±Inf and values straddling the max.
    xs[0] = Infinity;
    xs[1] = -Infinity;
    xs[2] = f32FromBits(0x43e80000); // 464
    xs[3] = f32FromBits(0x43e80001);
    const ys = round(xs, dtype, { saturate });
    const overflow = dtype === "f8e4m3fn" ? NaN : Infinity;
    let bad = 0;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      const r = refRoundUnbounded(x, fmt);
      let want: number;
      if (Number.isNaN(x)) want = NaN;
      else if (Math.abs(r) > fmt.max) want = saturate ? Math.sign(x) * fmt.max : Math.sign(x) * overflow;
      else want = r;
      if (Number.isNaN(want) ? !Number.isNaN(ys[i]!) : !Object.is(ys[i], want)) bad++;
    }
    expect(bad).toBe(0);
  });
});
