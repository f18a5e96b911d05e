// Kernels of the scaling primitives on plain tensors, where they keep values unchanged (the
// scalify pass rewrites them on scaled pairs; DESIGN.md "Scalify semantics").
import { encode } from "../numerics/codec.js";
import { roundDown, roundUp } from "../numerics/pow2.js";
import { Tensor } from "../tensor.js";
import type { KernelTable, ParamlessKernel } from "./types.js";
import { copyStorage, fromStorage, fromValues, values } from "./util.js";

const same: ParamlessKernel = (_p, [x], [out]) => [fromStorage(copyStorage(x!.storage), out!)];

export const scalingKernels = {
  pow2_round: (p, [x], [out]) => {
    const v = values(x!);
    const r = new Float64Array(v.length);
    const f = p.mode === "down" ? roundDown : roundUp;
    for (let i = 0; i < v.length; i++) r[i] = f(v[i]!);
    return [fromValues(r, out!)];
  },
  set_scaling: same,
  rebalance: same,
  dynamic_rescale: same,
  lazy_rescale: same,
  stop_scaling: (_p, [x], [out]) => [fromStorage(encode(values(x!), out!.dtype), out!)],
  get_data_scale: (_p, [x], [data]) => [fromStorage(copyStorage(x!.storage), data!), new Tensor("f32", [], new Float32Array([1]))],
} satisfies Partial<KernelTable>;
