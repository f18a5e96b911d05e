// Dtype-generic conversions between JS numbers / f32 values and storage (DESIGN.md "Dtypes and
// numerics"). Float conversions take every value through Math.fround first (f32-input
// semantics, as ml_dtypes), then round to nearest even; `saturate` applies to fp8 only.
// Integer and bool conversions act on the JS number itself, so integers up to 2^31 stay exact:
// float → i32 truncates toward zero and saturates, NaN → 0 (DESIGN.md "Edge semantics");
// → bool is x != 0, so NaN → 1 (as numpy).

import { allocStorage, storageMatches, type DType, type Storage, type StorageMap } from "../../ir/dtype.js";
import { BF16_TABLE, bf16FromF32BitsArray, decodeBF16, encodeBF16 } from "./bf16.js";
import { F16_TABLE, decodeF16, encodeF16, f16FromF32BitsArray } from "./f16.js";
import {
  E4M3FN_TABLE,
  E5M2_TABLE,
  decodeE4M3FN,
  decodeE5M2,
  e4m3fnFromF32BitsArray,
  e5m2FromF32BitsArray,
  encodeE4M3FN,
  encodeE5M2,
} from "./fp8.js";

export interface CastOptions {
  /** fp8 only: clamp overflow and ±Inf to ±max instead of producing NaN (e4m3fn) or ±Inf (e5m2). */
  saturate?: boolean;
}

const I32_MAX = 2147483647;
const I32_MIN = -2147483648;

/** float → i32: truncate toward zero, saturate to the int32 range, NaN → 0. */
export function toInt32(x: number): number {
  if (x !== x) return 0;
  if (x >= I32_MAX) return I32_MAX;
  if (x <= I32_MIN) return I32_MIN;
  return Math.trunc(x) | 0;
}

/** Storage code of one value: f32 value, f16/bf16 bits, fp8 code, i32 value, or bool 0/1. */
export function encodeScalar(x: number, dtype: DType, saturate = false): number {
  switch (dtype) {
    case "f32":
      return Math.fround(x);
    case "f16":
      return encodeF16(x);
    case "bf16":
      return encodeBF16(x);
    case "f8e4m3fn":
      return encodeE4M3FN(x, saturate);
    case "f8e5m2":
      return encodeE5M2(x, saturate);
    case "i32":
      return toInt32(x);
    case "bool":
      return x !== 0 ? 1 : 0;
  }
}

/** The value of one storage code of `dtype` (f32-representable for the float dtypes). */
export function decodeScalar(code: number, dtype: DType): number {
  switch (dtype) {
    case "f32":
      return Math.fround(code);
    case "f16":
      return decodeF16(code);
    case "bf16":
      return decodeBF16(code);
    case "f8e4m3fn":
      return decodeE4M3FN(code);
    case "f8e5m2":
      return decodeE5M2(code);
    case "i32":
      return code | 0; // exact: integers are not rounded to f32 here (bulk decode does)
    case "bool":
      return code ? 1 : 0;
  }
}

/** x after a round trip through `dtype` (what storing x in a tensor of that dtype yields). */
export function roundScalar(x: number, dtype: DType, saturate = false): number {
  switch (dtype) {
    case "f32":
      return Math.fround(x);
    case "f16":
      return F16_TABLE.values[encodeF16(x)]!;
    case "bf16":
      return BF16_TABLE.values[encodeBF16(x)]!;
    case "f8e4m3fn":
      return E4M3FN_TABLE.values[encodeE4M3FN(x, saturate)]!;
    case "f8e5m2":
      return E5M2_TABLE.values[encodeE5M2(x, saturate)]!;
    case "i32":
      return toInt32(x);
    case "bool":
      return x !== 0 ? 1 : 0;
  }
}

/** A `roundScalar` specialised to one dtype, for hoisting the dtype switch out of hot loops. */
export function scalarRounder(dtype: DType, saturate = false): (x: number) => number {
  switch (dtype) {
    case "f32":
      return Math.fround;
    case "f16":
      return (x) => F16_TABLE.values[encodeF16(x)]!;
    case "bf16":
      return (x) => BF16_TABLE.values[encodeBF16(x)]!;
    case "f8e4m3fn":
      return (x) => E4M3FN_TABLE.values[encodeE4M3FN(x, saturate)]!;
    case "f8e5m2":
      return (x) => E5M2_TABLE.values[encodeE5M2(x, saturate)]!;
    case "i32":
      return toInt32;
    case "bool":
      return (x) => (x !== 0 ? 1 : 0);
  }
}

/** Encodes values into `dtype`'s storage (see the file comment for the semantics). */
export function encode<D extends DType>(values: ArrayLike<number>, dtype: D, opts: CastOptions = {}): StorageMap[D] {
  const n = values.length;
  if (dtype === "f32") return Float32Array.from(values) as StorageMap[D];
  const out = allocStorage(dtype, n);
  if (dtype === "i32") {
    for (let i = 0; i < n; i++) out[i] = toInt32(values[i]!);
    return out;
  }
  if (dtype === "bool") {
    for (let i = 0; i < n; i++) out[i] = values[i]! !== 0 ? 1 : 0;
    return out;
  }
  // Low-precision floats: round from the f32 bit patterns (Float32Array.from is the fround).
  const f32 = values instanceof Float32Array ? values : Float32Array.from(values);
  const u = new Uint32Array(f32.buffer, f32.byteOffset, n);
  const saturate = opts.saturate ?? false;
  if (dtype === "f16") f16FromF32BitsArray(u, out as Uint16Array);
  else if (dtype === "bf16") bf16FromF32BitsArray(u, out as Uint16Array);
  else if (dtype === "f8e4m3fn") e4m3fnFromF32BitsArray(u, out as Uint8Array, saturate);
  else e5m2FromF32BitsArray(u, out as Uint8Array, saturate);
  return out;
}

function tableOf(dtype: DType): Uint32Array | undefined {
  switch (dtype) {
    case "f16":
      return F16_TABLE.bits;
    case "bf16":
      return BF16_TABLE.bits;
    case "f8e4m3fn":
      return E4M3FN_TABLE.bits;
    case "f8e5m2":
      return E5M2_TABLE.bits;
    default:
      return undefined;
  }
}

/** Decodes storage of `dtype` into f32 values (a fresh array; NaN payloads are kept). */
export function decode(bits: Storage, dtype: DType): Float32Array {
  if (!storageMatches(dtype, bits)) {
    throw new TypeError(`decode: ${bits.constructor.name} is not the storage of dtype ${dtype}`);
  }
  const n = bits.length;
  const table = tableOf(dtype);
  if (dtype === "f32") return (bits as Float32Array).slice();
  if (!table) return Float32Array.from(bits, (b) => (dtype === "bool" ? (b ? 1 : 0) : b));
  // Copy f32 bit patterns from the table so NaN signs/payloads survive unchanged.
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = table[bits[i]!]!;
  return new Float32Array(out.buffer);
}

/** Values after a round trip through `dtype`: decode(encode(values, dtype, opts), dtype). */
export function round(values: ArrayLike<number>, dtype: DType, opts: CastOptions = {}): Float32Array {
  if (dtype === "f32") return Float32Array.from(values);
  return decode(encode(values, dtype, opts), dtype);
}

/**
 * Counters of what a cast lost, for one encode (x is the input JS number, y the output value):
 * - saturated: x finite and |x| rounded to the format's precision exceeds the largest finite
 *   value, i.e. the value was clamped to ±max (saturate) or became ±Inf/NaN (otherwise).
 *   Finite inputs that only overflow f32 (Math.fround → ±Inf) count too. ±Inf inputs do not.
 *   i32: x finite and trunc(x) outside the int32 range (clamped). bool: never.
 * - flushedToZero: x finite and non-zero, y = ±0 (underflow; for i32, 0 < |x| < 1).
 * - nonFinite: y is NaN or ±Inf, whatever the input (so NaN inputs are counted here).
 */
export interface CastStats {
  saturated: number;
  flushedToZero: number;
  nonFinite: number;
  /**
   * Optional breakdown by target dtype: when the caller provides this object, casts add their
   * counts here too (e.g. to report the fp8 casts of a training step apart from its f16 ones).
   */
  byDtype?: Partial<Record<DType, { saturated: number; flushedToZero: number; nonFinite: number }>>;
}

export function encodeWithStats<D extends DType>(
  values: ArrayLike<number>,
  dtype: D,
  opts: CastOptions = {},
): { storage: StorageMap[D]; stats: CastStats } {
  const saturate = opts.saturate ?? false;
  const storage = encode(values, dtype, opts);
  const stats: CastStats = { saturated: 0, flushedToZero: 0, nonFinite: 0 };
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    const y = decodeScalar(storage[i]!, dtype);
    if (!Number.isFinite(y)) stats.nonFinite++;
    if (!Number.isFinite(x)) continue;
    if (x !== 0 && y === 0) stats.flushedToZero++;
    if (dtype === "i32") {
      if (Math.trunc(x) > I32_MAX || Math.trunc(x) < I32_MIN) stats.saturated++;
    } else if (dtype !== "bool") {
      // The non-saturating cast turns a finite value non-finite exactly when it overflows.
      const plain = saturate ? roundScalar(x, dtype, false) : y;
      if (!Number.isFinite(plain)) stats.saturated++;
    }
  }
  return { storage, stats };
}
