// A two-layer MLP classifier for 28×28 images (MNIST-sized): 784 → 128 → relu → 10 logits.
// The parameter types are what `scalify trace examples/mlp.ts` reads to build argument specs.
import * as sf from "scalify";
import type { Tensor } from "scalify";

export interface MlpParams {
  w1: Tensor<"f32", [784, 128]>;
  b1: Tensor<"f32", [128]>;
  w2: Tensor<"f32", [128, 10]>;
  b2: Tensor<"f32", [10]>;
}

export function mlp(params: MlpParams, x: Tensor<"f32", [8, 784]>): Tensor {
  const h = sf.nn.relu(sf.ops.add(sf.ops.matmul(x, params.w1), params.b1));
  return sf.ops.add(sf.ops.matmul(h, params.w2), params.b2);
}

/**
 * The mean softmax cross-entropy of `mlp` on integer labels: the scalar that `scalify trace
 * examples/mlp.ts --grad` differentiates (--grad picks the exported `…Loss` function).
 */
export function mlpLoss(params: MlpParams, x: Tensor<"f32", [8, 784]>, labels: Tensor<"i32", [8]>): Tensor {
  return sf.nn.softmaxCrossEntropy(mlp(params, x), labels);
}

/** LeCun-normal weights (std 1/√fan_in keeps activations at unit variance) and zero biases. */
export function initMlp(key: Tensor): MlpParams {
  const keys = sf.random.split(key, 2);
  const dense = (i: number, fanIn: number, fanOut: number) =>
    sf.ops.mul(sf.random.normal(sf.ops.take(keys, i, 0), [fanIn, fanOut]), 1 / Math.sqrt(fanIn));
  return { w1: dense(0, 784, 128), b1: sf.ops.zeros([128]), w2: dense(1, 128, 10), b2: sf.ops.zeros([10]) } as MlpParams;
}
