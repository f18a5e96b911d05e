// `sf.nn`: activations, normalisations and losses (jax.nn names), written on sf.ops so they run
// eagerly and under tracing alike. Axis arguments default to −1, as jax.nn.
import type { DType } from "../ir/dtype.js";
import { array, Tensor } from "../runtime/tensor.js";
import * as lax from "./lax.js";
import * as ops from "./ops/index.js";
import type { Axis } from "./ops/index.js";
import type { Indices } from "./ops/indexing.js";

/**
 * max(x, 0) written as a select against a static zero, so that its gradient at 0 is 0 (as
 * jax.nn.relu) and scalify keeps x's scale (DESIGN.md "Scalify semantics", static values).
 */
export function relu(x: Tensor): Tensor {
  return ops.where(ops.gt(x, 0), x, ops.zerosLike(x));
}

/** x · logistic(x) (jax.nn.silu). */
export function silu(x: Tensor): Tensor {
  return ops.mul(x, ops.logistic(x));
}

export const logistic = ops.logistic;
export const sigmoid = ops.logistic;

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * jax.nn.gelu: by default the tanh approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)));
 * `approximate: false` is the exact 0.5·x·(1 + erf(x/√2)). Computed in x's dtype, as JAX.
 */
export function gelu(x: Tensor, opts: { approximate?: boolean } = {}): Tensor {
  const inner =
    (opts.approximate ?? true)
      ? ops.tanh(ops.mul(ops.add(x, ops.mul(ops.integerPow(x, 3), 0.044715)), SQRT_2_OVER_PI))
      : ops.erf(ops.mul(x, Math.SQRT1_2));
  return ops.mul(ops.mul(x, 0.5), ops.add(inner, 1));
}

/** The max over `axis`, kept as size-1 axes and without gradient: the shift that makes exp safe. */
function shift(x: Tensor, axis: Axis): Tensor {
  return lax.stopGradient(ops.max(x, axis, { keepdims: true }));
}

/** exp(x − max) / Σ exp(x − max) over `axis` (jax.nn.softmax). */
export function softmax(x: Tensor, axis: Axis = -1): Tensor {
  const e = ops.exp(ops.sub(x, shift(x, axis)));
  return ops.div(e, ops.sum(e, axis, { keepdims: true }));
}

/** (x − max) − log Σ exp(x − max) over `axis`: stable for large inputs (jax.nn.log_softmax). */
export function logSoftmax(x: Tensor, axis: Axis = -1): Tensor {
  const shifted = ops.sub(x, shift(x, axis));
  return ops.sub(shifted, ops.log(ops.sum(ops.exp(shifted), axis, { keepdims: true })));
}

/**
 * log Σ exp(x) over `axis` (jax.nn.logsumexp). A row whose max is ±inf or NaN is shifted by 0
 * instead, as JAX does, so an all −inf row gives −inf rather than NaN.
 */
export function logSumExp(x: Tensor, axis: Axis = -1, opts: { keepdims?: boolean } = {}): Tensor {
  const axes = axis ?? x.shape.map((_, i) => i);
  const m = shift(x, axes);
  const safe = ops.where(ops.isfinite(m), m, ops.zerosLike(m));
  const out = ops.add(ops.log(ops.sum(ops.exp(ops.sub(x, safe)), axes, { keepdims: true })), safe);
  return opts.keepdims ? out : ops.squeeze(out, axes);
}

export interface LayerNormOptions {
  axis?: Axis;
  eps?: number;
  /** Multiplies the normalised value (broadcast against x). */
  scale?: Tensor;
  /** Added after the scale. */
  bias?: Tensor;
}

/** (x − mean) · rsqrt(var + eps) over `axis`, then · scale + bias (as flax's LayerNorm). */
export function layerNorm(x: Tensor, opts: LayerNormOptions = {}): Tensor {
  const axis = opts.axis ?? -1;
  const centred = ops.sub(x, ops.mean(x, axis, { keepdims: true }));
  const variance = ops.mean(ops.square(centred), axis, { keepdims: true });
  let y = ops.mul(centred, ops.rsqrt(ops.add(variance, opts.eps ?? 1e-5)));
  if (opts.scale) y = ops.mul(y, opts.scale);
  if (opts.bias) y = ops.add(y, opts.bias);
  return y;
}

/**
 * jax.nn.one_hot: a new last axis of size n with 1 at each index (a row of zeros for an index
 * outside [0, n)).
 */
export function oneHot(indices: Indices, n: number, opts: { dtype?: DType } = {}): Tensor {
  const idx = indexTensor(indices);
  const classes = lax.iota({ dtype: "i32", shape: [...idx.shape, n], dimension: idx.ndim });
  return ops.astype(ops.eq(ops.expandDims(idx, -1), classes), opts.dtype ?? "f32");
}

/**
 * Mean over the batch of −log softmax(logits)[label], with integer labels of logits' shape
 * without its last axis (optax.softmax_cross_entropy_with_integer_labels, then a mean). The
 * label's entry is gathered rather than multiplied by a one-hot, so a −inf logit elsewhere in
 * the row cannot turn the loss into NaN (0 · −inf).
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Indices): Tensor {
  const logp = logSoftmax(logits, -1);
  const picked = ops.takeAlongAxis(logp, ops.expandDims(indexTensor(labels), -1), -1);
  return ops.neg(ops.mean(picked));
}

function indexTensor(indices: Indices): Tensor {
  const t = indices instanceof Tensor ? indices : array(indices, { dtype: "i32" });
  return ops.astype(t, "i32");
}
