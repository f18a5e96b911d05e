// Casts, creation, randomness and the custom-gradient construct.
import { z } from "zod";
import { isFloat } from "../dtype.js";
import { Program } from "../program.js";
import { avalEquals, avalToString, shapeEquals, shapeToString, type Aval } from "../shape.js";
import { def, dtypeError, requireFloat, shapeError, zDType, zNat, zShape } from "./define.js";

// Annotated so the catalogue's inferred type does not loop through Program → Equation → Params.
const zProgram: z.ZodType<Program> = z.custom<Program>((v) => v instanceof Program, { message: "expected a program" });

export const misc = {
  convert_element_type: def({
    family: "cast",
    params: z.object({ new_dtype: zDType, saturate: z.boolean() }).strict(),
    arity: 1,
    doc: "cast; float→float rounds to nearest even (saturate clamps fp8 overflow to ±max), float→int truncates and saturates, NaN→0",
    abstractEval: (p, [x]) => [{ dtype: p.new_dtype, shape: x!.shape }],
  }),
  reduce_precision: def({
    family: "cast",
    params: z.object({ exponent_bits: z.number().int().min(1).max(8), mantissa_bits: z.number().int().min(0).max(23) }).strict(),
    arity: 1,
    doc: "round to an IEEE-like format with the given exponent and mantissa bits (with inf), keep the dtype",
    abstractEval: (_p, [x], op) => {
      requireFloat(op, x!);
      return [x!];
    },
  }),
  iota: def({
    family: "creation",
    params: z.object({ dtype: zDType, shape: zShape, dimension: zNat }).strict(),
    arity: 0,
    doc: "indices along one dimension",
    abstractEval: (p, _ins, op) => {
      if (p.dimension >= p.shape.length) shapeError(op, `dimension ${p.dimension} out of range for ${shapeToString(p.shape)}`);
      return [{ dtype: p.dtype, shape: p.shape }];
    },
  }),
  random_bits: def({
    family: "random",
    params: z.object({ shape: zShape }).strict(),
    arity: 1,
    doc: "Philox-4x32-10 bits (as i32) from a key i32[2], counter = flat index; identical on every backend",
    abstractEval: (p, [key], op) => {
      if (key!.dtype !== "i32" || key!.shape.length !== 1 || key!.shape[0] !== 2) dtypeError(op, `key must be i32[2], got ${avalToString(key!)}`);
      return [{ dtype: "i32", shape: p.shape }];
    },
  }),
  custom_vjp: def({
    family: "control",
    params: z
      .object({
        // call: inputs → outputs. fwd: inputs → outputs ++ residuals. bwd: residuals ++ output cotangents → input cotangents.
        call: zProgram,
        fwd: zProgram,
        bwd: zProgram,
        num_residuals: zNat,
      })
      .strict(),
    arity: { min: 0 },
    doc: "call a body with a user-given backward rule (jax.custom_vjp)",
    abstractEval: (p, ins, op) => {
      const { call, fwd, bwd, num_residuals: nr } = p;
      const sig = (avals: readonly { dtype: string; shape: readonly number[] }[]) => avals.map((a) => `${a.dtype}${shapeToString(a.shape)}`).join(", ");
      const same = (xs: readonly Parameters<typeof avalEquals>[0][], ys: readonly Parameters<typeof avalEquals>[0][]) =>
        xs.length === ys.length && xs.every((x, i) => avalEquals(x, ys[i]!));
      if (!same(ins, call.inputAvals)) dtypeError(op, `operands (${sig(ins)}) do not match the body's inputs (${sig(call.inputAvals)})`);
      if (!same(fwd.inputAvals, call.inputAvals)) dtypeError(op, "fwd must take the body's inputs");
      const outs = call.outputAvals;
      if (!same(fwd.outputAvals.slice(0, outs.length), outs) || fwd.outputAvals.length !== outs.length + nr)
        dtypeError(op, `fwd must return the body's outputs then ${nr} residuals`);
      const res = fwd.outputAvals.slice(outs.length);
      if (!same(bwd.inputAvals, [...res, ...outs])) dtypeError(op, "bwd must take the residuals then one cotangent per output");
      // A cotangent may carry a narrower float dtype than its primal (castOnBackward), so only
      // shapes and float-ness are checked.
      const ctLike = (xs: readonly Aval[], ys: readonly Aval[]) =>
        xs.length === ys.length && xs.every((x, i) => isFloat(x.dtype) && shapeEquals(x.shape, ys[i]!.shape));
      const floatIns = call.inputAvals.filter((a) => isFloat(a.dtype));
      if (!ctLike(bwd.outputAvals, floatIns) && !ctLike(bwd.outputAvals, call.inputAvals))
        dtypeError(op, "bwd must return one float cotangent per (float) input, shaped like it");
      return outs;
    },
  }),
};

