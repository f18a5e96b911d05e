// A small GPT-style decoder (issue #4's end-to-end model): token embedding by gather, learned
// positions, 2 pre-norm layers of causal multi-head attention and a GELU MLP with residuals, a
// final layerNorm, an unembedding and the mean cross-entropy of the next token.
//
// Sizes: vocab 64, width 64, 4 heads of 16, MLP 256, 2 layers, batch 2 × time 16. The parameter
// types are what `scalify trace examples/gpt.ts --fn gpt` reads to build argument specs.
//
// `gptFp8` is the same model with FP8 matmuls, with jax-scalify's helpers: every matmul input is
// cast to e4m3fn on the forward pass, every matmul output's cotangent to e5m2 on the backward
// pass, and the logits' cotangent is re-centred by its L2 norm (the cross-entropy gradient is
// O(1/(B·T)) per entry: without the rescale its data would reach e5m2 far below 1, near the
// bottom of its range). Under scalify the casts change the data only, never the scale.
import * as sf from "scalify";
import type { DType, Tensor } from "scalify";

export const GPT = { vocab: 64, width: 64, heads: 4, hidden: 256, layers: 2, batch: 2, time: 16 } as const;

export interface GptLayer {
  ln1Scale: Tensor<"f32", [64]>;
  ln1Bias: Tensor<"f32", [64]>;
  wq: Tensor<"f32", [64, 64]>;
  wk: Tensor<"f32", [64, 64]>;
  wv: Tensor<"f32", [64, 64]>;
  wo: Tensor<"f32", [64, 64]>;
  ln2Scale: Tensor<"f32", [64]>;
  ln2Bias: Tensor<"f32", [64]>;
  w1: Tensor<"f32", [64, 256]>;
  b1: Tensor<"f32", [256]>;
  w2: Tensor<"f32", [256, 64]>;
  b2: Tensor<"f32", [64]>;
}

export interface GptParams {
  embed: Tensor<"f32", [64, 64]>;
  pos: Tensor<"f32", [16, 64]>;
  layers: [GptLayer, GptLayer];
  lnfScale: Tensor<"f32", [64]>;
  lnfBias: Tensor<"f32", [64]>;
  unembed: Tensor<"f32", [64, 64]>;
}

export interface GptOptions {
  /** Cast every matmul input's data to this dtype on the forward pass (castOnForward). */
  matmulInputs?: DType;
  /** Cast every matmul output's cotangent data to this dtype on the backward pass (castOnBackward). */
  matmulGrads?: DType;
  /** Re-centre the logits' cotangent by its L2 norm (dynamicRescaleL2Grad). */
  rescaleLogitsGrad?: boolean;
}

/** jax-scalify's FP8 recipe: e4m3fn matmul inputs forward, e5m2 gradients backward, L2-rescaled logit gradient. */
export const FP8: GptOptions = { matmulInputs: "f8e4m3fn", matmulGrads: "f8e5m2", rescaleLogitsGrad: true };

/** The mean next-token cross-entropy of `targets` given `tokens` (both [batch, time] of token ids). */
export function gpt(params: GptParams, tokens: Tensor<"i32", [2, 16]>, targets: Tensor<"i32", [2, 16]>): Tensor {
  return gptWithOptions(params, tokens, targets, {});
}

/** `gpt` with FP8 matmuls (see the file header). */
export function gptFp8(params: GptParams, tokens: Tensor<"i32", [2, 16]>, targets: Tensor<"i32", [2, 16]>): Tensor {
  return gptWithOptions(params, tokens, targets, FP8);
}

/**
 * The model with a mode switch. `gpt` and `gptFp8` fix the options so that their three parameters
 * are all tensors (what `scalify trace` can read from the types).
 */
export function gptWithOptions(params: GptParams, tokens: Tensor, targets: Tensor, opts: GptOptions = {}): Tensor {
  const logits = gptLogits(params, tokens, opts);
  return sf.nn.softmaxCrossEntropy(opts.rescaleLogitsGrad ? sf.scaling.dynamicRescaleL2Grad(logits) : logits, targets);
}

/** [batch, time] token ids → [batch, time, vocab] logits. */
export function gptLogits(params: GptParams, tokens: Tensor, opts: GptOptions = {}): Tensor {
  const mm = matmulFor(opts);
  let x = sf.ops.add(sf.ops.take(params.embed, tokens, 0), params.pos);
  for (const layer of params.layers) {
    x = sf.ops.add(x, attention(layer, sf.nn.layerNorm(x, { scale: layer.ln1Scale, bias: layer.ln1Bias }), mm));
    x = sf.ops.add(x, mlp(layer, sf.nn.layerNorm(x, { scale: layer.ln2Scale, bias: layer.ln2Bias }), mm));
  }
  return mm(sf.nn.layerNorm(x, { scale: params.lnfScale, bias: params.lnfBias }), params.unembed);
}

type Matmul = (a: Tensor, b: Tensor) => Tensor;

/**
 * Plain matmul, or the low-precision one: inputs cast to `matmulInputs` (data only: under
 * scalify the scale is kept), the product accumulated in f32 and rounded to the un-cast dtype,
 * and its cotangent cast to `matmulGrads` on the way back.
 */
function matmulFor(opts: GptOptions): Matmul {
  const { matmulInputs: fwd, matmulGrads: bwd } = opts;
  if (!fwd && !bwd) return (a, b) => sf.ops.matmul(a, b);
  const cast = (x: Tensor) => (fwd ? (sf.scaling.castOnForward(x, fwd) as Tensor) : x);
  return (a, b) => {
    const out = sf.ops.matmul(cast(a), cast(b), { preferredElementType: a.dtype === b.dtype ? a.dtype : "f32" });
    return bwd ? sf.scaling.castOnBackward(out, bwd) : out;
  };
}

/** [b, t, h·d] → [b, h, t, d]: each head becomes a batch of its own for the matmuls. */
function splitHeads(x: Tensor): Tensor {
  const [b, t, m] = x.shape as [number, number, number];
  return sf.ops.transpose(sf.ops.reshape(x, [b, t, GPT.heads, m / GPT.heads]), [0, 2, 1, 3]);
}

/** [b, h, t, d] → [b, t, h·d]. */
function mergeHeads(x: Tensor): Tensor {
  const [b, h, t, d] = x.shape as [number, number, number, number];
  return sf.ops.reshape(sf.ops.transpose(x, [0, 2, 1, 3]), [b, t, h * d]);
}

/** Causal multi-head self-attention (batched matmuls over [batch, head]). */
function attention(p: GptLayer, x: Tensor, mm: Matmul): Tensor {
  const q = splitHeads(mm(x, p.wq));
  const k = splitHeads(mm(x, p.wk));
  const v = splitHeads(mm(x, p.wv));
  const t = x.shape[1]!;
  const scores = sf.ops.div(mm(q, sf.ops.transpose(k, [0, 1, 3, 2])), Math.sqrt(q.shape[3]!));
  // Query i sees keys j ≤ i. A static −inf keeps the scores' scale under scalify and exp gives 0.
  const row = sf.lax.iota({ dtype: "i32", shape: [t, t], dimension: 0 });
  const col = sf.lax.iota({ dtype: "i32", shape: [t, t], dimension: 1 });
  const probs = sf.nn.softmax(sf.ops.where(sf.ops.ge(row, col), scores, -Infinity), -1);
  return mm(mergeHeads(mm(probs, v)), p.wo);
}

/** GELU MLP: width → hidden → width. */
function mlp(p: GptLayer, x: Tensor, mm: Matmul): Tensor {
  const h = sf.nn.gelu(sf.ops.add(mm(x, p.w1), p.b1));
  return sf.ops.add(mm(h, p.w2), p.b2);
}

/**
 * GPT-2-style initialisation: N(0, 0.02²) token and position embeddings (`embedStd`), LeCun-normal
 * projections (std 1/√fan_in), residual output projections further divided by √(2·layers), unit
 * norm scales, zero biases; `dtype` casts every parameter (e.g. "f16").
 */
export function initGpt(key: Tensor, opts: { dtype?: DType; embedStd?: number } = {}): GptParams {
  const { vocab, width, hidden, time, layers } = GPT;
  const dtype = opts.dtype ?? "f32";
  const embedStd = opts.embedStd ?? 0.02;
  const keys = sf.random.split(key, 3 + 6 * layers);
  let next = 0;
  const normal = (shape: number[], std: number) => sf.ops.astype(sf.ops.mul(sf.random.normal(sf.ops.take(keys, next++, 0), shape), std), dtype);
  const ones = (n: number) => sf.ops.ones([n], dtype);
  const zeros = (n: number) => sf.ops.zeros([n], dtype);
  const residual = 1 / Math.sqrt(2 * layers);
  const layer = (): GptLayer =>
    ({
      ln1Scale: ones(width),
      ln1Bias: zeros(width),
      wq: normal([width, width], 1 / Math.sqrt(width)),
      wk: normal([width, width], 1 / Math.sqrt(width)),
      wv: normal([width, width], 1 / Math.sqrt(width)),
      wo: normal([width, width], residual / Math.sqrt(width)),
      ln2Scale: ones(width),
      ln2Bias: zeros(width),
      w1: normal([width, hidden], 1 / Math.sqrt(width)),
      b1: zeros(hidden),
      w2: normal([hidden, width], residual / Math.sqrt(hidden)),
      b2: zeros(width),
    }) as GptLayer;
  return {
    embed: normal([vocab, width], embedStd),
    pos: normal([time, width], embedStd),
    layers: [layer(), layer()],
    lnfScale: ones(width),
    lnfBias: zeros(width),
    unembed: normal([width, vocab], 1 / Math.sqrt(width)),
  } as GptParams;
}
