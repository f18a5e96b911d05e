// `sf.customVjp`: give a function its own backward rule, recorded in the IR as a `custom_vjp`
// equation with three nested programs (like jax.custom_vjp): call, fwd and bwd.
import { isFloat } from "../../ir/dtype.js";
import { ValidationError } from "../../ir/errors.js";
import type { Program } from "../../ir/program.js";
import { avalToString } from "../../ir/shape.js";
import { Tensor } from "../../runtime/tensor.js";
import { flatten, unflatten } from "../pytree.js";
import { Spec, traceFunction } from "../trace.js";
import { bind } from "../tracer.js";

export interface CustomVjpFns<A extends unknown[], R, Res> {
  /** The primal function. */
  fn: (...args: A) => R;
  /** Returns `[output, residuals]`; residuals is a pytree of tensors saved for the backward pass. */
  fwd: (...args: A) => [R, Res];
  /** Maps residuals and the output cotangent to one cotangent per positional argument. */
  bwd: (residuals: Res, ct: R) => unknown[];
}

function traceClosed(fn: (...a: any[]) => unknown, args: unknown[], name: string): Program {
  const r = traceFunction(fn, args, name);
  if (r.captured.length > 0) throw new ValidationError(`${name} closes over tracers of an enclosing trace; pass them as arguments`, name);
  return r.program;
}

const specOf = (x: unknown) => (x instanceof Tensor ? new Spec(x.dtype, x.shape) : x);

/** Build the three programs at the arguments' signature and bind one custom_vjp equation. */
export function customVjp<A extends unknown[], R, Res>(fns: CustomVjpFns<A, R, Res>): (...args: A) => R {
  const name = fns.fn.name || "custom";
  return (...args: A): R => {
    const absArgs = flatten(args);
    const specArgs = unflatten(absArgs[1], absArgs[0].map(specOf)) as unknown[];
    const call = traceClosed(fns.fn, specArgs, `${name}_call`);
    const fwdFlat = (...a: unknown[]) => {
      const [out, res] = fns.fwd(...(a as A));
      return [out, res];
    };
    const fwd0 = traceClosed(fwdFlat, specArgs, `${name}_fwd`);
    const outLeaves = call.outputs.length;
    const resTree = fwd0.outTree.kind === "array" ? fwd0.outTree.children[1]! : { kind: "none" as const };
    // fwd's outputs are [out leaves…, residual leaves…]: exactly the layout custom_vjp expects.
    const fwd = fwd0.with({ outTree: { kind: "array", children: [call.outTree, resTree] } });
    const resAvals = fwd.outputs.slice(outLeaves).map((o) => new Spec(o.aval.dtype, o.aval.shape));
    const ctAvals = call.outputs.map((o) => new Spec(o.aval.dtype, o.aval.shape));
    const bwdFlat = (res: unknown, ct: unknown) => {
      const cts = fns.bwd(res as Res, ct as R);
      const [leaves] = flatten(cts);
      return leaves;
    };
    const bwd = traceClosed(bwdFlat, [unflatten(resTree, resAvals), unflatten(call.outTree, ctAvals)], `${name}_bwd`);
    const floatIns = call.inputs.filter((v) => isFloat(v.dtype));
    if (bwd.outputs.length !== call.inputs.length && bwd.outputs.length !== floatIns.length)
      throw new ValidationError(
        `bwd returned ${bwd.outputs.length} cotangent leaves; expected one per input (${call.inputs.map((v) => avalToString(v.aval)).join(", ")})`,
        `${name}_bwd`,
      );
    const operands = absArgs[0].filter((l): l is Tensor => l instanceof Tensor);
    const outs = bind("custom_vjp", { call, fwd, bwd, num_residuals: resAvals.length }, operands);
    return unflatten(call.outTree, outs) as R;
  };
}
