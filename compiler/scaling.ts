// `sf.scaling`: the scaling ops users place in their functions (jax-scalify's API). On plain
// tensors outside scalify they keep values (casts cast); inside scalify they act on (data, scale)
// pairs; called eagerly on ScaledArrays they run through scalify.
import type { DType } from "../ir/dtype.js";
import { ScaledArray } from "../runtime/scaled-array.js";
import type { Tensor } from "../runtime/tensor.js";
import { customVjp } from "./grad/custom-vjp.js";
import * as lax from "./lax.js";
import { scaledAware } from "./scalify/api.js";

type X = Tensor | ScaledArray;
/** Plain tensors in, a plain tensor out; with any ScaledArray argument, the op runs through scalify. */
interface Aware<A extends unknown[]> {
  (...a: A): Tensor;
  (...a: { [K in keyof A]: A[K] extends Tensor ? X : A[K] }): X;
}
const aware = <A extends unknown[]>(f: (...a: A) => Tensor): Aware<A> => scaledAware(f) as unknown as Aware<A>;

/** `(data, scale)`: a ScaledArray's parts, or `(x, 1)` for a plain tensor. */
export function getDataScale(x: X): [Tensor, Tensor] {
  if (x instanceof ScaledArray) return [x.data, x.scale];
  return lax.getDataScale(x);
}

/** The same value with the given scale: data = d·(s/scale). */
export const setScaling = aware((x: Tensor, scale: Tensor | number) => lax.setScaling(x, scale));
/** The plain value (in `dtype`, default the data's): scaling stops here. */
export const stopScaling = aware((x: Tensor, dtype?: DType) => lax.stopScaling(x, { dtype: dtype ?? null }));
/** data / factor, scale · factor: the value is unchanged. */
export const rebalance = aware((x: Tensor, factor: Tensor | number) => lax.rebalance(x, factor));

/** Re-centre the data by its max |d| (rounded down to a power of two, at least eps). */
export const dynamicRescaleMax = aware((x: Tensor) => lax.dynamicRescale(x, { norm: "max" }));
/** Re-centre the data by its mean |d|. */
export const dynamicRescaleL1 = aware((x: Tensor) => lax.dynamicRescale(x, { norm: "l1" }));
/** Re-centre the data by its root mean square. */
export const dynamicRescaleL2 = aware((x: Tensor) => lax.dynamicRescale(x, { norm: "l2" }));

export interface LazyRescaleOptions {
  /** The norm judged against the window (default "max", as dynamicRescaleMax). */
  norm?: "max" | "l1" | "l2";
  /** The window for the norm of the data on ref's scale (default [2^-3, 2^8]). */
  lo?: number;
  hi?: number;
}
/** The default window: the data's max may shrink 8× or grow 256× from [1, 2) before a rescale. */
export const LAZY_WINDOW = { lo: 2 ** -3, hi: 2 ** 8 } as const;
/**
 * Re-centre only when needed: x takes `ref`'s scale (a stored tensor's, so that a state updated
 * each step keeps its scale) while the norm of its data on that scale lies in [lo, hi]; otherwise
 * it is re-centred as dynamicRescale does. The value is unchanged either way.
 */
export const lazyRescale = aware((x: Tensor, ref: Tensor, o: LazyRescaleOptions = {}) =>
  lax.lazyRescale(x, ref, { norm: o.norm ?? "max", lo: o.lo ?? LAZY_WINDOW.lo, hi: o.hi ?? LAZY_WINDOW.hi }),
);

/** Identity forward; `onCt` transforms the cotangent (the backward-side helpers). */
function onBackward(name: string, onCt: (ct: Tensor) => Tensor): (x: Tensor) => Tensor {
  const f = customVjp({
    fn: (x: Tensor) => x,
    fwd: (x: Tensor) => [x, null],
    bwd: (_res: null, ct: Tensor) => [onCt(ct)],
  });
  Object.defineProperty(f, "name", { value: name });
  return f;
}

// The backward-side helpers are the identity on the forward pass, on ScaledArrays too.
export const dynamicRescaleMaxGrad = aware((x: Tensor): Tensor => onBackward("dynamic_rescale_max_grad", (ct) => lax.dynamicRescale(ct, { norm: "max" }))(x));
export const dynamicRescaleL1Grad = aware((x: Tensor): Tensor => onBackward("dynamic_rescale_l1_grad", (ct) => lax.dynamicRescale(ct, { norm: "l1" }))(x));
export const dynamicRescaleL2Grad = aware((x: Tensor): Tensor => onBackward("dynamic_rescale_l2_grad", (ct) => lax.dynamicRescale(ct, { norm: "l2" }))(x));

export interface CastOptions {
  /** Clamp fp8 overflow to ±max instead of NaN/Inf (default true: a training cast must not blow up). */
  saturate?: boolean;
}

/** Cast the data to `dtype` on the forward pass (the scale is untouched). Applies under grad too. */
export const castOnForward = aware((x: Tensor, dtype: DType, o: CastOptions = {}) => lax.convertElementType(x, { newDtype: dtype, saturate: o.saturate ?? true }));

/** Identity forward; the cotangent's data is cast to `dtype`, which the cotangent keeps. */
export const castOnBackward = aware((x: Tensor, dtype: DType, o: CastOptions = {}): Tensor =>
  onBackward("cast_on_backward", (ct) => lax.convertElementType(ct, { newDtype: dtype, saturate: o.saturate ?? true }))(x),
);

/** A true round trip through `dtype` (its exact rounding, range and saturation), keeping x's dtype. */
function roundTrip(x: Tensor, dtype: DType, saturate: boolean): Tensor {
  return lax.convertElementType(lax.convertElementType(x, { newDtype: dtype, saturate }), { newDtype: x.dtype });
}
export const reducePrecisionOnForward = aware((x: Tensor, dtype: DType, o: CastOptions = {}) => roundTrip(x, dtype, o.saturate ?? true));
export const reducePrecisionOnBackward = aware((x: Tensor, dtype: DType, o: CastOptions = {}): Tensor =>
  onBackward("reduce_precision_on_backward", (ct) => roundTrip(ct, dtype, o.saturate ?? true))(x),
);
