// Bit-level helpers shared by the f16/bf16/fp8 codecs (DESIGN.md "Dtypes and numerics").
// Every conversion works on the f32 bit pattern: JS numbers are f64, and the design (like
// ml_dtypes) defines conversions on f32 inputs, so the value is taken through f32 first.

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** The f32 bit pattern of `Math.fround(x)` (the store into a Float32Array does the fround). */
export function f32Bits(x: number): number {
  scratchF32[0] = x;
  return scratchU32[0]!;
}

/** The f32 value whose bit pattern is `u` (unsigned 32-bit). */
export function f32FromBits(u: number): number {
  scratchU32[0] = u;
  return scratchF32[0]!;
}

/**
 * `mag >>> shift` rounded to nearest, ties to even (1 ≤ shift ≤ 31, 0 ≤ mag < 2^32 − 2^shift).
 * Adding half−1 plus the kept LSB carries exactly when the dropped part is above half, or is
 * half and the kept part is odd. A carry out of the mantissa bumps the exponent, which is the
 * correct result for bit patterns laid out exponent|mantissa.
 */
export function rneShift(mag: number, shift: number): number {
  return (mag + ((1 << (shift - 1)) - 1) + ((mag >>> shift) & 1)) >>> shift;
}

/**
 * Rounds a finite f32 magnitude (bits `abs` < 0x7f800000) to a binary format with `m` stored
 * mantissa bits and exponent bias `bias`, ties to even, keeping subnormals. The exponent is
 * unbounded above: the caller compares the result with its largest finite code, because the
 * design rounds BEFORE the range check (f32 464 → e4m3fn 448, 464.00003 → overflow).
 * Returns the target's magnitude code (exponent field | mantissa field).
 */
export function roundMagnitude(abs: number, m: number, bias: number): number {
  const shift = 23 - m;
  const rebias = 127 - bias; // f32 biased exponent that lands on the target's exponent field 0
  const e = abs >>> 23;
  if (e > rebias) return rneShift(abs, shift) - (rebias << m);
  // The result is subnormal (or zero) in the target: make the implicit bit explicit and drop
  // more bits. A carry into bit m yields the smallest normal's code, which is correct.
  const mant = e === 0 ? abs : (abs & 0x7fffff) | 0x800000;
  const s = shift + rebias + 1 - (e === 0 ? 1 : e);
  if (s > 25) return 0; // mant < 2^24 ≤ half of the dropped range: rounds to zero
  return rneShift(mant, s);
}

/**
 * The finite value of magnitude code `abs` in a format with `m` mantissa bits and bias `bias`
 * (no special values; the caller handles Inf/NaN codes). Exact: powers of two times a small integer.
 */
export function minifloatValue(abs: number, m: number, bias: number): number {
  const e = abs >>> m;
  const frac = abs & ((1 << m) - 1);
  if (e === 0) return frac * 2 ** (1 - bias - m);
  return (2 ** m + frac) * 2 ** (e - bias - m);
}

/** A decode table: `values[c]` is code c as f32; `bits` views the same memory as f32 bit patterns. */
export interface DecodeTable {
  readonly values: Float32Array;
  readonly bits: Uint32Array;
}

/**
 * Builds a decode table of `size` codes from a function giving each code's f32 bit pattern.
 * The table is filled through the Uint32 view so NaN signs and payloads are kept exactly.
 */
export function buildDecodeTable(size: number, f32BitsOf: (code: number) => number): DecodeTable {
  const bits = new Uint32Array(size);
  for (let c = 0; c < size; c++) bits[c] = f32BitsOf(c);
  return { values: new Float32Array(bits.buffer), bits };
}
