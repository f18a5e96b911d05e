// Elementwise primitives: unary, binary, comparisons and select_n (lax semantics).
import { z } from "zod";
import { avalToString, shapeEquals, type Aval } from "../shape.js";
import { def, dtypeError, elementwiseShape, noParams, requireFloat, requireNumeric, shapeError, zInt } from "./define.js";

/** A unary elementwise primitive whose operand must pass `check` (float-only or numeric). */
const unary = (doc: string, check: (op: string, x: Aval) => void) =>
  def({
    family: "elementwise-unary",
    params: noParams,
    arity: 1,
    doc,
    abstractEval: (_p, [x], op) => {
      check(op, x!);
      return [x!];
    },
  });
const floatUnary = (doc: string) => unary(doc, (op, x) => requireFloat(op, x));
const numericUnary = (doc: string) => unary(doc, requireNumeric);

const binary = (doc: string, floatOnly = false) =>
  def({
    family: "elementwise-binary",
    params: noParams,
    arity: 2,
    doc,
    abstractEval: (_p, ins, op) => {
      const shape = elementwiseShape(op, ins);
      if (floatOnly) requireFloat(op, ins[0]!);
      else requireNumeric(op, ins[0]!);
      return [{ dtype: ins[0]!.dtype, shape }];
    },
  });

const comparison = (doc: string) =>
  def({
    family: "comparison",
    params: noParams,
    arity: 2,
    doc,
    abstractEval: (_p, ins, op) => [{ dtype: "bool", shape: elementwiseShape(op, ins) }],
  });

const intBinary = (doc: string) =>
  def({
    family: "elementwise-binary",
    params: noParams,
    arity: 2,
    doc,
    abstractEval: (_p, ins, op) => {
      const shape = elementwiseShape(op, ins);
      if (ins[0]!.dtype !== "i32") dtypeError(op, `operands must be i32, got ${avalToString(ins[0]!)}`);
      return [{ dtype: "i32", shape }];
    },
  });

const logical = (doc: string, arity: number) =>
  def({
    family: arity === 1 ? "elementwise-unary" : "elementwise-binary",
    params: noParams,
    arity,
    doc,
    abstractEval: (_p, ins, op) => {
      const shape = elementwiseShape(op, ins);
      if (ins[0]!.dtype !== "bool" && ins[0]!.dtype !== "i32") dtypeError(op, `operands must be bool or i32, got ${avalToString(ins[0]!)}`);
      return [{ dtype: ins[0]!.dtype, shape }];
    },
  });

export const elementwise = {
  neg: numericUnary("−x"),
  abs: numericUnary("|x|"),
  sign: numericUnary("−1, 0 or 1 (±0 and NaN pass through for floats)"),
  exp: floatUnary("e^x"),
  log: floatUnary("natural logarithm"),
  sqrt: floatUnary("square root (correctly rounded)"),
  rsqrt: floatUnary("fround(1 / fround(sqrt(x)))"),
  tanh: floatUnary("hyperbolic tangent"),
  logistic: floatUnary("1 / (1 + e^−x)"),
  erf: floatUnary("error function"),
  sin: floatUnary("sine"),
  cos: floatUnary("cosine"),
  integer_pow: def({
    family: "elementwise-unary",
    params: z.object({ y: zInt }).strict(),
    arity: 1,
    doc: "x^y for an integer y, by repeated f32 multiplication",
    abstractEval: (_p, [x], op) => {
      requireNumeric(op, x!);
      return [x!];
    },
  }),
  add: binary("a + b"),
  sub: binary("a − b"),
  mul: binary("a × b"),
  div: binary("a ÷ b (integer: truncating, x/0 = 0, INT_MIN/−1 = INT_MIN)"),
  max: binary("maximum; propagates NaN; −0 < +0"),
  min: binary("minimum; propagates NaN; −0 < +0"),
  pow: binary("a^b for floats", true),
  eq: comparison("a = b"),
  ne: comparison("a ≠ b"),
  lt: comparison("a < b"),
  le: comparison("a ≤ b"),
  gt: comparison("a > b"),
  ge: comparison("a ≥ b"),
  and: logical("bitwise/logical and", 2),
  or: logical("bitwise/logical or", 2),
  not: logical("bitwise/logical not", 1),
  shift_right_logical: intBinary("logical right shift of i32 bits (shift ≥ 32 gives 0)"),
  select_n: def({
    family: "select",
    params: noParams,
    arity: { min: 2 },
    doc: "cases[which]: which is bool (2 cases) or i32 (clamped index)",
    abstractEval: (_p, [which, ...cases], op) => {
      if (which!.dtype !== "bool" && which!.dtype !== "i32") dtypeError(op, `predicate must be bool or i32, got ${avalToString(which!)}`);
      if (which!.dtype === "bool" && cases.length !== 2) shapeError(op, `a bool predicate needs exactly 2 cases, got ${cases.length}`);
      const first = cases[0]!;
      for (const c of cases) {
        if (c.dtype !== first.dtype || !shapeEquals(c.shape, first.shape))
          dtypeError(op, `cases must have one type, got ${cases.map(avalToString).join(", ")}`);
      }
      if (which!.shape.length !== 0 && !shapeEquals(which!.shape, first.shape))
        shapeError(op, `predicate shape ${avalToString(which!)} must be scalar or match the cases ${avalToString(first)}`);
      return [first as Aval];
    },
  }),
};

