// f16/bf16 code round trips over all 65536 codes (NaN as NaN) and a few named edges.
import { describe, expect, it } from "vitest";
import { decode, encode } from "../../../runtime/numerics/codec.js";
import { encodeF16 } from "../../../runtime/numerics/f16.js";

describe.each(["f16", "bf16"] as const)("%s", (dtype) => {
  it("decodes and re-encodes all 65536 codes to themselves (NaN as NaN)", () => {
    const codes = new Uint16Array(65536).map((_, i) => i);
    const values = decode(codes, dtype);
    const again = encode(values, dtype);
    const back = decode(again, dtype);
    let bad = 0;
    for (let c = 0; c < 65536; c++) {
      if (Number.isNaN(values[c]!) ? !Number.isNaN(back[c]!) : again[c] !== c) bad++;
    }
    expect(bad).toBe(0);
  });
});

describe("f16 edges", () => {
  it("overflows to ±Inf after rounding, keeps subnormals", () => {
    expect(encodeF16(65504)).toBe(0x7bff);
    expect(encodeF16(65519.996)).toBe(0x7bff); // below the tie
    expect(encodeF16(65520)).toBe(0x7c00); // tie → even → Inf
    expect(encodeF16(-Infinity)).toBe(0xfc00);
    expect(encodeF16(1e9, true)).toBe(0x7c00); // no saturating mode for f16
    expect(encodeF16(2 ** -24)).toBe(0x0001);
    expect(encodeF16(2 ** -25)).toBe(0x0000); // tie → even (0)
    expect(encodeF16(1.5 * 2 ** -25)).toBe(0x0001);
    expect(encodeF16(-0)).toBe(0x8000);
  });
});
