// f16 against @petamoriken/float16 (an independent implementation): every decode, and the
// rounding of a few hundred thousand random f32 values (random bits, subnormal/overflow ranges, ties).
import { getFloat16, setFloat16 } from "@petamoriken/float16";
import { describe, expect, it } from "vitest";
import { decode, encode } from "../../../runtime/numerics/codec.js";
import { decodeF16, encodeF16 } from "../../../runtime/numerics/f16.js";
import { bitsOfF32, randomF32, refRoundUnbounded } from "./oracle.js";

const view = new DataView(new ArrayBuffer(2));
function oracleDecode(code: number): number {
  view.setUint16(0, code, true);
  return getFloat16(view, 0, true);
}
function oracleEncode(x: number): number {
  setFloat16(view, 0, x, true);
  return view.getUint16(0, true);
}

describe("f16 vs @petamoriken/float16", () => {
  it("decodes all 65536 codes identically", () => {
    const codes = new Uint16Array(65536).map((_, i) => i);
    const ours = decode(codes, "f16");
    let mismatches = 0;
    for (let c = 0; c < 65536; c++) {
      const want = oracleDecode(c);
      const ok = Number.isNaN(want) ? Number.isNaN(ours[c]!) : Object.is(ours[c], want) && decodeF16(c) === want;
      if (!ok) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it("rounds 300k random f32 values identically", () => {
    // Biased f32 exponents 90..150 span f16's flush-to-zero, subnormal, normal and overflow ranges.
    const xs = randomF32(300_000, 0xf16, 90, 150, 10);
    const bulk = encode(xs, "f16");
    const bad: string[] = [];
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      const want = oracleEncode(x);
      const got = encodeF16(x);
      const ok = Number.isNaN(x) ? (got & 0x7c00) === 0x7c00 && (got & 0x3ff) !== 0 : got === want;
      if (!ok || bulk[i] !== got) bad.push(`0x${bitsOfF32(x).toString(16)}: ${got} vs ${want}`);
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it("agrees with the f64 reference rounding on the same values", () => {
    const xs = randomF32(100_000, 7, 90, 150, 10);
    const fmt = { m: 10, emin: -14, max: 65504 };
    const ys = decode(encode(xs, "f16"), "f16");
    let bad = 0;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      if (Number.isNaN(x)) continue;
      const r = refRoundUnbounded(x, fmt);
      const want = Math.abs(r) > fmt.max ? Math.sign(x) * Infinity : r;
      if (!Object.is(ys[i], want)) bad++;
    }
    expect(bad).toBe(0);
  });
});
