// Gradient rules of indexing primitives: gather ↔ scatter_add, dynamic_slice ↔ dynamic_update_slice.
import type { Tensor } from "../../runtime/tensor.js";
import { bind1 } from "../tracer.js";
import type { PartialRules } from "./rule-types.js";
import { lit, zerosOf } from "./util.js";

export const indexingRules: PartialRules<"gather" | "scatter_add" | "dynamic_slice" | "dynamic_update_slice"> = {
  gather: ({ params, inputs: [x, idx] }, [ct]) => [bind1("scatter_add", params, [zerosOf({ dtype: ct!.dtype, shape: x!.shape }), idx!, ct!]), null],
  // Updates whose index was dropped ("fill" mode, out of range) receive no cotangent.
  scatter_add: ({ params: { axis, mode }, inputs: [x, idx, upd] }, [ct]) => {
    let ctU: Tensor = bind1("gather", { axis, mode: "clip" }, [ct!, idx!]);
    if (mode === "fill") {
      const n = x!.shape[axis]!;
      const inRange = bind1("and", {}, [bind1("ge", {}, [idx!, lit(0, "i32")]), bind1("lt", {}, [idx!, lit(n, "i32")])]);
      const dims = idx!.shape.map((_, i) => axis + i);
      const mask = bind1("broadcast_in_dim", { shape: [...upd!.shape], broadcast_dimensions: dims }, [inRange]);
      ctU = bind1("select_n", {}, [mask, zerosOf(ctU), ctU]);
    }
    return [ct, null, ctU];
  },
  dynamic_slice: ({ inputs: [x, ...idx] }, [ct]) => [
    bind1("dynamic_update_slice", {}, [zerosOf({ dtype: ct!.dtype, shape: x!.shape }), ct!, ...idx]),
    ...idx.map(() => null),
  ],
  dynamic_update_slice: ({ inputs: [_x, u, ...idx] }, [ct]) => [
    bind1("dynamic_update_slice", {}, [ct!, zerosOf({ dtype: ct!.dtype, shape: u!.shape }), ...idx]),
    bind1("dynamic_slice", { slice_sizes: [...u!.shape] }, [ct!, ...idx]),
    ...idx.map(() => null),
  ],
};
