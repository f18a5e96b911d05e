// A scaled tensor (DESIGN.md "Scalify semantics"): value = data × scale, scale an f32 scalar ≥ 0.
import type { DType } from "../ir/dtype.js";
import { array, Tensor } from "./tensor.js";

export class ScaledArray {
  readonly scale: Tensor;
  constructor(
    readonly data: Tensor,
    scale: Tensor | number,
  ) {
    const s = typeof scale === "number" ? array(scale, { dtype: "f32" }) : scale;
    if (s.dtype !== "f32" || s.shape.length !== 0) throw new TypeError(`ScaledArray scale must be an f32 scalar, got ${s.dtype}[${s.shape.join(",")}]`);
    if (s.isConcrete) {
      const v = s.item();
      if (!(v >= 0) || !Number.isFinite(v)) throw new TypeError(`ScaledArray scale must be finite and ≥ 0, got ${v}`);
    }
    this.scale = s;
  }
  get dtype(): DType {
    return this.data.dtype;
  }
  get shape(): readonly number[] {
    return this.data.shape;
  }
}

export function isScaledArray(x: unknown): x is ScaledArray {
  return x instanceof ScaledArray;
}
