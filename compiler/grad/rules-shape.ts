// Gradient rules of shape, data-movement and reduction primitives: each is the transpose of a
// linear map, so the cotangent is moved back (or summed back) to the operand's layout.
import type { Tensor } from "../../runtime/tensor.js";
import { bind1 } from "../tracer.js";
import { Literal } from "../../ir/program.js";
import type { Params } from "../../ir/primitives/catalogue.js";
import { NON_DIFFERENTIABLE, type PartialRules, type RuleFn } from "./rule-types.js";
import { lit } from "./util.js";

const reshapeTo = (ct: Tensor, shape: readonly number[]) => bind1("reshape", { new_sizes: [...shape] }, [ct]);
const keptDims = (rank: number, axes: readonly number[]) => [...Array(rank).keys()].filter((i) => !axes.includes(i));
const broadcastBack = (ct: Tensor, shape: readonly number[], axes: readonly number[]) =>
  bind1("broadcast_in_dim", { shape: [...shape], broadcast_dimensions: keptDims(shape.length, axes) }, [ct]);

/** reduce_max/min: the cotangent is shared equally by every position that attains the extreme. */
const extremumRule: RuleFn<Params<"reduce_max">> = ({ params: { axes }, inputs: [x], outputs: [y] }, [ct]) => {
  const at = bind1("convert_element_type", { new_dtype: ct!.dtype, saturate: false }, [bind1("eq", {}, [x!, broadcastBack(y!, x!.shape, axes)])]);
  const count = broadcastBack(bind1("reduce_sum", { axes }, [at]), x!.shape, axes);
  const share = bind1("div", {}, [broadcastBack(ct!, x!.shape, axes), count]);
  return [bind1("mul", {}, [share, at])];
};

export const shapeRules: PartialRules<
  | "reshape" | "transpose" | "broadcast_in_dim" | "squeeze" | "expand_dims" | "rev" | "slice" | "pad" | "concatenate"
  | "reduce_sum" | "reduce_max" | "reduce_min" | "reduce_prod" | "argmax" | "argmin" | "cumsum"
> = {
  reshape: ({ inputs: [x] }, [ct]) => [reshapeTo(ct!, x!.shape)],
  squeeze: ({ inputs: [x] }, [ct]) => [reshapeTo(ct!, x!.shape)],
  expand_dims: ({ inputs: [x] }, [ct]) => [reshapeTo(ct!, x!.shape)],
  transpose: ({ params: { permutation } }, [ct]) => {
    const inverse = permutation.map((_, i) => permutation.indexOf(i));
    return [bind1("transpose", { permutation: inverse }, [ct!])];
  },
  // Sum over the new dims and over the dims that were stretched from size 1.
  broadcast_in_dim: ({ params: { shape, broadcast_dimensions: bd }, inputs: [x] }, [ct]) => {
    const axes = shape.map((_, d) => d).filter((d) => {
      const i = bd.indexOf(d);
      return i < 0 || (x!.shape[i] === 1 && shape[d] !== 1);
    });
    const summed = axes.length ? bind1("reduce_sum", { axes }, [ct!]) : ct!;
    return [reshapeTo(summed, x!.shape)];
  },
  rev: ({ params }, [ct]) => [bind1("rev", params, [ct!])],
  // Scatter the cotangent back into a zero operand: pad with the gaps the strides skipped.
  slice: ({ params: { start_indices: st, strides }, inputs: [x] }, [ct]) => {
    const config = x!.shape.map((d, i): [number, number, number] => {
      const s = strides ? strides[i]! : 1;
      const n = ct!.shape[i]!;
      const last = n === 0 ? st[i]! - 1 : st[i]! + (n - 1) * s;
      return [st[i]!, d - last - 1, n === 0 ? 0 : s - 1];
    });
    return [bind1("pad", { padding_config: config }, [ct!, lit(0, ct!.dtype)])];
  },
  // Undo low/high padding (negative padding crops), then take every (interior+1)-th element.
  pad: ({ params: { padding_config: cfg }, inputs: [x, v] }, [ct]) => {
    const cropped = bind1("pad", { padding_config: cfg.map(([lo, hi]): [number, number, number] => [-lo, -hi, 0]) }, [ct!, lit(0, ct!.dtype)]);
    const ctX = bind1("slice", { start_indices: x!.shape.map(() => 0), limit_indices: [...cropped.shape], strides: cfg.map(([, , i]) => i + 1) }, [cropped]);
    const all = (t: Tensor) => bind1("reduce_sum", { axes: t.shape.map((_, i) => i) }, [t]);
    const ctV = v instanceof Literal ? null : bind1("sub", {}, [all(ct!), all(ctX)]);
    return [ctX, ctV];
  },
  concatenate: ({ params: { dimension }, inputs }, [ct]) => {
    let at = 0;
    return inputs.map((x) => {
      const n = x.shape[dimension]!;
      const start = ct!.shape.map((_, i) => (i === dimension ? at : 0));
      const limit = ct!.shape.map((d, i) => (i === dimension ? at + n : d));
      at += n;
      return bind1("slice", { start_indices: start, limit_indices: limit, strides: null }, [ct!]);
    });
  },
  reduce_sum: ({ params: { axes }, inputs: [x] }, [ct]) => [broadcastBack(ct!, x!.shape, axes)],
  reduce_max: extremumRule,
  reduce_min: extremumRule,
  // d Π / dx_i = Π / x_i (undefined where x_i = 0, as the simple rule in JAX's docs).
  reduce_prod: ({ params: { axes }, inputs: [x], outputs: [y] }, [ct]) => [
    bind1("div", {}, [broadcastBack(bind1("mul", {}, [ct!, y!]), x!.shape, axes), x!]),
  ],
  argmax: NON_DIFFERENTIABLE,
  argmin: NON_DIFFERENTIABLE,
  cumsum: ({ params: { axis, reverse } }, [ct]) => [bind1("cumsum", { axis, reverse: !reverse }, [ct!])],
};

