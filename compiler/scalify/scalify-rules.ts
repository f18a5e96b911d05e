// The scalify rule of every primitive: one table, typed so a missing entry does not compile.
import { elementwiseRules } from "./rules-elementwise.js";
import { scalingRules } from "./rules-scaling.js";
import { structuralRules } from "./rules-structural.js";
import type { ScalifyRuleTable } from "./rule-types.js";

export { PLAIN_ONLY } from "./rule-types.js";

export const SCALIFY_RULES: ScalifyRuleTable = { ...elementwiseRules, ...structuralRules, ...scalingRules };
