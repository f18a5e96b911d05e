// matmul and dot with NumPy semantics, lowered to one dot_general (with batch dims when both
// operands have them). Float operands of different dtypes go to dot_general as they are: it
// accumulates in f32 and picks the output dtype itself (preferredElementType, else f32 when any
// operand is fp8, else the promoted dtype), which is how fp8 matmuls are written. Int/bool operands
// are promoted (bool to i32) since dot_general does not mix them with floats.
import { isFloat, type DType } from "../../ir/dtype.js";
import { shapeToString } from "../../ir/shape.js";
import type { Tensor } from "../../runtime/tensor.js";
import * as lax from "../lax.js";
import { broadcastShapes, broadcastTo, range, resultDType, shapeError } from "./coerce.js";
import { astype } from "./creation.js";
import { mul } from "./elementwise.js";

export interface MatmulOptions {
  preferredElementType?: DType;
}

function linalgOperands(op: string, a: Tensor, b: Tensor): [Tensor, Tensor] {
  if (a.ndim === 0 || b.ndim === 0) shapeError(op, `operands must be at least 1-D, got ${shapeToString(a.shape)} and ${shapeToString(b.shape)}`);
  if (isFloat(a.dtype) && isFloat(b.dtype)) return [a, b];
  let d = resultDType(op, [a, b]);
  if (d === "bool") d = "i32";
  return [astype(a, d), astype(b, d)];
}

function checkContract(op: string, a: Tensor, b: Tensor, ka: number, kb: number): void {
  if (a.shape[ka] !== b.shape[kb])
    shapeError(op, `contracting dimensions differ: ${shapeToString(a.shape)} (axis ${ka}) and ${shapeToString(b.shape)} (axis ${kb})`);
}

/**
 * a @ b (jnp.matmul): 1-D operands act as a row / column vector that is dropped from the result;
 * N-D operands are stacks of matrices whose batch dimensions broadcast.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const op = "matmul";
  [a, b] = linalgOperands(op, a, b);
  const preferredElementType = opts.preferredElementType ?? null;
  const ka = a.ndim - 1;
  const kb = Math.max(b.ndim - 2, 0);
  checkContract(op, a, b, ka, kb);
  // No batch dims on one side: contract directly, no broadcast needed.
  if (b.ndim <= 2) return lax.dotGeneral(a, b, { dimensionNumbers: [[[ka], [kb]], [[], []]], preferredElementType });
  if (a.ndim <= 2) {
    const out = lax.dotGeneral(a, b, { dimensionNumbers: [[[ka], [kb]], [[], []]], preferredElementType });
    if (a.ndim === 1) return out; // [...batch, n]
    // [m, ...batch, n] → [...batch, m, n]
    const nb = b.ndim - 2;
    return lax.transpose(out, { permutation: [...range(nb, 1), 0, nb + 1] });
  }
  const batch = broadcastShapes(op, [a.shape.slice(0, -2), b.shape.slice(0, -2)]);
  const nb = batch.length;
  const A = broadcastTo(op, a, [...batch, ...a.shape.slice(-2)]) as Tensor;
  const B = broadcastTo(op, b, [...batch, ...b.shape.slice(-2)]) as Tensor;
  const bd = range(nb);
  return lax.dotGeneral(A, B, { dimensionNumbers: [[[nb + 1], [nb]], [bd, bd]], preferredElementType });
}

/**
 * jnp.dot: for N-D operands, a sum product over the last axis of a and the second-to-last of b
 * (the last when b is 1-D), without batching: the result has a's free axes then b's. A 0-D
 * operand multiplies.
 */
export function dot(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const op = "dot";
  if (a.ndim === 0 || b.ndim === 0) return mul(a, b); // as jnp.dot
  [a, b] = linalgOperands(op, a, b);
  const ka = a.ndim - 1;
  const kb = Math.max(b.ndim - 2, 0);
  checkContract(op, a, b, ka, kb);
  return lax.dotGeneral(a, b, { dimensionNumbers: [[[ka], [kb]], [[], []]], preferredElementType: opts.preferredElementType ?? null });
}
