// Reductions over a set of axes, argmax/argmin and cumsum (lax semantics).
import { z } from "zod";
import { avalToString } from "../shape.js";
import { checkAxes, def, dtypeError, requireNumeric, shapeError, zAxes, zNat } from "./define.js";

const reduce = (doc: string) =>
  def({
    family: "reduction",
    params: z.object({ axes: zAxes }).strict(),
    arity: 1,
    doc,
    abstractEval: (p, [x], op) => {
      requireNumeric(op, x!);
      checkAxes(op, p.axes, x!.shape.length);
      return [{ dtype: x!.dtype, shape: x!.shape.filter((_, i) => !p.axes.includes(i)) }];
    },
  });

const arg = (doc: string) =>
  def({
    family: "reduction",
    params: z.object({ axes: z.tuple([zNat]), index_dtype: z.literal("i32") }).strict(),
    arity: 1,
    doc,
    abstractEval: (p, [x], op) => {
      requireNumeric(op, x!);
      checkAxes(op, p.axes, x!.shape.length);
      if (x!.shape[p.axes[0]] === 0) shapeError(op, `cannot reduce an empty axis of ${avalToString(x!)}`);
      return [{ dtype: "i32", shape: x!.shape.filter((_, i) => i !== p.axes[0]) }];
    },
  });

export const reductions = {
  reduce_sum: reduce("Σ over axes, accumulated in f32 (i32 wraps)"),
  reduce_max: reduce("max over axes (NaN propagates; −inf for empty)"),
  reduce_min: reduce("min over axes (NaN propagates; +inf for empty)"),
  reduce_prod: reduce("Π over axes, accumulated in f32"),
  argmax: arg("index of the first maximum (NaN counts as the maximum)"),
  argmin: arg("index of the first minimum (NaN counts as the minimum)"),
  cumsum: def({
    family: "reduction",
    params: z.object({ axis: zNat, reverse: z.boolean() }).strict(),
    arity: 1,
    doc: "inclusive prefix sum along one axis, accumulated in f32",
    abstractEval: (p, [x], op) => {
      requireNumeric(op, x!);
      if (p.axis >= x!.shape.length) shapeError(op, `axis ${p.axis} out of range for ${avalToString(x!)}`);
      if (x!.dtype === "bool") dtypeError(op, "cumsum of bool");
      return [x!];
    },
  }),
};
