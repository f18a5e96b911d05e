// Tracing: ops called on tracers record equations into the innermost active trace; called on
// concrete tensors outside any trace they run at once on the reference interpreter (eager mode).
// Like JAX's omnistaging, everything inside a trace is staged out, concrete tensors included
// (they become program constants), so a traced program is always complete.
import { withCallSite as attachCallSite } from "../ir/errors.js";
import { Literal, makeEquation, Program, Var, type Atom, type Constant, type Equation } from "../ir/program.js";
import { primitiveDef, type Params, type Primitive } from "../ir/primitives/catalogue.js";
import type { Aval } from "../ir/shape.js";
import type { TreeDef } from "../ir/tree.js";
import { evalPrimitive } from "../runtime/interpreter.js";
import { Tensor } from "../runtime/tensor.js";
import { encode } from "../runtime/numerics/codec.js";
import { userCallSite } from "./call-site.js";

/** A tensor standing for a variable of a program being traced. */
export class Tracer extends Tensor {
  constructor(
    readonly builder: TraceBuilder,
    readonly variable: Var,
  ) {
    super(variable.aval.dtype, variable.aval.shape);
  }
  override get storage(): never {
    throw new TypeError(
      `cannot read the values of a traced ${this.dtype}[${this.shape.join(",")}] tensor: inside sf.trace/jit/grad values exist only when the program runs`,
    );
  }
}

export function isTracer(x: unknown): x is Tracer {
  return x instanceof Tracer;
}

/** An operand of `bind`: a tensor (concrete or traced) or a typed scalar literal. */
export type Operand = Tensor | Literal;

/** Collects the equations of one trace. */
export class TraceBuilder {
  readonly inputs: Var[] = [];
  readonly equations: Equation[] = [];
  readonly constants: Constant[] = [];
  /** Tracers of enclosing traces used here (closure capture): each becomes an extra input. */
  readonly captured = new Map<Tracer, Var>();
  private readonly constVars = new Map<Tensor, Var>();
  active = true;

  newInput(aval: Aval): Tracer {
    const v = new Var(aval);
    this.inputs.push(v);
    return new Tracer(this, v);
  }

  /** The atom for an operand, capturing constants and outer tracers on first use. */
  atom(x: Operand): Atom {
    if (x instanceof Literal) return x;
    if (x instanceof Tracer) {
      if (x.builder === this) return x.variable;
      if (!x.builder.active) throw new TypeError("a tracer escaped its trace (it was stored outside the traced function and used later)");
      let v = this.captured.get(x);
      if (!v) {
        v = new Var(x.aval);
        this.captured.set(x, v);
      }
      return v;
    }
    let v = this.constVars.get(x);
    if (!v) {
      v = new Var(x.aval);
      this.constVars.set(x, v);
      this.constants.push({ variable: v, value: x });
    }
    return v;
  }

  push(eqn: Equation): void {
    this.equations.push(eqn);
  }

  /** The finished program; captured outer tracers become trailing inputs, returned in order. */
  finish(outputs: Operand[], inputNames: string[], inTree: TreeDef, outTree: TreeDef, name: string): { program: Program; captured: Tracer[] } {
    const outAtoms = outputs.map((o) => this.atom(o));
    const captured = [...this.captured.keys()];
    this.active = false;
    const inputs = [...this.inputs, ...captured.map((t) => this.captured.get(t)!)];
    const names = [...inputNames, ...captured.map((_, i) => `<closure>[${i}]`)];
    const tree: TreeDef =
      captured.length === 0 || inTree.kind !== "array"
        ? inTree
        : { kind: "array", children: [...inTree.children, ...captured.map((): TreeDef => ({ kind: "leaf" }))] };
    return { program: new Program(inputs, this.constants, this.equations, outAtoms, names, tree, outTree, name), captured };
  }
}

const stack: TraceBuilder[] = [];

/**
 * While a pass replays or rewrites equations, the equations it emits carry the call site of the
 * user's equation they come from, so errors in transformed programs still name the user's line.
 */
let siteOverride: string | undefined;

export function withCallSite<T>(site: string | undefined, f: () => T): T {
  const saved = siteOverride;
  siteOverride = site;
  try {
    return f();
  } finally {
    siteOverride = saved;
  }
}

function callSite(): string | undefined {
  return siteOverride ?? userCallSite();
}

export function currentBuilder(): TraceBuilder | undefined {
  return stack[stack.length - 1];
}

/** Run `f` with a new innermost trace. */
export function withTrace<T>(f: (b: TraceBuilder) => T): T {
  const b = new TraceBuilder();
  stack.push(b);
  try {
    return f(b);
  } finally {
    stack.pop();
  }
}

function literalTensor(l: Literal): Tensor {
  return new Tensor(l.dtype, [], encode([l.value], l.dtype) as never);
}

/** Apply a primitive: record it in the innermost trace, or evaluate it eagerly. */
export function bind<P extends Primitive>(prim: P, params: Params<P>, operands: Operand[]): Tensor[] {
  const b = currentBuilder();
  if (!b) {
    const ins = operands.map((o) => (o instanceof Literal ? literalTensor(o) : o));
    try {
      return evalPrimitive(prim, params, ins);
    } catch (e) {
      throw attachCallSite(e, callSite());
    }
  }
  const atoms = operands.map((o) => b.atom(o));
  let outAvals: Aval[];
  try {
    outAvals = primitiveDef(prim).abstractEval(params, atoms.map((a) => a.aval), prim);
  } catch (e) {
    throw attachCallSite(e, callSite());
  }
  const outs = outAvals.map((a) => new Var(a));
  b.push(makeEquation(prim, params, atoms, outs, callSite()));
  return outs.map((v) => new Tracer(b, v));
}

export function bind1<P extends Primitive>(prim: P, params: Params<P>, operands: Operand[]): Tensor {
  return bind(prim, params, operands)[0]!;
}

/**
 * Call a program on operands: inline its equations into the innermost trace, or run it
 * eagerly. Transforms (grad, scalify, jit) use this to compose under outer traces.
 */
export function callProgram(program: Program, operands: Operand[], run: (p: Program, args: Tensor[]) => Tensor[]): Tensor[] {
  const b = currentBuilder();
  if (!b) return run(program, operands.map((o) => (o instanceof Literal ? literalTensor(o) : o)));
  const env = new Map<Var, Atom>();
  program.inputs.forEach((v, i) => env.set(v, b.atom(operands[i]!)));
  for (const c of program.constants) env.set(c.variable, b.atom(asTensor(c.value)));
  const sub = (a: Atom): Atom => (a instanceof Literal ? a : env.get(a)!);
  for (const e of program.equations) {
    const outs = e.outputs.map((v) => new Var(v.aval));
    e.outputs.forEach((v, i) => env.set(v, outs[i]!));
    b.push({ ...e, inputs: e.inputs.map(sub), outputs: outs });
  }
  return program.outputs.map((a) => {
    const s = sub(a);
    return s instanceof Literal ? literalTensor(s) : new Tracer(b, s);
  });
}

function asTensor(c: { dtype: Tensor["dtype"]; shape: readonly number[]; storage: unknown }): Tensor {
  return c instanceof Tensor ? c : new Tensor(c.dtype, c.shape, c.storage as never);
}
