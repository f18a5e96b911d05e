// Shape and data-movement kernels (lax semantics). They move storage codes, never values, so
// every dtype moves bit for bit (DESIGN.md "Where the backends must agree": shape ops are exact).
import { allocStorage, type Storage } from "../../ir/dtype.js";
import type { Aval } from "../../ir/shape.js";
import type { Tensor } from "../tensor.js";
import type { KernelTable } from "./types.js";
import { allocCodes, codesOf, copyStorage, fromStorage, size, stridedCopy, strides, unravel } from "./util.js";

/** Same elements in the same row-major order (reshape, squeeze, expand_dims, stop_gradient). */
function sameOrder(x: Tensor, out: Aval): Tensor[] {
  return [fromStorage(copyStorage(x.storage as Storage), out)];
}

/**
 * pad: out = padding value everywhere, then input element idx goes to lo + idx·(interior + 1)
 * per dim when that lands inside the output (negative lo/hi crop).
 */
function pad(x: Tensor, value: Tensor, config: readonly (readonly [number, number, number])[], out: Aval): Tensor {
  const [storage, r] = allocCodes(out.dtype, size(out.shape));
  r.fill(codesOf(value.storage as Storage)[0]!);
  const src = codesOf(x.storage as Storage);
  const outStrides = strides(out.shape);
  for (let i = 0; i < src.length; i++) {
    const idx = unravel(i, x.shape);
    let off = 0;
    let inside = true;
    for (let d = 0; d < idx.length && inside; d++) {
      const [lo, , interior] = config[d]!;
      const o = lo + idx[d]! * (interior + 1);
      inside = o >= 0 && o < out.shape[d]!;
      off += o * outStrides[d]!;
    }
    if (inside) r[off] = src[i]!;
  }
  return fromStorage(storage, out);
}

/** concatenate: for each index of the dims before `dim`, append each operand's block in turn. */
function concatenate(xs: Tensor[], dim: number, out: Aval): Tensor {
  const r = allocStorage(out.dtype, size(out.shape)) as Storage;
  const outer = size(out.shape.slice(0, dim));
  const blocks = xs.map((x) => size(x.shape.slice(dim)));
  let off = 0;
  for (let o = 0; o < outer; o++) {
    xs.forEach((x, j) => {
      const b = blocks[j]!;
      // A typed-array set between arrays of one class copies bytes, so NaN payloads survive.
      r.set((x.storage as Storage).subarray(o * b, (o + 1) * b) as never, off);
      off += b;
    });
  }
  return fromStorage(r, out);
}

export const shapeKernels = {
  reshape: (_p, [x], [out]) => sameOrder(x!, out!),
  squeeze: (_p, [x], [out]) => sameOrder(x!, out!),
  expand_dims: (_p, [x], [out]) => sameOrder(x!, out!),
  stop_gradient: (_p, [x], [out]) => sameOrder(x!, out!),
  transpose: (p, [x], [out]) => {
    const st = strides(x!.shape);
    return [fromStorage(stridedCopy(x!, out!.shape, 0, p.permutation.map((a) => st[a]!)), out!)];
  },
  broadcast_in_dim: (p, [x], [out]) => {
    // Output dims not in broadcast_dimensions, and operand dims of size 1, read with stride 0.
    const st = strides(x!.shape);
    const view = new Array<number>(out!.shape.length).fill(0);
    p.broadcast_dimensions.forEach((d, i) => {
      if (x!.shape[i] !== 1) view[d] = st[i]!;
    });
    return [fromStorage(stridedCopy(x!, out!.shape, 0, view), out!)];
  },
  rev: (p, [x], [out]) => {
    const st = strides(x!.shape);
    let base = 0;
    const view = st.map((s, d) => {
      if (!p.dimensions.includes(d)) return s;
      base += (x!.shape[d]! - 1) * s;
      return -s;
    });
    return [fromStorage(stridedCopy(x!, out!.shape, size(x!.shape) === 0 ? 0 : base, view), out!)];
  },
  slice: (p, [x], [out]) => {
    const st = strides(x!.shape);
    const base = p.start_indices.reduce((acc, s, d) => acc + s * st[d]!, 0);
    const view = st.map((s, d) => s * (p.strides ? p.strides[d]! : 1));
    return [fromStorage(stridedCopy(x!, out!.shape, base, view), out!)];
  },
  pad: (p, [x, v], [out]) => [pad(x!, v!, p.padding_config, out!)],
  concatenate: (p, xs, [out]) => [concatenate(xs, p.dimension, out!)],
} satisfies Partial<KernelTable>;
