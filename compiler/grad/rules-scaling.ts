// Gradient rules of the scaling primitives: they keep values, so cotangents pass straight
// through (forward-side helpers act on the forward pass only, DESIGN.md "Scalify semantics").
import { bind1 } from "../tracer.js";
import type { PartialRules } from "./rule-types.js";

export const scalingRules: PartialRules<"pow2_round" | "set_scaling" | "rebalance" | "stop_scaling" | "get_data_scale" | "dynamic_rescale" | "lazy_rescale"> = {
  // Piecewise constant: zero derivative almost everywhere.
  pow2_round: () => [null],
  set_scaling: (_c, [ct]) => [ct, null],
  rebalance: (_c, [ct]) => [ct, null],
  dynamic_rescale: (_c, [ct]) => [ct],
  // The reference only lends its scale: no derivative flows to it.
  lazy_rescale: (_c, [ct]) => [ct, null],
  stop_scaling: ({ inputs: [x] }, [ct]) => [ct!.dtype === x!.dtype ? ct : bind1("convert_element_type", { new_dtype: x!.dtype, saturate: false }, [ct!])],
  get_data_scale: (_c, [ctData]) => [ctData],
};
