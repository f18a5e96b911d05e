// Types of scalify rules: one per primitive, in one table typed so a missing entry fails to compile.
import type { Params, Primitive } from "../../ir/primitives/catalogue.js";
import type { Program } from "../../ir/program.js";
import type { Aval } from "../../ir/shape.js";
import type { Tensor } from "../../runtime/tensor.js";
import type { Operand } from "../tracer.js";
import type { SVal } from "./scaled.js";
import type { ScalingStrategy } from "./strategy.js";

export interface ScalifyContext<Prm> {
  readonly params: Prm;
  /** Operands as plain or scaled values; at least one is scaled (else the equation stays plain). */
  readonly inputs: SVal[];
  /** The avals the original equation produced (the scaled data keeps these dtypes and shapes). */
  readonly outAvals: Aval[];
  readonly strategy: ScalingStrategy;
  /** Emit the original primitive with its params on new operands. */
  readonly emit: (operands: Operand[]) => Tensor[];
  /** Scalify a nested program on scaled inputs (custom_vjp bodies). */
  readonly inline: (p: Program, inputs: SVal[]) => SVal[];
}

export type RuleFn<Prm> = ((ctx: ScalifyContext<Prm>) => SVal[]) & {
  /** One line for docs/operators.md (compiler/scalify/coverage.ts generates it from the table). */
  readonly doc: string;
};
export type ScalifyRule<P extends Primitive> = RuleFn<Params<P>>;

/** A rule with its one-line summary: every table entry carries one, so the docs cannot go stale. */
export function rule<Prm = unknown>(doc: string, fn: (ctx: ScalifyContext<Prm>) => SVal[]): RuleFn<Prm> {
  return Object.assign(fn, { doc });
}

/** Primitives on integers/booleans only: their operands are never scaled, so no rule can run. */
export const PLAIN_ONLY = "plain-only" as const;
export const PLAIN_ONLY_DOC = "plain only: its operands are integers or booleans, which are never scaled";

export type ScalifyRuleTable = { [P in Primitive]: ScalifyRule<P> | typeof PLAIN_ONLY };
export type PartialScalifyRules<K extends Primitive> = { [P in K]: ScalifyRule<P> | typeof PLAIN_ONLY };
