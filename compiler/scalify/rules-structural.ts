// Scalify rules of shape, indexing, reduction, dot and cast primitives (DESIGN.md table).
import { isFloat } from "../../ir/dtype.js";
import { Literal } from "../../ir/program.js";
import type { Params } from "../../ir/primitives/catalogue.js";
import { bind1 } from "../tracer.js";
import { descaled, firstScaled, keepScale, rebalanced, rebalanceToMax } from "./rules-elementwise.js";
import { PLAIN_ONLY, rule, type PartialScalifyRules, type RuleFn } from "./rule-types.js";
import { f32, fromF32, guardScale, mulF32, plain, promote, scaled, smul, toF32, toPlain, type SVal } from "./scaled.js";

/** Sums of n terms: sum(d)·(1/R(√n)) in f32, scale s·R(√n) (reduce_sum, cumsum). */
const summed = (what: string, count: (shape: readonly number[], params: never) => number): RuleFn<unknown> =>
  rule(`op(data) in f32 · 1/R(√n), n = ${what}; scale s·R(√n)`, ({ inputs, emit, strategy, outAvals, params }) => {
    const v = firstScaled(inputs);
    const g = strategy.sumGrowth(count(v.data.shape, params as never));
    const dtype = outAvals[0]!.dtype;
    const gs = guardScale(smul(v.scale, f32(g)));
    const out = mulF32(emit([toF32(v.data)])[0]!, smul(f32(1 / g), gs.factor));
    return [scaled(fromF32(out, dtype), gs.scale)];
  });

/** A static 0 or ±inf padding value adopts the operand's scale (DESIGN.md "Static values"). */
const isStaticZeroOrInf = (v: SVal) => v.kind === "plain" && v.static !== undefined && (v.static === 0 || !Number.isFinite(v.static));

export const structuralRules: PartialScalifyRules<
  | "reshape" | "transpose" | "broadcast_in_dim" | "squeeze" | "expand_dims" | "rev" | "slice" | "pad" | "concatenate"
  | "stop_gradient" | "dynamic_slice" | "dynamic_update_slice" | "gather" | "scatter_add"
  | "reduce_sum" | "reduce_max" | "reduce_min" | "reduce_prod" | "argmax" | "argmin" | "cumsum"
  | "dot_general" | "convert_element_type" | "reduce_precision" | "iota" | "random_bits" | "custom_vjp"
> = {
  reshape: keepScale,
  transpose: keepScale,
  broadcast_in_dim: keepScale,
  squeeze: keepScale,
  expand_dims: keepScale,
  rev: keepScale,
  slice: keepScale,
  stop_gradient: keepScale,
  dynamic_slice: keepScale,
  gather: keepScale,
  reduce_max: keepScale,
  reduce_min: keepScale,
  reduce_precision: keepScale,
  // Padding with a static zero keeps the operand's scale; any other padding value is descaled.
  pad: rule("static 0 or ±inf padding value: op(data), same scale; any other value: descaled (scale 1)", (ctx) => {
    const [x, v] = ctx.inputs;
    if (isStaticZeroOrInf(v!) && x!.kind === "scaled") return ctx.emit([x.data, (v as { x: Literal }).x]).map((o) => scaled(o, x.scale));
    return descaled(ctx);
  }),
  concatenate: rebalanced,
  dynamic_update_slice: rule("operand and update rebalanced to the larger scale; scale = that max", ({ inputs: [x, u, ...idx], emit }) => {
    const { scale, data } = rebalanceToMax([x!, u!]);
    return emit([...data, ...idx.map((i) => (i as { x: Literal }).x)]).map((o) => scaled(o, scale));
  }),
  scatter_add: rule("operand and updates rebalanced to the larger scale (static zeros adopt it); scale = that max", ({ inputs: [x, idx, u], emit }) => {
    const { scale, data } = rebalanceToMax([x!, u!]);
    return emit([data[0]!, (idx as { x: Literal }).x, data[1]!]).map((o) => scaled(o, scale));
  }),
  reduce_sum: summed("the reduced size", (shape, p: { axes: number[] }) => p.axes.reduce((n, a) => n * shape[a]!, 1)),
  cumsum: summed("the axis length", (shape, p: { axis: number }) => shape[p.axis]!),
  reduce_prod: descaled,
  argmax: rule("on the data (scales are ≥ 0); plain i32", ({ inputs, emit }) => emit([firstScaled(inputs).data]).map((o) => plain(o))),
  argmin: rule("on the data (scales are ≥ 0); plain i32", ({ inputs, emit }) => emit([firstScaled(inputs).data]).map((o) => plain(o))),
  // dot(a_d, b_d)·(1/R(√K)) in f32 before the final rounding; scale sa·sb·R(√K), K = Π contracting sizes.
  dot_general: rule<Params<"dot_general">>("dot(a_d, b_d) in f32 · 1/R(√K), K = Π contracting sizes, rounded once; scale sa·sb·R(√K)", ({ params, inputs: [a, b], strategy, outAvals }) => {
    const pa = promote(a!);
    const pb = promote(b!);
    const [[lc]] = params.dimension_numbers;
    const g = strategy.sumGrowth(lc.reduce((n, d) => n * pa.data.shape[d]!, 1));
    const dtype = outAvals[0]!.dtype;
    const gs = guardScale(smul(smul(pa.scale, pb.scale), f32(g)));
    const out = bind1("dot_general", { dimension_numbers: params.dimension_numbers, preferred_element_type: "f32" }, [pa.data, pb.data]);
    return [scaled(fromF32(mulF32(out, smul(f32(1 / g), gs.factor)), dtype), gs.scale)];
  }),
  // Casts change the data dtype only, never the scale; casts to int/bool are descaled.
  convert_element_type: rule<Params<"convert_element_type">>("to a float: cast(data), same scale (the scale is never cast); to int/bool: cast(data·scale), plain", (ctx) =>
    isFloat(ctx.params.new_dtype) ? keepScale(ctx) : [plain(toPlainCast(ctx.inputs[0]!, ctx.params.new_dtype, ctx.params.saturate))],
  ),
  iota: PLAIN_ONLY,
  random_bits: PLAIN_ONLY,
  // The body of a custom-gradient construct is scalified in place (its gradient was already
  // taken by grad, which inlines fwd/bwd; a scalified program is not differentiated again).
  custom_vjp: rule<Params<"custom_vjp">>("its body (call) is scalified in place", ({ params, inputs, inline }) => inline(params.call, inputs)),
};

function toPlainCast(v: SVal, dtype: Parameters<typeof toPlain>[1] & string, saturate: boolean) {
  const f = toPlain(v, "f32");
  return bind1("convert_element_type", { new_dtype: dtype!, saturate }, [f]);
}
