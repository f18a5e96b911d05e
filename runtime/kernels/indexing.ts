// Indexing kernels. dynamic_slice / dynamic_update_slice clamp their starts so the slice fits
// (lax semantics). gather / scatter_add follow jnp.take along one axis (DESIGN.md "The IR"):
// mode "clip" clamps an index to [0, n − 1]; mode "fill" treats an index < 0 or ≥ n as out of
// range (gather yields the fill value, scatter_add drops the update). An axis of size 0 has no
// valid index in either mode.
import { isFloat, type DType, type Storage } from "../../ir/dtype.js";
import type { Aval } from "../../ir/shape.js";
import { Tensor } from "../tensor.js";
import type { KernelTable } from "./types.js";
import { allocCodes, codeOf, codesOf, copyStorage, fromStorage, fromValues, INT_MIN, size, stridedCopy, strides, unravel, values } from "./util.js";

/** Starts clamped to [0, dim − sliceSize] per dim. */
function clampStarts(starts: Tensor[], shape: readonly number[], sliceShape: readonly number[]): number[] {
  return starts.map((t, d) => Math.min(Math.max((t.storage as Int32Array)[0]!, 0), shape[d]! - sliceShape[d]!));
}

/** jnp.take's fill value as an element code (see `codesOf`): NaN for floats, INT_MIN for i32, true for bool. */
function fillCode(dtype: DType): number {
  if (dtype === "f32") return 0x7fc00000; // the quiet NaN's bit pattern
  if (isFloat(dtype)) return codeOf(NaN, dtype);
  return dtype === "i32" ? INT_MIN : 1;
}

/** The index into an axis of size n, or −1 when out of range (fill mode, or n = 0). */
function resolveIndex(i: number, n: number, mode: "clip" | "fill"): number {
  if (n === 0) return -1;
  if (mode === "clip") return Math.min(Math.max(i, 0), n - 1);
  return i >= 0 && i < n ? i : -1;
}

/**
 * Shared loop of gather and scatter_add: x viewed as [outer, n, inner] around `axis`, the
 * gathered tensor as [outer, k, inner] with k = number of indices. Calls `f(xOffset, gOffset,
 * inner)` for every in-range index block; xOffset = −1 marks an out-of-range one.
 */
function forEachTake(x: Aval, idx: Int32Array, axis: number, mode: "clip" | "fill", f: (xOff: number, gOff: number, inner: number) => void): void {
  const n = x.shape[axis]!;
  const outer = size(x.shape.slice(0, axis));
  const inner = size(x.shape.slice(axis + 1));
  const k = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const i = resolveIndex(idx[j]!, n, mode);
      f(i < 0 ? -1 : (o * n + i) * inner, (o * k + j) * inner, inner);
    }
  }
}

export const indexingKernels = {
  dynamic_slice: (p, [x, ...starts], [out]) => {
    const st = strides(x!.shape);
    const s = clampStarts(starts, x!.shape, p.slice_sizes);
    const base = s.reduce((acc, v, d) => acc + v * st[d]!, 0);
    return [fromStorage(stridedCopy(x!, out!.shape, base, st), out!)];
  },
  dynamic_update_slice: (_p, [x, u, ...starts], [out]) => {
    const storage = copyStorage(x!.storage as Storage);
    const r = codesOf(storage);
    const src = codesOf(u!.storage as Storage);
    const s = clampStarts(starts, x!.shape, u!.shape);
    const st = strides(x!.shape);
    for (let i = 0; i < src.length; i++) {
      const idx = unravel(i, u!.shape);
      r[idx.reduce((acc, v, d) => acc + (v + s[d]!) * st[d]!, 0)] = src[i]!;
    }
    return [fromStorage(storage, out!)];
  },
  gather: (p, [x, indices], [out]) => {
    const [storage, r] = allocCodes(out!.dtype, size(out!.shape));
    const src = codesOf(x!.storage as Storage);
    const fill = fillCode(x!.dtype);
    forEachTake(x!, indices!.storage as Int32Array, p.axis, p.mode, (xOff, gOff, inner) => {
      if (xOff < 0) r.fill(fill, gOff, gOff + inner);
      else r.set(src.subarray(xOff, xOff + inner) as never, gOff);
    });
    return [fromStorage(storage, out!)];
  },
  scatter_add: (p, [x, indices, updates], [out]) => {
    // Floats: the operand is decoded, each update is added in f32 (rounded per addition, in
    // row-major order of the updates), and the result is rounded once to the dtype at the end.
    // i32 wraps; bool accumulates as logical or.
    const acc = x!.dtype === "i32" ? Int32Array.from(values(x!)) : x!.dtype === "bool" ? Uint8Array.from(values(x!)) : Float32Array.from(values(x!));
    const upd = values(updates!);
    const add = x!.dtype === "i32" ? (a: number, b: number) => (a + b) | 0 : x!.dtype === "bool" ? (a: number, b: number) => a | b : (a: number, b: number) => a + b;
    forEachTake(x!, indices!.storage as Int32Array, p.axis, p.mode, (xOff, gOff, inner) => {
      if (xOff < 0) return;
      for (let t = 0; t < inner; t++) acc[xOff + t] = add(acc[xOff + t]!, upd[gOff + t]!);
    });
    return [x!.dtype === "i32" || x!.dtype === "bool" ? new Tensor(x!.dtype, out!.shape, acc as never) : fromValues(acc, out!)];
  },
} satisfies Partial<KernelTable>;
