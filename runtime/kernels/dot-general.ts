// dot_general with lax semantics: output dims = batch dims, lhs free dims, rhs free dims (each in
// operand order). Float operands (of any float dtypes) are decoded to f32 and accumulated in f32
// in a fixed order: acc starts at +0, then for k = 0 … K−1 (row-major over the contracting dims in
// the order listed for the lhs) acc = fround(acc + fround(a_k · b_k)); the result is rounded once
// to the output dtype (DESIGN.md "Dtypes and numerics"; error within K·2^-24·Σ|a·b|). i32
// operands accumulate in i32 and wrap.
import type { Params } from "../../ir/primitives/catalogue.js";
import { strides, type Aval } from "../../ir/shape.js";
import type { Tensor } from "../tensor.js";
import type { KernelTable } from "./types.js";
import { fromValues, offsetsOver, values } from "./util.js";

function freeDims(rank: number, contract: readonly number[], batch: readonly number[]): number[] {
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) if (!contract.includes(d) && !batch.includes(d)) dims.push(d);
  return dims;
}

function dotGeneral(a: Tensor, b: Tensor, p: Params<"dot_general">, out: Aval): Tensor {
  const [[lc, rc], [lb, rb]] = p.dimension_numbers;
  const sa = strides(a.shape);
  const sb = strides(b.shape);
  // Element offsets of every batch / free / contracting multi-index in each operand.
  const aBatch = offsetsOver(a.shape, sa, lb);
  const bBatch = offsetsOver(b.shape, sb, rb);
  const aFree = offsetsOver(a.shape, sa, freeDims(a.shape.length, lc, lb));
  const bFree = offsetsOver(b.shape, sb, freeDims(b.shape.length, rc, rb));
  const aK = offsetsOver(a.shape, sa, lc);
  const bK = offsetsOver(b.shape, sb, rc);
  const x = values(a);
  const y = values(b);
  const int = a.dtype === "i32";
  const r = int ? new Int32Array(aBatch.length * aFree.length * bFree.length) : new Float32Array(aBatch.length * aFree.length * bFree.length);
  let o = 0;
  for (let bi = 0; bi < aBatch.length; bi++) {
    for (let i = 0; i < aFree.length; i++) {
      const a0 = aBatch[bi]! + aFree[i]!;
      for (let j = 0; j < bFree.length; j++) {
        const b0 = bBatch[bi]! + bFree[j]!;
        let acc = 0;
        if (int) {
          for (let k = 0; k < aK.length; k++) acc = (acc + Math.imul(x[a0 + aK[k]!]!, y[b0 + bK[k]!]!)) | 0;
        } else {
          for (let k = 0; k < aK.length; k++) acc = Math.fround(acc + Math.fround(x[a0 + aK[k]!]! * y[b0 + bK[k]!]!));
        }
        r[o++] = acc;
      }
    }
  }
  // Round once to the output dtype (an i32 result converts exactly-then-rounds like a cast).
  return fromValues(r, out);
}

export const dotGeneralKernels = {
  dot_general: (p, [a, b], [out]) => [dotGeneral(a!, b!, p, out!)],
} satisfies Partial<KernelTable>;
