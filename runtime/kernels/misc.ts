// Creation and control kernels: iota and custom_vjp.
import type { KernelTable } from "./types.js";
import { fromValues, size, strides } from "./util.js";

export const miscKernels = {
  iota: (p, _ins, [out]) => {
    // The index along `dimension`, converted to the dtype like a cast (bool: index ≠ 0).
    const n = size(p.shape);
    const stride = strides(p.shape)[p.dimension]!;
    const extent = p.shape[p.dimension]!;
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = Math.floor(i / stride) % extent;
    return [fromValues(v, out!)];
  },
  // Forward evaluation of jax.custom_vjp is the body itself; fwd/bwd matter only to grad.
  custom_vjp: (p, ins, _outs, ctx) => ctx.run(p.call, ins),
} satisfies Partial<KernelTable>;
