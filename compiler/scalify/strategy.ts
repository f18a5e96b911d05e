// The scaling strategy: how output scales are chosen (unit scaling with power-of-two rounding,
// as jax-scalify). Kept apart from the mechanics (scaled.ts, rules) so that another strategy
// (block scaling, static ranges) can be added beside it (STYLE.md "jax-scalify").
import { Literal } from "../../ir/program.js";
import type { Operand } from "../tracer.js";
import type { ScalifyConfig } from "./config.js";
import { f32, sadd, sdiv, smax, smin, smul, spow2, sunary } from "./scaled.js";

export interface ScalingStrategy {
  /** R: the configured rounding of a scale. */
  round(s: Operand): Operand;
  /** Output scale of add/sub: R(max·sqrt(1 + (min/max)²)). */
  addScale(sa: Operand, sb: Operand): Operand;
  /** R(√n): how much a sum of n terms grows (dot_general with K = n, reduce_sum, cumsum). */
  sumGrowth(n: number): number;
  /** Floor of dynamic-rescale norms. */
  readonly rescaleEps: number;
  /** Whether propagated scales stay powers of two. */
  readonly keepsPow2: boolean;
}

export function unitScaling(config: ScalifyConfig): ScalingStrategy {
  const mode = config.roundingMode;
  const round = (s: Operand): Operand => (mode === "none" ? s : spow2(s, mode));
  const sqrt = (s: Operand) => sunary("sqrt", (x) => Math.fround(Math.sqrt(x)), s);
  return {
    round,
    addScale(sa, sb) {
      const hi = smax(sa, sb);
      const r = sdiv(smin(sa, sb), hi);
      return round(smul(hi, sqrt(sadd(f32(1), smul(r, r)))));
    },
    sumGrowth: (n) => (n <= 1 ? 1 : (round(f32(Math.sqrt(n))) as Literal).value),
    rescaleEps: config.rescaleEps,
    keepsPow2: mode !== "none",
  };
}
