// Conversion vectors from ml_dtypes (tests/fixtures/numerics-vectors.json): f32 bits → expected
// code for every format and mode. NaN compares as "is NaN", everything else bit for bit.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { DType } from "../../../ir/dtype.js";
import { decodeScalar, encode, encodeScalar } from "../../../runtime/numerics/codec.js";

interface Vectors {
  formats: Record<string, Record<string, [string, number | "nan"][]>>;
}
const vectors = JSON.parse(
  readFileSync(new URL("../../fixtures/numerics-vectors.json", import.meta.url), "utf8"),
) as Vectors;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function fromBits(hex: string): number {
  u32[0] = Number.parseInt(hex, 16);
  return f32[0]!;
}

const hex = (c: number) => `0x${c.toString(16)}`;

describe("ml_dtypes conversion vectors", () => {
  const cases = Object.entries(vectors.formats).flatMap(([format, modes]) =>
    Object.entries(modes).map(([mode, list]) => ({ format: format as DType, mode, list })),
  );
  it("covers every format", () => {
    expect(new Set(cases.map((c) => c.format))).toEqual(new Set(["f8e4m3fn", "f8e5m2", "f16", "bf16"]));
  });

  it.each(cases.map((c) => [c.format, c.mode, c] as const))("%s %s", (_f, _m, { format, mode, list }) => {
    expect(["sat", "nonsat"]).toContain(mode);
    const saturate = mode === "sat";
    const inputs = new Float32Array(list.map(([b]) => fromBits(b)));
    const bulk = encode(inputs, format, { saturate });
    const failures: string[] = [];
    list.forEach(([bits, want], i) => {
      // Scalar path from a JS number, bulk path from a Float32Array (reads the bits directly).
      for (const got of [encodeScalar(inputs[i]!, format, saturate), bulk[i]!]) {
        const ok = want === "nan" ? Number.isNaN(decodeScalar(got, format)) : got === want;
        if (!ok) failures.push(`${bits} → ${hex(got)}, want ${want === "nan" ? want : hex(want)}`);
      }
    });
    expect(failures.slice(0, 10)).toEqual([]);
    expect(list.length).toBeGreaterThan(1000);
  });
});
