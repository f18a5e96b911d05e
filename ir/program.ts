// The typed SSA program (a jaxpr): inputs, constants, equations, outputs, tree structure.
import type { DType, Storage } from "./dtype.js";
import type { Aval } from "./shape.js";
import type { Params, Primitive } from "./primitives/catalogue.js";
import { LEAF, type TreeDef } from "./tree.js";

/** An SSA variable. Identity is by object; names are given by the printer. */
export class Var {
  constructor(readonly aval: Aval) {}
  get dtype(): DType {
    return this.aval.dtype;
  }
  get shape(): readonly number[] {
    return this.aval.shape;
  }
}

/** A typed rank-0 literal, implicitly broadcast by elementwise primitives. */
export class Literal {
  readonly aval: Aval;
  constructor(
    readonly value: number,
    readonly dtype: DType,
  ) {
    this.aval = { dtype, shape: [] };
  }
  get shape(): readonly number[] {
    return [];
  }
}

export type Atom = Var | Literal;

/** A constant tensor captured by tracing; the runtime's Tensor satisfies this shape. */
export interface ConstValue {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly storage: Storage;
}

export interface Equation<P extends Primitive = Primitive> {
  readonly primitive: P;
  readonly params: Params<P>;
  readonly inputs: Atom[];
  readonly outputs: Var[];
  /** The user's call site (file:line:col) for error messages; not printed. */
  readonly callSite?: string;
}

export interface Constant {
  readonly variable: Var;
  readonly value: ConstValue;
}

export class Program {
  constructor(
    readonly inputs: Var[],
    readonly constants: Constant[],
    readonly equations: Equation[],
    readonly outputs: Atom[],
    /** One name per input: the parameter name plus pytree path, e.g. `params.w1`. */
    readonly inputNames: string[],
    readonly inTree: TreeDef = LEAF,
    readonly outTree: TreeDef = LEAF,
    readonly name = "main",
  ) {}

  get inputAvals(): Aval[] {
    return this.inputs.map((v) => v.aval);
  }
  get outputAvals(): Aval[] {
    return this.outputs.map((v) => v.aval);
  }

  with(changes: Partial<ProgramParts>): Program {
    const p = { ...this.parts(), ...changes };
    return new Program(p.inputs, p.constants, p.equations, p.outputs, p.inputNames, p.inTree, p.outTree, p.name);
  }

  parts(): ProgramParts {
    return {
      inputs: this.inputs,
      constants: this.constants,
      equations: this.equations,
      outputs: this.outputs,
      inputNames: this.inputNames,
      inTree: this.inTree,
      outTree: this.outTree,
      name: this.name,
    };
  }
}

export interface ProgramParts {
  inputs: Var[];
  constants: Constant[];
  equations: Equation[];
  outputs: Atom[];
  inputNames: string[];
  inTree: TreeDef;
  outTree: TreeDef;
  name: string;
}

export function isVar(a: Atom): a is Var {
  return a instanceof Var;
}

export function makeEquation<P extends Primitive>(
  primitive: P,
  params: Params<P>,
  inputs: Atom[],
  outputs: Var[],
  callSite?: string,
): Equation<P> {
  return callSite === undefined ? { primitive, params, inputs, outputs } : { primitive, params, inputs, outputs, callSite };
}
