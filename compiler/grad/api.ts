// The function forms of autodiff: grad, valueAndGrad, vjp (JAX's conventions and argument names).
import type { Program } from "../../ir/program.js";
import { isFloat } from "../../ir/dtype.js";
import type { TreeDef } from "../../ir/tree.js";
import { Tensor } from "../../runtime/tensor.js";
import { runFlat, type RunOptions } from "../api.js";
import { cse } from "../passes/cse.js";
import { dce } from "../passes/dce.js";
import { flatten, unflatten } from "../pytree.js";
import { staged, type Staged } from "../staged.js";
import { traceFunction } from "../trace.js";
import { callProgram, currentBuilder, isTracer, withTrace } from "../tracer.js";
import { backward, gradProgram, type GradOptions } from "./backward.js";
import { zerosOf } from "./util.js";

/** `passes.grad`: the gradient program, cleaned by dce and cse. */
export function gradPass(p: Program, opts: GradOptions = {}): Program {
  return dce(cse(gradProgram(p, opts)));
}

export interface GradFnOptions extends RunOptions {
  argnums?: number | number[];
  hasAux?: boolean;
}

/** `sf.grad(fn, {argnums = 0, hasAux})`: gradients in the structure of the differentiated arguments. */
export function grad(fn: (...a: any[]) => unknown, opts: GradFnOptions = {}): Staged {
  return staged(fn, (p) => gradPass(p, { argnums: opts.argnums, hasAux: opts.hasAux }), (p, a) => runFlat(p, a, opts), `grad_${fn.name}`);
}

/** `sf.valueAndGrad(fn, {argnums = 0, hasAux})` → `[value, grads]`. */
export function valueAndGrad(fn: (...a: any[]) => unknown, opts: GradFnOptions = {}): Staged {
  return staged(
    fn,
    (p) => gradPass(p, { argnums: opts.argnums, hasAux: opts.hasAux, withValue: true }),
    (p, a) => runFlat(p, a, opts),
    `value_and_grad_${fn.name}`,
  );
}

/** The program (primals…, output cotangents…) → input cotangents, in the inputs' tree. */
export function vjpProgram(p: Program): Program {
  const floatOuts = p.outputs.map((o, i) => (isFloat(o.aval.dtype) ? i : -1)).filter((i) => i >= 0);
  return dce(
    cse(
      withTrace((b) => {
        const ins = p.inputs.map((v) => b.newInput(v.aval));
        const cts = floatOuts.map((i) => b.newInput(p.outputs[i]!.aval));
        const seeds = p.outputs.map((_, i) => {
          const k = floatOuts.indexOf(i);
          return k >= 0 ? cts[k]! : null;
        });
        const { inputCts } = backward(p, ins, seeds);
        const outs = p.inputs.map((v, i) => inputCts[i] ?? zerosOf(v.aval));
        const ctTree: TreeDef = { kind: "array", children: floatOuts.map(() => ({ kind: "leaf" })) };
        const inTree: TreeDef = { kind: "array", children: [p.inTree, ctTree] };
        const names = [...p.inputNames, ...floatOuts.map((i) => `ct[${i}]`)];
        return b.finish(outs, names, inTree, p.inTree, `vjp_${p.name}`).program;
      }),
    ),
  );
}

/** `sf.vjp(fn, ...primals)` → `[out, vjpFn]`; `vjpFn(ct)` returns one cotangent per primal argument. */
export function vjp(fn: (...a: any[]) => unknown, ...primals: unknown[]): [unknown, (ct: unknown) => unknown[]] {
  const { program, captured } = traceFunction(fn, primals);
  const primalLeaves = [...flatten(primals)[0].filter((l): l is Tensor => l instanceof Tensor), ...captured];
  const run = (p: Program, a: Tensor[]) => runFlat(p, a, {});
  const tracing = () => currentBuilder() !== undefined || primalLeaves.some(isTracer);
  const exec = (p: Program, a: Tensor[]) => (tracing() ? callProgram(p, a, run) : run(p, a));
  const out = unflatten(program.outTree, exec(program, primalLeaves));
  const back = vjpProgram(program);
  const vjpFn = (ct: unknown): unknown[] => {
    const [ctLeaves] = flatten(ct);
    const floatCts = (ctLeaves as Tensor[]).filter((_, i) => isFloat(program.outputs[i]!.aval.dtype));
    const cts = exec(back, [...primalLeaves, ...floatCts]);
    const all = unflatten(program.inTree, cts) as unknown[];
    return all.slice(0, primals.length);
  };
  return [out, vjpFn];
}
