// Operand checks shared by both backends' eager entry points (the reference interpreter's
// evalPrimitive and the native evalPrimitiveNative), so both reject bad operands with the same
// typed errors. Kept apart from interpreter.ts so the native backend does not import the
// interpreter.
import { ValidationError } from "../ir/errors.js";
import { primitiveDef, type Params, type Primitive } from "../ir/primitives/catalogue.js";
import type { Aval } from "../ir/shape.js";
import type { Tensor } from "./tensor.js";

/** Output avals of one primitive on concrete operands, after checking their count and types. */
export function operandCheckedAvals<P extends Primitive>(prim: P, params: Params<P>, inputs: readonly Tensor[]): Aval[] {
  const def = primitiveDef(prim);
  const arity = def.arity;
  if (typeof arity === "number" ? inputs.length !== arity : inputs.length < arity.min)
    throw new ValidationError(`${prim} takes ${typeof arity === "number" ? arity : `at least ${arity.min}`} operands, got ${inputs.length}`, "inputs");
  return def.abstractEval(params, inputs.map((t) => t.aval), prim);
}
