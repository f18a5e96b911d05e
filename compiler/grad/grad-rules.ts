// The gradient rule of every primitive (one table, typed so a missing entry does not compile).
// A rule maps output cotangents to input cotangents (null = symbolic zero), emitting IR through
// the op library. Rules for families live beside this file; this file only assembles the table.
import type { GradRuleTable } from "./rule-types.js";
import { elementwiseRules } from "./rules-elementwise.js";
import { indexingRules } from "./rules-indexing.js";
import { linalgRules } from "./rules-linalg.js";
import { scalingRules } from "./rules-scaling.js";
import { shapeRules } from "./rules-shape.js";

export { NON_DIFFERENTIABLE } from "./rule-types.js";
export type { VjpRule, VjpContext } from "./rule-types.js";

export const GRAD_RULES: GradRuleTable = {
  ...elementwiseRules,
  ...shapeRules,
  ...indexingRules,
  ...linalgRules,
  ...scalingRules,
};
