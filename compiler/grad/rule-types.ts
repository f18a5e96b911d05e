// Types of gradient rules, apart from the table so that rule files can import them without a cycle.
import type { Params, Primitive } from "../../ir/primitives/catalogue.js";
import type { Tensor } from "../../runtime/tensor.js";
import type { Operand } from "../tracer.js";

export interface VjpContext<Prm> {
  readonly params: Prm;
  /** Primal operands, as tracers of the backward trace (or literals). */
  readonly inputs: Operand[];
  /** Primal outputs. */
  readonly outputs: Tensor[];
  /** custom_vjp only: the residuals its fwd returned. */
  readonly residuals: Tensor[];
  readonly callSite: string | undefined;
}

/** Parameterised by the params type (not the primitive) so primitives with equal params share rules. */
export type VjpRule<P extends Primitive> = RuleFn<Params<P>>;
export type RuleFn<Prm> = (ctx: VjpContext<Prm>, cts: (Tensor | null)[]) => (Tensor | null)[];

/** Marks primitives whose outputs are integers or booleans: no cotangent can reach them. */
export const NON_DIFFERENTIABLE = "non-differentiable" as const;

export type GradRuleTable = { [P in Primitive]: VjpRule<P> | typeof NON_DIFFERENTIABLE };
export type PartialRules<K extends Primitive> = { [P in K]: VjpRule<P> | typeof NON_DIFFERENTIABLE };
