// The reference interpreter: evaluates a Program equation by equation with the kernels of
// runtime/kernels. It is the oracle for the native backend, so it favours exactness and
// readability over speed (DESIGN.md "Where the backends must agree").
import type { StorageMap } from "../ir/dtype.js";
import { ScalifyError } from "../ir/errors.js";
import type { Params, Primitive } from "../ir/primitives/catalogue.js";
import { isVar, type Atom, type Literal, type Program, type Var } from "../ir/program.js";
import { avalEquals, avalToString, type Aval } from "../ir/shape.js";
import { KERNELS, type Kernel, type KernelContext } from "./kernels/index.js";
import { encode, type CastStats } from "./numerics/codec.js";
import { operandCheckedAvals, validateArgs } from "./operands.js";
import { Tensor } from "./tensor.js";

export type { CastStats };

/** Fresh zeroed counters for `castStats`. */
export function newCastStats(): CastStats {
  return { saturated: 0, flushedToZero: 0, nonFinite: 0 };
}

/** What the interpreter reports after each equation (for tests and instrumentation). */
export interface StepInfo {
  /** Index of the equation just evaluated. */
  readonly index: number;
  readonly primitive: Primitive;
  /** Values held after the equation's dead inputs were freed. */
  readonly liveValues: number;
  /** Their storage size in bytes. */
  readonly liveBytes: number;
}

export interface InterpretOptions {
  /** Accumulates what casts to low-precision floats lost (saturated, flushed to zero, non-finite). */
  castStats?: CastStats;
  /** Called after every equation of the top-level program (not of nested programs). */
  onStep?: (info: StepInfo) => void;
}

function context(opts: InterpretOptions): KernelContext {
  const nested: InterpretOptions = opts.castStats ? { castStats: opts.castStats } : {};
  const run = (program: Program, args: Tensor[]) => interpret(program, args, nested);
  return opts.castStats ? { run, castStats: opts.castStats } : { run };
}

/** A literal as a 0-d tensor of its dtype. */
function literalTensor(l: Literal): Tensor {
  return new Tensor(l.dtype, [], encode([l.value], l.dtype) as StorageMap[typeof l.dtype]);
}

/** Kernel outputs must match the shape rule: a mismatch is a bug in a kernel, not user error. */
function checkOutputs(prim: Primitive, outs: Tensor[], avals: readonly Aval[]): Tensor[] {
  if (outs.length !== avals.length || outs.some((t, i) => !avalEquals(t.aval, avals[i]!)))
    throw new ScalifyError(
      `internal error: kernel ${prim} returned (${outs.map((t) => avalToString(t.aval)).join(", ")}), expected (${avals.map(avalToString).join(", ")})`,
    );
  return outs;
}

/**
 * Evaluates one primitive on concrete tensors (eager mode). Output avals come from the
 * catalogue's shape rule, which also validates operands (ShapeError / DTypeError naming `prim`).
 */
export function evalPrimitive<P extends Primitive>(prim: P, params: Params<P>, inputs: Tensor[], opts: InterpretOptions = {}): Tensor[] {
  const outAvals = operandCheckedAvals(prim, params, inputs);
  const kernel: Kernel<P> = KERNELS[prim];
  return checkOutputs(prim, kernel(params, inputs, outAvals, context(opts)), outAvals);
}

/**
 * The index of the last equation reading each variable. Program outputs live to the end
 * (Infinity); a variable nobody reads dies where it is defined (or, for inputs and constants,
 * before the first equation: index −1).
 */
function lastUses(program: Program): Map<Var, number> {
  const last = new Map<Var, number>();
  for (const v of program.inputs) last.set(v, -1);
  for (const c of program.constants) last.set(c.variable, -1);
  program.equations.forEach((eq, i) => {
    for (const o of eq.outputs) last.set(o, i);
    for (const a of eq.inputs) if (isVar(a)) last.set(a, i);
  });
  for (const a of program.outputs) if (isVar(a)) last.set(a, Infinity);
  return last;
}

/**
 * Runs `program` on `args` and returns its flat outputs. Intermediates are dropped from the
 * environment right after their last use, so the live set is bounded by the program's
 * dataflow rather than its length.
 */
export function interpret(program: Program, args: readonly Tensor[], opts: InterpretOptions = {}): Tensor[] {
  const env = new Map<Var, Tensor>();
  const last = lastUses(program);
  const ctx = context(opts);
  validateArgs(program, args).forEach((t, i) => env.set(program.inputs[i]!, t));
  // A constant that is a result is copied: deleting the result (Tensor.delete) must not detach the program's.
  for (const c of program.constants) {
    const storage = program.outputs.includes(c.variable) ? c.value.storage.slice() : c.value.storage;
    env.set(c.variable, new Tensor(c.value.dtype, c.value.shape, storage as StorageMap[typeof c.value.dtype]));
  }
  const read = (a: Atom): Tensor => {
    if (!isVar(a)) return literalTensor(a);
    const t = env.get(a);
    if (!t) throw new ScalifyError(`internal error: variable of type ${avalToString(a.aval)} read before it was defined or after it was freed`);
    return t;
  };
  const free = (vars: Iterable<Var>, at: number) => {
    for (const v of vars) if (last.get(v) === at) env.delete(v);
  };
  free([...env.keys()], -1);
  program.equations.forEach((eq, i) => {
    const kernel = KERNELS[eq.primitive] as Kernel<Primitive>;
    const outAvals = eq.outputs.map((o) => o.aval);
    const outs = checkOutputs(eq.primitive, kernel(eq.params, eq.inputs.map(read), outAvals, ctx), outAvals);
    eq.outputs.forEach((o, j) => env.set(o, outs[j]!));
    free([...eq.inputs.filter(isVar), ...eq.outputs], i);
    if (opts.onStep) {
      let liveBytes = 0;
      for (const t of env.values()) liveBytes += t.storage.byteLength;
      opts.onStep({ index: i, primitive: eq.primitive, liveValues: env.size, liveBytes });
    }
  });
  return program.outputs.map(read);
}
