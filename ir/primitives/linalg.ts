// dot_general with batch dimensions (lax semantics: output = batch dims, lhs free dims, rhs free dims).
import { z } from "zod";
import { isFloat, isFp8, promoteTypes, type DType } from "../dtype.js";
import { avalToString } from "../shape.js";
import { checkAxes, def, dtypeError, shapeError, zAxes, zDType } from "./define.js";

const zDims = z.tuple([zAxes, zAxes]);

/** Output dtype (DESIGN.md "Types and promotion"): preferred, else f32 for any fp8, else promoted. */
export function dotOutputDType(a: DType, b: DType, preferred: DType | null): DType | undefined {
  if (preferred) return preferred;
  if (isFp8(a) || isFp8(b)) return "f32";
  return promoteTypes(a, b);
}

export const linalg = {
  dot_general: def({
    family: "linalg",
    params: z
      .object({
        dimension_numbers: z.tuple([zDims, zDims]), // ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch))
        preferred_element_type: zDType.nullable(),
      })
      .strict(),
    arity: 2,
    doc: "generalised matmul; accumulates in f32, rounds once to the output dtype",
    abstractEval: (p, [a, b], op) => {
      const [[lc, rc], [lb, rb]] = p.dimension_numbers;
      if (isFloat(a!.dtype) !== isFloat(b!.dtype)) dtypeError(op, `cannot mix ${avalToString(a!)} and ${avalToString(b!)}`);
      if (!isFloat(a!.dtype) && a!.dtype !== b!.dtype) dtypeError(op, `integer operands must match: ${avalToString(a!)}, ${avalToString(b!)}`);
      if (a!.dtype === "bool") dtypeError(op, "bool operands");
      checkAxes(op, [...lc, ...lb], a!.shape.length, "lhs contracting+batch dims");
      checkAxes(op, [...rc, ...rb], b!.shape.length, "rhs contracting+batch dims");
      if (lc.length !== rc.length || lb.length !== rb.length) shapeError(op, `dimension_numbers ${JSON.stringify(p.dimension_numbers)} pair unequal counts`);
      lc.forEach((d, i) => {
        if (a!.shape[d] !== b!.shape[rc[i]!]) shapeError(op, `contracting dims differ: ${avalToString(a!)} dim ${d} vs ${avalToString(b!)} dim ${rc[i]}`);
      });
      lb.forEach((d, i) => {
        if (a!.shape[d] !== b!.shape[rb[i]!]) shapeError(op, `batch dims differ: ${avalToString(a!)} dim ${d} vs ${avalToString(b!)} dim ${rb[i]}`);
      });
      const dtype = dotOutputDType(a!.dtype, b!.dtype, p.preferred_element_type);
      if (!dtype) dtypeError(op, `no output dtype for ${a!.dtype} × ${b!.dtype}`);
      const free = (shape: readonly number[], c: number[], bt: number[]) => shape.filter((_, i) => !c.includes(i) && !bt.includes(i));
      return [{ dtype, shape: [...lb.map((d) => a!.shape[d]!), ...free(a!.shape, lc, lb), ...free(b!.shape, rc, rb)] }];
    },
  }),
};
