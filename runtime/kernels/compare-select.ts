// Comparisons (IEEE: NaN compares unequal to everything, −0 = +0), logical/bitwise ops,
// shift_right_logical and select_n (lax semantics).
import type { Storage } from "../../ir/dtype.js";
import type { Aval } from "../../ir/shape.js";
import { Tensor } from "../tensor.js";
import { shiftRightLogical } from "./scalar-ops.js";
import type { KernelTable, ParamlessKernel } from "./types.js";
import { allocCodes, codesOf, fromStorage, size, values } from "./util.js";

type Pred = (a: number, b: number) => boolean;

/** Applies `f` to operand values (decoded floats, i32, bool 0/1) with rank-0 broadcast. */
function zipValues(a: Tensor, b: Tensor, n: number, f: (x: number, y: number) => number, out: Int32Array | Uint8Array): void {
  const x = values(a);
  const y = values(b);
  const sx = x.length === n ? 1 : 0;
  const sy = y.length === n ? 1 : 0;
  for (let i = 0; i < n; i++) out[i] = f(x[i * sx]!, y[i * sy]!);
}

const compare =
  (pred: Pred): ParamlessKernel =>
  (_p, [a, b], [out]) => {
    const n = size(out!.shape);
    const r = new Uint8Array(n);
    zipValues(a!, b!, n, (x, y) => (pred(x, y) ? 1 : 0), r);
    return [new Tensor("bool", out!.shape, r)];
  };

/** and/or on bool act on truth values; on i32 they are bitwise. */
const logical =
  (boolFn: (x: number, y: number) => number, intFn: (x: number, y: number) => number): ParamlessKernel =>
  (_p, [a, b], [out]) => {
    const n = size(out!.shape);
    const r = out!.dtype === "bool" ? new Uint8Array(n) : new Int32Array(n);
    zipValues(a!, b!, n, out!.dtype === "bool" ? boolFn : intFn, r);
    return [new Tensor(out!.dtype, out!.shape, r as never)];
  };

function selectN(which: Tensor, cases: Tensor[], out: Aval): Tensor {
  const n = size(out.shape);
  const w = values(which);
  const sw = w.length === n ? 1 : 0;
  const last = cases.length - 1;
  const srcs = cases.map((c) => codesOf(c.storage as Storage));
  const [storage, r] = allocCodes(out.dtype, n);
  for (let i = 0; i < n; i++) {
    // bool: false picks cases[0], true cases[1]; i32: the index clamped to [0, n − 1].
    const k = which.dtype === "bool" ? (w[i * sw] ? 1 : 0) : Math.min(Math.max(w[i * sw]!, 0), last);
    r[i] = srcs[k]![i]!;
  }
  return fromStorage(storage, out);
}

export const compareSelectKernels = {
  eq: compare((a, b) => a === b),
  ne: compare((a, b) => a !== b),
  lt: compare((a, b) => a < b),
  le: compare((a, b) => a <= b),
  gt: compare((a, b) => a > b),
  ge: compare((a, b) => a >= b),
  and: logical((a, b) => (a && b ? 1 : 0), (a, b) => a & b),
  or: logical((a, b) => (a || b ? 1 : 0), (a, b) => a | b),
  not: (_p, [x], [out]) => {
    const v = values(x!);
    const r = out!.dtype === "bool" ? Uint8Array.from(v, (b) => (b ? 0 : 1)) : Int32Array.from(v, (b) => ~b);
    return [new Tensor(out!.dtype, out!.shape, r as never)];
  },
  shift_right_logical: (_p, [a, b], [out]) => {
    const n = size(out!.shape);
    const r = new Int32Array(n);
    zipValues(a!, b!, n, shiftRightLogical, r);
    return [new Tensor("i32", out!.shape, r)];
  },
  select_n: (_p, [which, ...cases], [out]) => [selectN(which!, cases, out!)],
} satisfies Partial<KernelTable>;
