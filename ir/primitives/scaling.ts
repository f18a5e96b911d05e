// The scaling primitives of the scalify pass (DESIGN.md "Scalify semantics"). On plain tensors
// they keep values unchanged (stop_scaling casts, pow2_round rounds); the scalify pass gives them
// their meaning on (data, scale) pairs.
import { z } from "zod";
import { isFloat } from "../dtype.js";
import { avalToString } from "../shape.js";
import { def, dtypeError, requireFloat, zDType } from "./define.js";

const requireScalarF32 = (op: string, s: { dtype: string; shape: readonly number[] }, what: string) => {
  if (s.dtype !== "f32" || s.shape.length !== 0) dtypeError(op, `${what} must be an f32 scalar, got ${avalToString(s as never)}`);
};

export const scaling = {
  pow2_round: def({
    family: "elementwise-unary",
    params: z.object({ mode: z.enum(["down", "up"]) }).strict(),
    arity: 1,
    doc: "power of two of |x| rounded down (2^⌊log2|x|⌋) or up, sign kept; 0, ±inf and NaN pass through",
    abstractEval: (_p, [x], op) => {
      requireFloat(op, x!);
      return [x!];
    },
  }),
  set_scaling: def({
    family: "scaling",
    params: z.object({}).strict(),
    arity: 2,
    doc: "value unchanged; scalified: the output takes the given scale, data = d·(s/new)",
    abstractEval: (_p, [x, s], op) => {
      requireFloat(op, x!);
      requireScalarF32(op, s!, "scale");
      return [x!];
    },
  }),
  rebalance: def({
    family: "scaling",
    params: z.object({}).strict(),
    arity: 2,
    doc: "value unchanged; scalified: data / r, scale · r",
    abstractEval: (_p, [x, r], op) => {
      requireFloat(op, x!);
      requireScalarF32(op, r!, "rebalance factor");
      return [x!];
    },
  }),
  stop_scaling: def({
    family: "scaling",
    params: z.object({ dtype: zDType.nullable() }).strict(),
    arity: 1,
    doc: "a plain tensor (in dtype, default x's): scalified, data·scale computed in f32",
    abstractEval: (p, [x], op) => {
      requireFloat(op, x!);
      if (p.dtype && !isFloat(p.dtype)) dtypeError(op, `dtype must be a float, got ${p.dtype}`);
      return [{ dtype: p.dtype ?? x!.dtype, shape: x!.shape }];
    },
  }),
  get_data_scale: def({
    family: "scaling",
    params: z.object({}).strict(),
    arity: 1,
    doc: "(data, scale) as plain tensors; on a plain tensor (x, 1)",
    abstractEval: (_p, [x], op) => {
      requireFloat(op, x!);
      return [x!, { dtype: "f32", shape: [] }];
    },
  }),
  dynamic_rescale: def({
    family: "scaling",
    params: z.object({ norm: z.enum(["max", "l1", "l2"]) }).strict(),
    arity: 1,
    doc: "value unchanged; scalified: rebalance by max(pow2_down(norm(data)), eps)",
    abstractEval: (_p, [x], op) => {
      requireFloat(op, x!);
      return [x!];
    },
  }),
  lazy_rescale: def({
    family: "scaling",
    params: z.object({ norm: z.enum(["max", "l1", "l2"]), lo: z.number().positive().finite(), hi: z.number().positive().finite() }).strict(),
    arity: 2,
    doc: "value of x unchanged; scalified: x takes ref's scale while norm(data) on that scale lies in [lo, hi], else dynamic_rescale's",
    abstractEval: (p, [x, ref], op) => {
      requireFloat(op, x!);
      requireFloat(op, ref!, "reference");
      // Tracing binds without the schema: the window is checked here too.
      if (!(p.lo > 0 && p.lo <= p.hi && Number.isFinite(p.hi))) dtypeError(op, `the window [lo, hi] must be positive, finite and ordered, got [${p.lo}, ${p.hi}]`);
      return [x!];
    },
  }),
};
