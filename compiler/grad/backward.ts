// Reverse-mode autodiff as an IR→IR pass. The forward equations are replayed into a new trace,
// then the rule of each equation (grad-rules.ts) is applied in reverse order; the rules are
// written with the op library on tracers, so they emit ordinary IR. Symbolic zeros are `null`
// and never materialised until an input's gradient has to be returned.
import { isFloat, isFp8, promoteTypes, type DType } from "../../ir/dtype.js";
import { DTypeError, ShapeError } from "../../ir/errors.js";
import { Literal, Program, Var, type Atom, type Equation } from "../../ir/program.js";
import { avalToString } from "../../ir/shape.js";
import { numLeaves, type TreeDef } from "../../ir/tree.js";
import { Tensor } from "../../runtime/tensor.js";
import { userCallSite } from "../call-site.js";
import { bind, bind1, callProgram, withCallSite, withTrace, type Operand, type Tracer } from "../tracer.js";
import { GRAD_RULES, NON_DIFFERENTIABLE } from "./grad-rules.js";
import { full, zerosOf } from "./util.js";

export interface GradOptions {
  /** Positional arguments to differentiate with respect to. */
  argnums?: number | number[];
  /** The function returns `[loss, aux]`; aux is passed through. */
  hasAux?: boolean;
  /** Also return the value: outputs become `[value, grads]`. */
  withValue?: boolean;
}

/** Leaf index ranges of each positional argument of a program whose inTree is an array. */
export function argLeafRanges(p: Program): [number, number][] {
  const t = p.inTree;
  if (t.kind !== "array") return [[0, p.inputs.length]];
  let at = 0;
  return t.children.map((c) => {
    const n = numLeaves(c);
    const r: [number, number] = [at, at + n];
    at += n;
    return r;
  });
}

function argTree(p: Program, i: number): TreeDef {
  return p.inTree.kind === "array" ? p.inTree.children[i]! : p.inTree;
}

const asTensor = (c: { dtype: DType; shape: readonly number[]; storage: unknown }): Tensor =>
  c instanceof Tensor ? c : new Tensor(c.dtype, c.shape, c.storage as never);

/** Convert a cotangent to `dtype` when it differs (cotangents may carry a narrower dtype, DESIGN.md). */
export function castCt(ct: Tensor, dtype: DType): Tensor {
  return ct.dtype === dtype ? ct : bind1("convert_element_type", { new_dtype: dtype, saturate: false }, [ct]);
}

/**
 * The dtype two cotangents are summed in: the wider one (DESIGN.md "Types and promotion").
 * promoteTypes never mixes fp8 implicitly, so here fp8 yields to the other dtype, and two
 * different fp8 formats meet in f32.
 */
function accumulationDType(a: DType, b: DType): DType {
  const p = promoteTypes(a, b);
  if (p) return p;
  if (isFp8(a) && isFp8(b)) return "f32";
  return isFp8(a) ? b : a;
}

function accumulate(a: Tensor | undefined, b: Tensor): Tensor {
  if (!a) return b;
  const wide = accumulationDType(a.dtype, b.dtype);
  return bind1("add", {}, [castCt(a, wide), castCt(b, wide)]);
}

/** Primitives whose rules take cotangents of any float dtype (they choose their output dtypes). */
const MIXED_CT_OK = new Set(["dot_general", "convert_element_type"]);

export interface BackwardResult {
  /** Primal outputs in the new trace. */
  outputs: Tensor[];
  /** Cotangent of every program input (null: symbolic zero). */
  inputCts: (Tensor | null)[];
}

/**
 * Replay `program` on `inputs` and pull `seeds` (one per output, null = zero) back to the inputs.
 * Must run inside a trace: everything emitted lands there.
 */
export function backward(program: Program, inputs: Operand[], seeds: (Operand | null)[] | ((outs: Tensor[]) => (Operand | null)[])): BackwardResult {
  const env = new Map<Var, Operand>();
  program.inputs.forEach((v, i) => env.set(v, inputs[i]!));
  for (const c of program.constants) env.set(c.variable, asTensor(c.value));
  const read = (a: Atom): Operand => (a instanceof Literal ? a : env.get(a)!);
  const residuals = new Map<number, Tensor[]>();
  // Everything emitted for an equation carries that equation's call site; equations without one
  // (a parsed program) and the seeds take the caller's. Capturing a stack is costly (source-mapped
  // frames), so it happens once here rather than once per emitted equation.
  const callerSite = userCallSite();
  const siteOf = (e: Equation) => e.callSite ?? callerSite;

  program.equations.forEach((e, k) => {
    const ins = e.inputs.map(read);
    const outs = withCallSite(siteOf(e), () => {
      if (e.primitive !== "custom_vjp") return bind(e.primitive, e.params as never, ins);
      const p = e.params as { fwd: Program; call: Program };
      const all = callProgram(p.fwd, ins, () => {
        throw new Error("unreachable: backward runs inside a trace");
      });
      residuals.set(k, all.slice(p.call.outputs.length));
      return all.slice(0, p.call.outputs.length);
    });
    e.outputs.forEach((v, i) => env.set(v, outs[i]!));
  });

  const cts = new Map<Var, Tensor>();
  const addCt = (a: Atom, ct: Tensor | null) => {
    if (!ct || a instanceof Literal || !isFloat(a.dtype)) return;
    cts.set(a, accumulate(cts.get(a), ct));
  };
  const outputs = withCallSite(callerSite, () => {
    const outs = program.outputs.map((a) => {
      const o = read(a);
      return o instanceof Literal ? full([], o.value, o.dtype) : o;
    });
    const seedList = typeof seeds === "function" ? seeds(outs) : seeds;
    program.outputs.forEach((a, i) => {
      const s = seedList[i];
      if (s) addCt(a, s instanceof Literal ? full([], s.value, s.dtype) : s);
    });
    return outs;
  });

  for (let k = program.equations.length - 1; k >= 0; k--) {
    const e = program.equations[k]!;
    const outCts = e.outputs.map((v) => cts.get(v) ?? null);
    if (outCts.every((c) => c === null)) continue;
    withCallSite(siteOf(e), () => pullBack(e, k, outCts));
  }
  return { outputs, inputCts: program.inputs.map((v) => cts.get(v) ?? null) };

  /** Apply the rule of equation `k` and accumulate its operands' cotangents. */
  function pullBack(e: Equation, k: number, outCts: (Tensor | null)[]): void {
    const rule = GRAD_RULES[e.primitive];
    // Cotangents only reach float outputs, so a non-differentiable primitive (integer/bool
    // outputs) never gets here; one that does, or a primitive without a rule, is reported at the
    // user's line rather than silently given a zero gradient.
    if (typeof rule !== "function")
      throw new DTypeError(
        rule === NON_DIFFERENTIABLE ? "is not differentiable, but a cotangent reached its float output" : "has no gradient rule",
        e.primitive,
        siteOf(e),
      );
    const outs = e.outputs.map((v) => env.get(v) as Tensor);
    const ctsForRule = MIXED_CT_OK.has(e.primitive) ? outCts : outCts.map((c, i) => (c ? castCt(c, outs[i]!.dtype) : null));
    const inCts = (rule as (ctx: unknown, cts: (Tensor | null)[]) => (Tensor | null)[])(
      { params: e.params, inputs: e.inputs.map(read), outputs: outs, residuals: residuals.get(k) ?? [], callSite: siteOf(e) },
      ctsForRule,
    );
    e.inputs.forEach((a, i) => addCt(a, inCts[i] ?? null));
  }
}

/** "the output of mul at file:line:col": where a program output was computed, for error messages. */
function describeOrigin(program: Program, a: Atom): string {
  if (a instanceof Literal) return "a constant";
  if (program.inputs.includes(a)) return `the input ${program.inputNames[program.inputs.indexOf(a)]}`;
  const e = program.equations.find((q) => q.outputs.includes(a));
  return e ? `the output of ${e.primitive}${e.callSite ? ` at ${e.callSite}` : ""}` : "a constant";
}

function requireScalarLoss(program: Program, loss: Atom, what: string, site: string | undefined): void {
  const where = () => `(${describeOrigin(program, loss)})`;
  if (loss.aval.shape.length !== 0)
    throw new ShapeError(`${what} needs a scalar output, got ${avalToString(loss.aval)} ${where()}; reduce it first (e.g. sf.ops.sum or mean)`, "grad", site);
  if (!isFloat(loss.dtype)) throw new DTypeError(`${what} needs a float output, got ${avalToString(loss.aval)} ${where()}`, "grad", site);
}

export function normalizeArgnums(argnums: number | number[] | undefined): { list: number[]; single: boolean } {
  if (argnums === undefined) return { list: [0], single: true };
  return typeof argnums === "number" ? { list: [argnums], single: true } : { list: argnums, single: false };
}

/**
 * `passes.grad`: a program with the same inputs whose outputs are the gradients of its scalar
 * output with respect to `argnums` (or `[value, grads]`, `[[loss, aux], grads]`… per options).
 */
export function gradProgram(program: Program, opts: GradOptions = {}): Program {
  const { list: argnums, single } = normalizeArgnums(opts.argnums);
  // Errors name the user's call of grad (or of passes.grad) as their call site.
  const site = userCallSite();
  const ranges = argLeafRanges(program);
  for (const a of argnums)
    if (!Number.isInteger(a) || !ranges[a]) throw new ShapeError(`argnums ${a} out of range: the function has ${ranges.length} arguments`, "grad", site);
  const lossIndex = 0; // with hasAux the outputs are [loss, ...aux leaves]
  const t = program.outTree;
  if (opts.hasAux && !(t.kind === "array" && t.children.length === 2 && t.children[0]!.kind === "leaf"))
    throw new ShapeError("with hasAux the function must return [loss, aux] with a scalar loss", "grad", site);
  if (!opts.hasAux && program.outputs.length !== 1)
    throw new ShapeError(`grad needs one scalar output, the function returns ${program.outputs.length} tensors; use hasAux to return [loss, aux]`, "grad", site);
  const loss = program.outputs[lossIndex]!;
  requireScalarLoss(program, loss, "grad", site);
  for (const a of argnums)
    for (let i = ranges[a]![0]; i < ranges[a]![1]; i++) {
      const v = program.inputs[i]!;
      if (!isFloat(v.dtype))
        throw new DTypeError(
          `cannot differentiate with respect to ${program.inputNames[i]} of type ${avalToString(v.aval)}; gradients need float inputs (leave it out of argnums)`,
          "grad",
          site,
        );
    }

  return withTrace((b) => withCallSite(site, () => {
    const ins: Tracer[] = program.inputs.map((v) => b.newInput(v.aval));
    const { outputs, inputCts } = backward(program, ins, (outs) => outs.map((o, i) => (i === lossIndex ? full([], 1, o.dtype) : null)));
    const gradLeaves: Tensor[] = [];
    const gradTrees: TreeDef[] = [];
    for (const a of argnums) {
      const [lo, hi] = ranges[a]!;
      for (let i = lo; i < hi; i++) {
        const v = program.inputs[i]!;
        const ct = inputCts[i];
        gradLeaves.push(ct ? castCt(ct, v.dtype) : zerosOf(v.aval));
      }
      gradTrees.push(argTree(program, a));
    }
    const gradTree: TreeDef = single ? gradTrees[0]! : { kind: "array", children: gradTrees };
    let outs: Operand[];
    let outTree: TreeDef;
    if (opts.withValue) {
      outs = [...outputs, ...gradLeaves];
      outTree = { kind: "array", children: [program.outTree, gradTree] };
    } else if (opts.hasAux) {
      const aux = program.outTree.kind === "array" ? program.outTree.children[1]! : { kind: "none" as const };
      outs = [...gradLeaves, ...outputs.slice(1)];
      outTree = { kind: "array", children: [gradTree, aux] };
    } else {
      outs = gradLeaves;
      outTree = gradTree;
    }
    return b.finish(outs, program.inputNames, program.inTree, outTree, `grad_${program.name}`).program;
  }));
}

