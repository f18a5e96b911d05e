// Helpers shared by the kernel families: reading operands as numbers, building outputs from
// f32 results, and index arithmetic for data movement.
import { allocStorage, type DType, type Storage, type StorageMap } from "../../ir/dtype.js";
import { size, strides, type Aval, type Shape } from "../../ir/shape.js";
import { decode, encode, encodeScalar } from "../numerics/codec.js";
import { Tensor } from "../tensor.js";

export const INT_MIN = -2147483648;
export const INT_MAX = 2147483647;

/**
 * The operand's values as numbers: f32 values for every float dtype (low-precision codes are
 * decoded, DESIGN.md "An operation on low-precision inputs decodes to f32"), the integers for
 * i32, 0/1 for bool. The result may be the tensor's own storage: read it, never write it.
 */
export function values(t: Tensor): Float32Array | Int32Array | Uint8Array {
  const s = t.storage as Storage;
  if (t.dtype === "f32" || t.dtype === "i32") return s as Float32Array | Int32Array;
  if (t.dtype === "bool") return (s as Uint8Array).every((b) => b <= 1) ? (s as Uint8Array) : Uint8Array.from(s, (b) => (b ? 1 : 0));
  return decode(s, t.dtype);
}

/**
 * A tensor of `aval` from computed values, rounded once to its dtype. Float32Array values are
 * already f32 (the store rounded them), so an f32 output takes them as they are.
 */
export function fromValues(vals: ArrayLike<number>, aval: Aval): Tensor {
  if (aval.dtype === "f32" && vals instanceof Float32Array) return new Tensor("f32", aval.shape, vals);
  return new Tensor(aval.dtype, aval.shape, encode(vals, aval.dtype));
}

/** A tensor of `aval` from storage codes. */
export function fromStorage(storage: Storage, aval: Aval): Tensor {
  return new Tensor(aval.dtype, aval.shape, storage as StorageMap[DType]);
}

/** The storage code of one value in `dtype` (non-saturating). */
export function codeOf(x: number, dtype: DType): number {
  return encodeScalar(x, dtype, false);
}

/** Element codes as integers: f32 storage is viewed as its bit patterns. */
export type Codes = Uint32Array | Int32Array | Uint16Array | Uint8Array;

/**
 * A view of storage as integer codes, sharing its memory. Data movement goes through it
 * because reading an f32 element into a JS number quiets a signaling NaN, which would break
 * bit-for-bit movement (DESIGN.md: shape and data-movement ops are bit-exact).
 */
export function codesOf(s: Storage): Codes {
  return s instanceof Float32Array ? new Uint32Array(s.buffer, s.byteOffset, s.length) : s;
}

/** Fresh zeroed storage for `dtype` with its codes view. */
export function allocCodes(dtype: DType, n: number): [Storage, Codes] {
  const s = allocStorage(dtype, n) as Storage;
  return [s, codesOf(s)];
}

/**
 * Data movement through a strided view: out[i] = src[base + Σ_d idx_d · viewStrides_d] for the
 * row-major multi-index idx of i in `outShape`. Strides may be 0 (broadcast) or negative (rev).
 * Works on storage codes, so every dtype moves bit for bit.
 */
export function stridedCopy(x: Tensor, outShape: Shape, base: number, viewStrides: readonly number[]): Storage {
  const src = codesOf(x.storage as Storage);
  const n = size(outShape);
  const [storage, out] = allocCodes(x.dtype, n);
  const rank = outShape.length;
  const idx = new Array<number>(rank).fill(0);
  let off = base;
  for (let i = 0; i < n; i++) {
    out[i] = src[off]!;
    // Odometer increment of idx, keeping off in step.
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) {
        off += viewStrides[d]!;
        break;
      }
      off -= viewStrides[d]! * (outShape[d]! - 1);
      idx[d] = 0;
    }
  }
  return storage;
}

/** Row-major strides of a shape (re-exported for kernels). */
export { strides, size };

/** Row-major multi-index of flat index `i` in `shape`. */
export function unravel(i: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    idx[d] = n === 0 ? 0 : i % n;
    i = n === 0 ? 0 : Math.floor(i / n);
  }
  return idx;
}

/**
 * Offsets of every multi-index over `dims` of a tensor with `tensorStrides`, in row-major order
 * of the listed dims: offsets[k] = Σ_j idx_j · tensorStrides[dims[j]].
 */
export function offsetsOver(shape: Shape, tensorStrides: readonly number[], dims: readonly number[]): Int32Array {
  const sub = dims.map((d) => shape[d]!);
  const n = size(sub);
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const idx = unravel(k, sub);
    let off = 0;
    for (let j = 0; j < dims.length; j++) off += idx[j]! * tensorStrides[dims[j]!]!;
    out[k] = off;
  }
  return out;
}

/** Storage copy (outputs never alias inputs). */
export function copyStorage(s: Storage): Storage {
  return s.slice() as Storage;
}
