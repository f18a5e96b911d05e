// sf.lax: one function per primitive (custom_vjp excepted), options mapped to the IR's params.
import { describe, expect, it } from "vitest";
import { Literal } from "../../ir/program.js";
import { PRIMITIVES } from "../../ir/primitives/catalogue.js";
import * as lax from "../../compiler/lax.js";
import { spec, trace } from "../../compiler/trace.js";
import { eagerAndTraced, flat, t } from "./op-helpers.js";

describe("lax table", () => {
  it("has a function for every primitive except custom_vjp", () => {
    const missing = PRIMITIVES.filter((p) => p !== "custom_vjp" && !(p in lax.LAX_FUNCTIONS));
    expect(missing).toEqual([]);
    expect("custom_vjp" in lax.LAX_FUNCTIONS).toBe(false);
  });
});

describe("lax wrappers record snake_case params", () => {
  it("dotGeneral", () => {
    const p = trace((a, b) => lax.dotGeneral(a, b, { dimensionNumbers: [[[2], [1]], [[0], [0]]] }), spec("f32", [4, 2, 3]), spec("f32", [4, 3, 5]));
    expect(p.equations[0]!.params).toEqual({ dimension_numbers: [[[2], [1]], [[0], [0]]], preferred_element_type: null });
    expect(p.outputAvals).toEqual([{ dtype: "f32", shape: [4, 2, 5] }]);
  });

  it("broadcastInDim, convertElementType, reduceSum, slice, pad, iota, randomBits", () => {
    const p = trace(
      (x) => {
        const b = lax.broadcastInDim(x, { shape: [2, 3], broadcastDimensions: [1] });
        const c = lax.convertElementType(b, { newDtype: "f16" });
        const s = lax.reduceSum(c, { axes: [0] });
        const sl = lax.slice(s, { startIndices: [1], limitIndices: [3] });
        return lax.pad(sl, 0, { paddingConfig: [[1, 0, 1]] });
      },
      spec("f32", [3]),
    );
    expect(p.equations.map((e) => [e.primitive, e.params])).toEqual([
      ["broadcast_in_dim", { shape: [2, 3], broadcast_dimensions: [1] }],
      ["convert_element_type", { new_dtype: "f16", saturate: false }],
      ["reduce_sum", { axes: [0] }],
      ["slice", { start_indices: [1], limit_indices: [3], strides: null }],
      ["pad", { padding_config: [[1, 0, 1]] }],
    ]);
    // the padding value became an f16 literal
    expect(p.equations[4]!.inputs[1]).toBeInstanceOf(Literal);
    expect(p.equations[4]!.inputs[1]!.dtype).toBe("f16");
    expect(flat(lax.iota({ dtype: "i32", shape: [2, 3], dimension: 1 }))).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it("does not alias the caller's arrays", () => {
    const shape = [2];
    const p = trace((x) => lax.reshape(x, { newSizes: shape }), spec("f32", [1, 2]));
    shape[0] = 7;
    expect(p.equations[0]!.params).toEqual({ new_sizes: [2] });
  });

  it("numbers become literals of the first tensor's dtype", () => {
    const p = trace((x) => lax.add(x, 1.1), spec("bf16", [2]));
    const lit = p.equations[0]!.inputs[1] as Literal;
    expect(lit.dtype).toBe("bf16");
    expect(lit.value).toBe(1.1015625); // 1.1 rounded to bf16
  });

  it("selectN, integerPow, argmax, cumsum, gather, full run eagerly and traced alike", () => {
    eagerAndTraced((w, a, b) => lax.selectN(w, a, b), t([true, false], "bool"), t([1, 2]), t([3, 4]));
    eagerAndTraced((x) => lax.integerPow(x, { y: 3 }), t([1.5, -2]));
    eagerAndTraced((x) => lax.argmax(x, { axis: 1 }), t([[1, 5, 2], [7, 0, 7]]));
    eagerAndTraced((x) => lax.cumsum(x, { axis: 0, reverse: true }), t([1, 2, 3]));
    eagerAndTraced((x, i) => lax.gather(x, i, { axis: 0, mode: "clip" }), t([1, 2, 3]), t([2, 5, -1], "i32"));
    expect(flat(lax.full([2], 0.1, "f16"))).toEqual([0.0999755859375, 0.0999755859375]);
  });
});
