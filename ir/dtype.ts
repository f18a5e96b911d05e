// Element types of the IR and how each is stored (DESIGN.md "Dtypes and numerics").

export const DTYPES = ["f32", "f16", "bf16", "f8e4m3fn", "f8e5m2", "i32", "bool"] as const;
export type DType = (typeof DTYPES)[number];

export type FloatDType = "f32" | "f16" | "bf16" | "f8e4m3fn" | "f8e5m2";
export type LowPrecisionDType = "f16" | "bf16" | "f8e4m3fn" | "f8e5m2";
export type Fp8DType = "f8e4m3fn" | "f8e5m2";

/** Storage per dtype: f32 values, f16/bf16 bits, fp8 codes, i32 values, bool bytes. */
export interface StorageMap {
  f32: Float32Array;
  f16: Uint16Array;
  bf16: Uint16Array;
  f8e4m3fn: Uint8Array;
  f8e5m2: Uint8Array;
  i32: Int32Array;
  bool: Uint8Array;
}
export type Storage = StorageMap[DType];

export function isDType(s: string): s is DType {
  return (DTYPES as readonly string[]).includes(s);
}

export function isFloat(d: DType): d is FloatDType {
  return d !== "i32" && d !== "bool";
}

export function isFp8(d: DType): d is Fp8DType {
  return d === "f8e4m3fn" || d === "f8e5m2";
}

export function isLowPrecision(d: DType): d is LowPrecisionDType {
  return d === "f16" || d === "bf16" || isFp8(d);
}

/** Bytes per element of the storage. */
export function itemSize(d: DType): number {
  switch (d) {
    case "f32":
    case "i32":
      return 4;
    case "f16":
    case "bf16":
      return 2;
    case "f8e4m3fn":
    case "f8e5m2":
    case "bool":
      return 1;
  }
}

export function allocStorage<D extends DType>(d: D, n: number): StorageMap[D] {
  switch (d) {
    case "f32":
      return new Float32Array(n) as StorageMap[D];
    case "i32":
      return new Int32Array(n) as StorageMap[D];
    case "f16":
    case "bf16":
      return new Uint16Array(n) as StorageMap[D];
    default:
      return new Uint8Array(n) as StorageMap[D];
  }
}

/** True when `s` is the storage class that `d` uses. */
export function storageMatches(d: DType, s: unknown): boolean {
  switch (d) {
    case "f32":
      return s instanceof Float32Array;
    case "i32":
      return s instanceof Int32Array;
    case "f16":
    case "bf16":
      return s instanceof Uint16Array;
    default:
      return s instanceof Uint8Array;
  }
}

/** Largest finite value of a float dtype. */
export function finfoMax(d: FloatDType): number {
  switch (d) {
    case "f32":
      return 3.4028234663852886e38;
    case "f16":
      return 65504;
    case "bf16":
      return 3.3895313892515355e38;
    case "f8e4m3fn":
      return 448;
    case "f8e5m2":
      return 57344;
  }
}

/**
 * JAX's promotion lattice restricted to our dtypes (DESIGN.md "Types and promotion").
 * fp8 never promotes implicitly: the op library raises a DTypeError instead, so this returns undefined.
 */
export function promoteTypes(a: DType, b: DType): DType | undefined {
  if (a === b) return a;
  if (isFp8(a) || isFp8(b)) return undefined;
  const fa = isFloat(a);
  const fb = isFloat(b);
  if (fa && fb) return "f32"; // f16/bf16 with f32 → f32; f16 with bf16 → f32
  if (fa) return a;
  if (fb) return b;
  return "i32"; // i32 with bool
}
