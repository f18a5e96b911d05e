// bf16 against an independent f64 oracle (quantum division, not the codec's bit trick).
import { describe, expect, it } from "vitest";
import { BF16_MAX, decodeBF16, encodeBF16 } from "../../../runtime/numerics/bf16.js";
import { decode, encode } from "../../../runtime/numerics/codec.js";
import { bitsOfF32, f32FromBits, randomF32, refRoundUnbounded } from "./oracle.js";

const fmt = { m: 7, emin: -126, max: BF16_MAX };

function reference(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const r = refRoundUnbounded(x, fmt);
  return Math.abs(r) > fmt.max ? Math.sign(x) * Infinity : r;
}

describe("bf16", () => {
  it("decodes every code to the top half of an f32", () => {
    let bad = 0;
    for (let c = 0; c < 65536; c++) {
      const want = f32FromBits((c << 16) >>> 0);
      if (Number.isNaN(want) ? !Number.isNaN(decodeBF16(c)) : !Object.is(decodeBF16(c), want)) bad++;
    }
    expect(bad).toBe(0);
  });

  it("rounds 300k random f32 values like the f64 oracle", () => {
    // Full f32 exponent range: bf16 shares it, so f32 subnormals stay bf16 subnormals.
    const xs = randomF32(300_000, 0xbf16, 0, 254, 7);
    const ys = decode(encode(xs, "bf16"), "bf16");
    const bad: string[] = [];
    for (let i = 0; i < xs.length; i++) {
      const want = reference(xs[i]!);
      const got = ys[i]!;
      const ok = Number.isNaN(want) ? Number.isNaN(got) : Object.is(got, want);
      if (!ok || !Object.is(decodeBF16(encodeBF16(xs[i]!)), got)) {
        bad.push(`0x${bitsOfF32(xs[i]!).toString(16)}: ${got} vs ${want}`);
      }
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it("overflows to ±Inf at the halfway point above the max", () => {
    expect(decodeBF16(encodeBF16(f32FromBits(0x7f7f7fff)))).toBe(BF16_MAX); // just below the tie
    expect(decodeBF16(encodeBF16(f32FromBits(0x7f7f8000)))).toBe(Infinity); // tie → even = Inf
    expect(decodeBF16(encodeBF16(-3.4e38))).toBe(-Infinity);
    expect(encodeBF16(1e-45)).toBe(0x0000); // 2^-149 is below half of bf16's 2^-133 quantum
    expect(encodeBF16(-0)).toBe(0x8000);
    expect(encodeBF16(123, true)).toBe(encodeBF16(123)); // saturate is ignored
  });
});
