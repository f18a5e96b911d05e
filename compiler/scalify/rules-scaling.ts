// Scalify rules of the scaling primitives: where scaling is set, read, stopped or re-centred.
import { Literal } from "../../ir/program.js";
import type { Params } from "../../ir/primitives/catalogue.js";
import { bind1, type Operand } from "../tracer.js";
import { rule, type PartialScalifyRules } from "./rule-types.js";
import { descaled } from "./rules-elementwise.js";
import { f32, plain, promote, rescale, scaled, sdiv, smul, spow2, toF32, toPlain, type SVal } from "./scaled.js";

const plainScalar = (v: SVal): Operand => toPlain(v, "f32");

/** The f32 norm of the data: max|d|, mean|d| or sqrt(mean(d²)) (DESIGN.md "Dynamic rescale"). */
function norm(d: Operand, kind: "max" | "l1" | "l2"): Operand {
  const x = toF32(d);
  const axes = d.shape.map((_, i) => i);
  const n = d.shape.reduce((a, b) => a * b, 1);
  if (kind === "max") return bind1("reduce_max", { axes }, [bind1("abs", {}, [x])]);
  const sum = bind1("reduce_sum", { axes }, [kind === "l1" ? bind1("abs", {}, [x]) : bind1("mul", {}, [x, x])]);
  const mean = bind1("div", {}, [sum, f32(n)]);
  return kind === "l1" ? mean : bind1("sqrt", {}, [mean]);
}

/** r = max(pow2_down(norm), eps), or 1 when the norm is not finite (DESIGN.md "Dynamic rescale"). */
function rebalanceFactor(nrm: Operand, eps: number): Operand {
  const r = bind1("max", {}, [spow2(nrm, "down"), f32(eps)]);
  const finite = bind1("lt", {}, [bind1("abs", {}, [nrm]), f32(Infinity)]);
  return bind1("select_n", {}, [finite, f32(1), r]);
}

export const scalingRules: PartialScalifyRules<"pow2_round" | "set_scaling" | "rebalance" | "stop_scaling" | "get_data_scale" | "dynamic_rescale" | "lazy_rescale"> = {
  pow2_round: descaled,
  // data = d·(s/new), scale = new (the value is unchanged).
  set_scaling: rule("data·(s/new) (safe division), scale = new: the value is unchanged (a plain operand becomes scaled)", ({ inputs: [x, s] }) => {
    const v = promote(x!);
    const next = plainScalar(s!);
    return [scaled(rescale(v.data, sdiv(v.scale, next)), next)];
  }),
  // data / r, scale · r.
  rebalance: rule("data / r, scale · r (identity on a plain operand)", ({ inputs: [x, r] }) => {
    if (x!.kind === "plain") return [x!];
    const f = plainScalar(r!);
    return [scaled(rescale(x!.data, sdiv(f32(1), f)), smul(x!.scale, f))];
  }),
  stop_scaling: rule<Params<"stop_scaling">>("plain data·scale computed in f32, rounded once to dtype", ({ params, inputs: [x] }) => [
    plain(toPlain(x!, params.dtype ?? (x!.kind === "plain" ? x!.x.dtype : x!.data.dtype))),
  ]),
  get_data_scale: rule("(data, scale) as plain tensors; (x, 1) for a plain operand", ({ inputs: [x] }) => {
    if (x!.kind === "plain") return [x!, plain(f32(1), 1)];
    return [plain(x!.data), plain(x!.scale, x!.scale instanceof Literal ? x!.scale.value : undefined)];
  }),
  // Rebalance by r = max(R_down(norm), eps); a non-finite norm leaves the scale unchanged.
  dynamic_rescale: rule<Params<"dynamic_rescale">>("data / r, scale · r with r = max(pow2_down(norm(data)), rescaleEps) in f32 (a non-finite norm keeps the scale)", ({ params, inputs: [x], strategy }) => {
    if (x!.kind === "plain") return [x!];
    const nrm = norm(x!.data, params.norm);
    const r = rebalanceFactor(nrm, strategy.rescaleEps);
    return [scaled(rescale(x!.data, sdiv(f32(1), r)), smul(x!.scale, r))];
  }),
  // Keeping the reference's scale while it fits spares a rescale most steps: a stored tensor's
  // scale then changes only when its values drift out of the window, so the data written each
  // step can be computed on the scale already known (the native backend's speculation hits).
  lazy_rescale: rule<Params<"lazy_rescale">>(
    "ref's scale while norm(data)·(s/ref's scale) lies in [lo, hi] (ref's scale > 0), else dynamic_rescale's scale s·r; data·(s/new) (safe division)",
    ({ params, inputs: [x, ref], strategy }) => {
      if (x!.kind === "plain") return [x!];
      const nrm = norm(x!.data, params.norm);
      const fresh = smul(x!.scale, rebalanceFactor(nrm, strategy.rescaleEps));
      const kept = ref!.kind === "plain" ? f32(1) : ref!.scale;
      const onKept = bind1("mul", {}, [nrm, sdiv(x!.scale, kept)]);
      // Comparisons with NaN are false: a non-finite norm never keeps.
      const inWindow = bind1("and", {}, [bind1("ge", {}, [onKept, f32(params.lo)]), bind1("le", {}, [onKept, f32(params.hi)])]);
      const keep = bind1("and", {}, [bind1("gt", {}, [kept, f32(0)]), inWindow]);
      const next = bind1("select_n", {}, [keep, fresh, kept]);
      return [scaled(rescale(x!.data, sdiv(x!.scale, next)), next)];
    },
  ),
};
