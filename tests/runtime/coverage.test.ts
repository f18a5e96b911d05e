// Every primitive of the catalogue has interpreter tests: COVERAGE names the suite that tests
// each one, must list exactly PRIMITIVES, and each suite must actually mention its primitives.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PRIMITIVES, type Primitive } from "../../ir/primitives/catalogue.js";

const COVERAGE: Record<Primitive, string> = {
  neg: "elementwise", abs: "elementwise", sign: "elementwise", sqrt: "elementwise", rsqrt: "elementwise",
  integer_pow: "elementwise", add: "elementwise", sub: "elementwise", mul: "elementwise", div: "elementwise",
  max: "elementwise", min: "elementwise",
  exp: "transcendental", log: "transcendental", tanh: "transcendental", logistic: "transcendental",
  erf: "transcendental", sin: "transcendental", cos: "transcendental", pow: "transcendental",
  eq: "compare-select", ne: "compare-select", lt: "compare-select", le: "compare-select", gt: "compare-select",
  ge: "compare-select", and: "compare-select", or: "compare-select", not: "compare-select",
  shift_right_logical: "compare-select", select_n: "compare-select",
  reshape: "shape-ops", transpose: "shape-ops", broadcast_in_dim: "shape-ops", squeeze: "shape-ops",
  expand_dims: "shape-ops", rev: "shape-ops", slice: "shape-ops", pad: "shape-ops", concatenate: "shape-ops",
  stop_gradient: "shape-ops", iota: "shape-ops",
  dynamic_slice: "indexing", dynamic_update_slice: "indexing", gather: "indexing", scatter_add: "indexing",
  reduce_sum: "reduce", reduce_max: "reduce", reduce_min: "reduce", reduce_prod: "reduce", argmax: "reduce",
  argmin: "reduce", cumsum: "reduce",
  dot_general: "dot-general",
  convert_element_type: "cast", reduce_precision: "cast",
  random_bits: "random",
  custom_vjp: "interpreter",
  pow2_round: "scaling", set_scaling: "scaling", rebalance: "scaling", stop_scaling: "scaling",
  get_data_scale: "scaling", dynamic_rescale: "scaling", lazy_rescale: "scaling",
};

describe("primitive coverage", () => {
  it("COVERAGE lists exactly the catalogue's primitives", () => {
    expect(Object.keys(COVERAGE).sort()).toEqual([...PRIMITIVES]);
  });
  it.each(Object.entries(COVERAGE))("%s is exercised in %s.test.ts", (prim, suite) => {
    const source = readFileSync(new URL(`./${suite}.test.ts`, import.meta.url), "utf8");
    // Called by name ("prim") or listed as a key of a table of ops (prim: …).
    expect(new RegExp(`"${prim}"|\\b${prim}:`).test(source)).toBe(true);
  });
});
