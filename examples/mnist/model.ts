// The MNIST classifier: an MLP 784 → 512 → 512 → 10 with relu and a log-softmax cross-entropy,
// in three numerics modes that share one definition:
//
// - `f32`:  plain f32 parameters, activations and Adam state; the step is `sf.jit`-ed.
// - `f16`:  scalified; parameters, activations and optimizer state are ScaledArrays with f16 data.
// - `fp8`:  as f16, and every matmul takes e4m3fn inputs on the forward pass (castOnForward) and
//           casts its output's cotangent to e5m2 on the backward pass (castOnBackward); the logits'
//           cotangent is re-centred by its L2 norm (dynamicRescaleL2Grad), because the
//           cross-entropy gradient, O(1/batch) per entry, would otherwise sit near the bottom of
//           e5m2's range. This is jax-scalify's MNIST FP8 recipe with real E4M3FN/E5M2 numerics.
import * as sf from "scalify";
import type { DType, Tensor } from "scalify";

export const MODES = ["f32", "f16", "fp8"] as const;
export type Mode = (typeof MODES)[number];

export const LAYERS = [784, 512, 512, 10] as const;

export interface MlpParams {
  w1: Tensor<"f32", [784, 512]>;
  b1: Tensor<"f32", [512]>;
  w2: Tensor<"f32", [512, 512]>;
  b2: Tensor<"f32", [512]>;
  w3: Tensor<"f32", [512, 10]>;
  b3: Tensor<"f32", [10]>;
}

/** The dtype parameters, activations and optimizer state are stored in. */
export function storageDtype(mode: Mode): DType {
  return mode === "f32" ? "f32" : "f16";
}

export function isScaled(mode: Mode): boolean {
  return mode !== "f32";
}

/**
 * He initialisation (normal, std √(2/fan_in), for relu layers) and zero biases, in f32. `hidden`
 * narrows both hidden layers (small, fast models for tests); the recipe uses 512.
 */
export function initMlp(key: Tensor, hidden: number = LAYERS[1]): MlpParams {
  const keys = sf.random.split(key, 3);
  const dense = (i: number, fanIn: number, fanOut: number) =>
    sf.ops.mul(sf.random.normal(sf.ops.take(keys, i, 0), [fanIn, fanOut]), Math.sqrt(2 / fanIn));
  const [a, b, c, d] = [LAYERS[0], hidden, hidden, LAYERS[3]];
  return {
    w1: dense(0, a, b),
    b1: sf.ops.zeros([b]),
    w2: dense(1, b, c),
    b2: sf.ops.zeros([c]),
    w3: dense(2, c, d),
    b3: sf.ops.zeros([d]),
  } as MlpParams;
}

/**
 * A tensor as a ScaledArray with `dtype` data re-centred on its largest magnitude (scale = the
 * power of two at or below max|x|; a zero tensor gets scale 1). Used for parameters and inputs.
 */
export function toScaled(x: Tensor, dtype: DType): sf.ScaledArray {
  const values = x.toFloat32Array();
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  const scale = max > 0 ? sf.pow2.roundDown(max) : 1;
  return new sf.ScaledArray(sf.ops.astype(sf.ops.div(x, scale), dtype), scale);
}

/** The parameters in the mode's storage: plain f32, or ScaledArrays with f16 data. */
export function paramsFor(mode: Mode, params: MlpParams): any {
  if (!isScaled(mode)) return params;
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, toScaled(v, storageDtype(mode))]));
}

type Matmul = (a: Tensor, b: Tensor) => Tensor;

/** The mode's matmul: plain, or FP8 (e4m3fn inputs forward, e5m2 output cotangent backward). */
function matmulFor(mode: Mode): Matmul {
  if (mode !== "fp8") return (a, b) => sf.ops.matmul(a, b);
  const f8 = (x: Tensor) => sf.scaling.castOnForward(x, "f8e4m3fn") as Tensor;
  return (a, b) => sf.scaling.castOnBackward(sf.ops.matmul(f8(a), f8(b), { preferredElementType: a.dtype }), "f8e5m2");
}

/** [batch, 784] images → [batch, 10] logits. */
export function mlpLogits(params: MlpParams, x: Tensor, mode: Mode): Tensor {
  const mm = matmulFor(mode);
  const h1 = sf.nn.relu(sf.ops.add(mm(x, params.w1), params.b1));
  const h2 = sf.nn.relu(sf.ops.add(mm(h1, params.w2), params.b2));
  return sf.ops.add(mm(h2, params.w3), params.b3);
}

/** Mean cross-entropy of the log-softmax of the logits against integer labels. */
export function mlpLoss(params: MlpParams, x: Tensor, labels: Tensor, mode: Mode): Tensor {
  const logits = mlpLogits(params, x, mode);
  return sf.nn.softmaxCrossEntropy(mode === "fp8" ? sf.scaling.dynamicRescaleL2Grad(logits) : logits, labels);
}

/** The number of correct predictions in a batch (an f32 scalar). */
export function mlpCorrect(params: MlpParams, x: Tensor, labels: Tensor, mode: Mode): Tensor {
  const predicted = sf.ops.argmax(mlpLogits(params, x, mode), -1);
  return sf.ops.sum(sf.ops.astype(sf.ops.eq(predicted, labels), "f32"));
}
