// Scalify configuration (DESIGN.md "Scalify semantics").
export type RoundingMode = "down" | "up" | "none";

export interface ScalifyConfig {
  /** Power-of-two rounding of propagated scales. */
  roundingMode: RoundingMode;
  /** Floor of the dynamic-rescale norm (default 2^-14, the smallest normal f16). */
  rescaleEps: number;
}

export const DEFAULT_CONFIG: ScalifyConfig = { roundingMode: "down", rescaleEps: 2 ** -14 };

export function resolveConfig(c: Partial<ScalifyConfig> = {}): ScalifyConfig {
  const out = { ...DEFAULT_CONFIG, ...c };
  if (!["down", "up", "none"].includes(out.roundingMode)) throw new TypeError(`roundingMode must be "down", "up" or "none", got ${JSON.stringify(out.roundingMode)}`);
  if (!(out.rescaleEps >= 0) || !Number.isFinite(out.rescaleEps)) throw new TypeError(`rescaleEps must be finite and ≥ 0, got ${out.rescaleEps}`);
  return out;
}
