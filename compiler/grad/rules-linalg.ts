// Gradient rules of dot_general (its transpose is another dot_general, plus a transpose where no
// operand order gives the operand's layout) and of
// custom_vjp (the user's backward program, inlined).
import { isFloat, isFp8, type DType } from "../../ir/dtype.js";
import { Literal } from "../../ir/program.js";
import type { Tensor } from "../../runtime/tensor.js";
import { bind1, callProgram, type Operand } from "../tracer.js";
import type { PartialRules } from "./rule-types.js";
import { zerosOf } from "./util.js";

type Dims = [[number[], number[]], [number[], number[]]];

/**
 * Cotangent of one operand `x` of a dot_general, given the other operand `y`: contract the
 * cotangent's y-free dims with y's free dims and keep the batch dims. Of the two operand orders,
 * (ct, y) gives (batch, x-free, x-contracting) and (y, ct) gives (batch, x-contracting, x-free);
 * the one already in x's layout is used, so that the common cases (both operands of a matmul)
 * need no transpose, else (ct, y) and a transpose into x's layout.
 */
function dotTranspose(ct: Tensor, y: Operand, x: Operand, xc: number[], yc: number[], xb: number[], yb: number[], xFirst: boolean): Tensor {
  const free = (rank: number, c: number[], b: number[]) => [...Array(rank).keys()].filter((d) => !c.includes(d) && !b.includes(d));
  const xFree = free(x.shape.length, xc, xb);
  const yFree = free(y.shape.length, yc, yb);
  const nb = xb.length;
  // In the cotangent, the lhs free dims come before the rhs free dims.
  const ctYFree = yFree.map((_, j) => nb + (xFirst ? xFree.length : 0) + j);
  const batch = [...Array(nb).keys()];
  // fp8 cotangents would lose too much: they come back in f32 and the cast rule narrows them.
  const dtype: DType = isFp8(x.dtype) ? "f32" : x.dtype;
  const sortedYc = [...yc].sort((a, b) => a - b);
  const layout = (freeFirst: boolean) =>
    [...Array(x.shape.length).keys()].map((d) => {
      const bi = xb.indexOf(d);
      if (bi >= 0) return bi;
      const fi = xFree.indexOf(d);
      const ci = sortedYc.indexOf(yc[xc.indexOf(d)]!);
      return freeFirst ? (fi >= 0 ? nb + fi : nb + xFree.length + ci) : fi >= 0 ? nb + yc.length + fi : nb + ci;
    });
  const identity = (perm: number[]) => perm.every((p, i) => p === i);
  if (!identity(layout(true)) && identity(layout(false)))
    return bind1("dot_general", { dimension_numbers: [[yFree, ctYFree], [yb, batch]], preferred_element_type: dtype }, [y, ct]);
  const r = bind1("dot_general", { dimension_numbers: [[ctYFree, yFree], [batch, yb]], preferred_element_type: dtype }, [ct, y]);
  const perm = layout(true);
  return identity(perm) ? r : bind1("transpose", { permutation: perm }, [r]);
}

export const linalgRules: PartialRules<"dot_general" | "custom_vjp"> = {
  dot_general: ({ params, inputs: [a, b] }, [ct]) => {
    const [[lc, rc], [lb, rb]] = params.dimension_numbers as Dims;
    return [
      a instanceof Literal || !isFloat(a!.dtype) ? null : dotTranspose(ct!, b!, a!, lc, rc, lb, rb, true),
      b instanceof Literal || !isFloat(b!.dtype) ? null : dotTranspose(ct!, a!, b!, rc, lc, rb, lb, false),
    ];
  },
  custom_vjp: ({ params: { bwd, call }, inputs, residuals, outputs }, cts) => {
    const filled = cts.map((c, i) => c ?? zerosOf(outputs[i]!));
    const res = callProgram(bwd, [...residuals, ...filled], () => {
      throw new Error("unreachable: gradient rules run inside a trace");
    });
    // bwd returns one cotangent per input, or one per float input.
    if (res.length === inputs.length) return res;
    let k = 0;
    return call.inputs.map((v) => (isFloat(v.dtype) ? res[k++]! : null));
  },
};
