// A small program builder for tests: output avals come from the primitive's own shape rule,
// so hand-written test programs are well typed by construction.
import type { DType, Storage } from "../../ir/dtype.js";
import { primitiveDef, type Params, type Primitive } from "../../ir/primitives/catalogue.js";
import { Literal, makeEquation, Program, Var, type Atom, type Constant, type Equation } from "../../ir/program.js";
import type { Aval } from "../../ir/shape.js";
import { LEAF, type TreeDef } from "../../ir/tree.js";

export class Builder {
  readonly inputs: Var[] = [];
  readonly inputNames: string[] = [];
  readonly constants: Constant[] = [];
  readonly equations: Equation[] = [];

  input(dtype: DType, shape: number[], name: string): Var {
    const v = new Var({ dtype, shape });
    this.inputs.push(v);
    this.inputNames.push(name);
    return v;
  }

  constant(dtype: DType, shape: number[], storage: Storage): Var {
    const v = new Var({ dtype, shape });
    this.constants.push({ variable: v, value: { dtype, shape, storage } });
    return v;
  }

  /** Adds one equation; returns all its outputs. */
  eqn<P extends Primitive>(prim: P, params: Params<P>, inputs: Atom[], callSite?: string): Var[] {
    const rule = primitiveDef(prim).abstractEval as (p: unknown, ins: readonly Aval[], op: string) => Aval[];
    const outs = rule(params, inputs.map((a) => a.aval), prim).map((a) => new Var(a));
    this.equations.push(makeEquation(prim, params, inputs, outs, callSite));
    return outs;
  }

  /** Adds one single-output equation and returns its output. */
  op<P extends Primitive>(prim: P, params: Params<P>, ...inputs: Atom[]): Var {
    return this.eqn(prim, params, inputs)[0]!;
  }

  build(outputs: Atom[], opts: { inTree?: TreeDef; outTree?: TreeDef; name?: string } = {}): Program {
    const leaves = (n: number): TreeDef => (n === 1 ? LEAF : { kind: "array", children: Array.from({ length: n }, () => LEAF) });
    return new Program(
      this.inputs,
      this.constants,
      this.equations,
      outputs,
      this.inputNames,
      opts.inTree ?? leaves(this.inputs.length),
      opts.outTree ?? leaves(outputs.length),
      opts.name ?? "main",
    );
  }
}

export const lit = (value: number, dtype: DType = "f32"): Literal => new Literal(value, dtype);
