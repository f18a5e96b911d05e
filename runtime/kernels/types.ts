// The kernel interface of the reference interpreter: one kernel per primitive, in a table typed
// as a mapped type over the catalogue (STYLE.md "jax-js: exhaustive rule tables"), so a
// primitive without a kernel is a compile error in kernels/index.ts.
import type { Params, Primitive } from "../../ir/primitives/catalogue.js";
import type { Program } from "../../ir/program.js";
import type { Aval } from "../../ir/shape.js";
import type { CastStats } from "../numerics/codec.js";
import type { Tensor } from "../tensor.js";

/** What a kernel may reach beyond its operands. */
export interface KernelContext {
  /** Runs a nested program (e.g. the body of custom_vjp) with the same options. */
  run(program: Program, args: Tensor[]): Tensor[];
  /** Accumulates what casts to low-precision floats lost (DESIGN.md "Scalify semantics", last bullet). */
  readonly castStats?: CastStats;
}

/**
 * A kernel computes concrete outputs from concrete operands. `outAvals` come from the
 * catalogue's shape rule, so kernels never re-derive output shapes or dtypes.
 * Kernels never mutate their inputs and may share nothing mutable with them.
 */
export type Kernel<P extends Primitive> = (params: Params<P>, inputs: Tensor[], outAvals: Aval[], ctx: KernelContext) => Tensor[];

export type KernelTable = { [P in Primitive]: Kernel<P> };

/** A kernel that ignores its params: assignable to `Kernel<P>` for every P (for family helpers). */
export type ParamlessKernel = (params: unknown, inputs: Tensor[], outAvals: Aval[], ctx: KernelContext) => Tensor[];
