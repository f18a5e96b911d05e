// Operand checks shared by both backends (the reference interpreter's and the native backend's
// program runs and eager entry points), so both reject bad arguments and operands with the same
// typed errors. Kept apart from interpreter.ts so the native backend does not import the
// interpreter.
import { isDType } from "../ir/dtype.js";
import { ValidationError } from "../ir/errors.js";
import { primitiveDef, type Params, type Primitive } from "../ir/primitives/catalogue.js";
import type { Program } from "../ir/program.js";
import { avalEquals, avalToString, type Aval } from "../ir/shape.js";
import { Tensor } from "./tensor.js";

/** The arguments of a program run: concrete, live tensors of the program's input avals. */
export function validateArgs(program: Program, args: readonly unknown[]): Tensor[] {
  if (args.length !== program.inputs.length)
    throw new ValidationError(`program ${program.name} takes ${program.inputs.length} arguments, got ${args.length}`, "args");
  return args.map((a, i) => {
    const want = program.inputs[i]!.aval;
    const name = program.inputNames[i] ? ` (${program.inputNames[i]})` : "";
    if (!(a instanceof Tensor) || !a.isConcrete) throw new ValidationError(`argument${name} must be a concrete Tensor of ${avalToString(want)}`, `args[${i}]`);
    if (!isDType(a.dtype) || !avalEquals(a.aval, want))
      throw new ValidationError(`argument${name} must be ${avalToString(want)}, got ${avalToString(a.aval)}`, `args[${i}]`);
    if (a.isDeleted()) throw new ValidationError(`argument${name} was deleted (Tensor.delete)`, `args[${i}]`);
    return a;
  });
}

/** Output avals of one primitive on concrete operands, after checking their count and types. */
export function operandCheckedAvals<P extends Primitive>(prim: P, params: Params<P>, inputs: readonly Tensor[]): Aval[] {
  const def = primitiveDef(prim);
  const arity = def.arity;
  if (typeof arity === "number" ? inputs.length !== arity : inputs.length < arity.min)
    throw new ValidationError(`${prim} takes ${typeof arity === "number" ? arity : `at least ${arity.min}`} operands, got ${inputs.length}`, "inputs");
  return def.abstractEval(params, inputs.map((t) => t.aval), prim);
}
