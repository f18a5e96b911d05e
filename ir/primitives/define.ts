// How a primitive is defined: a zod schema for its params (the single source of the params'
// type, of JSON/text validation and of the printer's key order) and a shape/dtype rule.
import { z } from "zod";
import { DTYPES, isFloat, type DType } from "../dtype.js";
import { DTypeError, ShapeError } from "../errors.js";
import { avalToString, shapeEquals, type Aval, type Shape } from "../shape.js";

export type Family =
  | "elementwise-unary"
  | "elementwise-binary"
  | "comparison"
  | "select"
  | "shape"
  | "indexing"
  | "reduction"
  | "linalg"
  | "cast"
  | "creation"
  | "random"
  | "control"
  | "scaling";

export interface PrimitiveDef<S extends z.ZodType = z.ZodType> {
  readonly family: Family;
  readonly params: S;
  /** Exact operand count, or the minimum for variadic primitives. */
  readonly arity: number | { min: number };
  /** Output avals from params and operand avals; throws ShapeError/DTypeError naming `op`. */
  readonly abstractEval: (params: z.infer<S>, ins: readonly Aval[], op: string) => Aval[];
  /** One line for docs/operators.md. */
  readonly doc: string;
}

export function def<S extends z.ZodType>(d: PrimitiveDef<S>): PrimitiveDef<S> {
  return d;
}

// ---- schema pieces ----
export const zInt = z.number().int();
export const zNat = z.number().int().nonnegative();
export const zAxes = z.array(zNat);
export const zShape = z.array(zNat);
export const zDType = z.enum(DTYPES);
export const noParams = z.object({}).strict();

// ---- rule helpers ----
export function shapeError(op: string, msg: string): never {
  throw new ShapeError(msg, op);
}
export function dtypeError(op: string, msg: string): never {
  throw new DTypeError(msg, op);
}

export function requireFloat(op: string, a: Aval, what = "operand"): void {
  if (!isFloat(a.dtype)) dtypeError(op, `${what} must be a float, got ${avalToString(a)}`);
}

export function requireDType(op: string, a: Aval, allowed: readonly DType[], what = "operand"): void {
  if (!allowed.includes(a.dtype)) dtypeError(op, `${what} must be ${allowed.join(" or ")}, got ${avalToString(a)}`);
}

export function requireNumeric(op: string, a: Aval): void {
  if (a.dtype === "bool") dtypeError(op, `operand must be numeric, got ${avalToString(a)}`);
}

/** Elementwise operands: one dtype; shapes equal except that rank-0 operands broadcast. */
export function elementwiseShape(op: string, ins: readonly Aval[]): Shape {
  const dtypes = new Set(ins.map((a) => a.dtype));
  if (dtypes.size > 1) dtypeError(op, `operands must have one dtype, got ${ins.map(avalToString).join(", ")}`);
  let shape: Shape = [];
  for (const a of ins) {
    if (a.shape.length === 0) continue;
    if (shape.length === 0) shape = a.shape;
    else if (!shapeEquals(shape, a.shape)) shapeError(op, `operand shapes differ: ${ins.map(avalToString).join(", ")}`);
  }
  return shape;
}

export function checkAxes(op: string, axes: readonly number[], rank: number, what = "axes"): void {
  const seen = new Set<number>();
  for (const a of axes) {
    if (a < 0 || a >= rank) shapeError(op, `${what} ${JSON.stringify(axes)} out of range for rank ${rank}`);
    if (seen.has(a)) shapeError(op, `${what} ${JSON.stringify(axes)} repeat an axis`);
    seen.add(a);
  }
}

export function isPermutation(p: readonly number[], n: number): boolean {
  return p.length === n && [...p].sort((a, b) => a - b).every((v, i) => v === i);
}
