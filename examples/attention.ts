// One causal multi-head self-attention block (as in a GPT layer, without the residual and norm):
// x [batch, time, model] → 4 heads of size 16 → scaled dot-product attention → output projection.
import * as sf from "scalify";
import type { Tensor } from "scalify";

export interface AttentionParams {
  wq: Tensor<"f32", [64, 64]>;
  wk: Tensor<"f32", [64, 64]>;
  wv: Tensor<"f32", [64, 64]>;
  wo: Tensor<"f32", [64, 64]>;
}

const HEADS = 4;

/** [b, t, h·d] → [b, h, t, d]: each head becomes a batch of its own for the matmuls. */
function splitHeads(x: Tensor): Tensor {
  const [b, t, m] = x.shape as [number, number, number];
  return sf.ops.transpose(sf.ops.reshape(x, [b, t, HEADS, m / HEADS]), [0, 2, 1, 3]);
}

/** [b, h, t, d] → [b, t, h·d]. */
function mergeHeads(x: Tensor): Tensor {
  const [b, h, t, d] = x.shape as [number, number, number, number];
  return sf.ops.reshape(sf.ops.transpose(x, [0, 2, 1, 3]), [b, t, h * d]);
}

export function attention(params: AttentionParams, x: Tensor<"f32", [2, 16, 64]>): Tensor {
  const [q, k, v] = [params.wq, params.wk, params.wv].map((w) => splitHeads(sf.ops.matmul(x, w))) as [Tensor, Tensor, Tensor];
  const t = x.shape[1];
  const d = q.shape[3]!;
  const scores = sf.ops.div(sf.ops.matmul(q, sf.ops.transpose(k, [0, 1, 3, 2])), Math.sqrt(d));
  // Query i sees keys j ≤ i. Masked scores are −inf rather than a large negative number: exp
  // gives exactly 0, and a static −inf keeps the other operand's scale under scalify.
  const row = sf.lax.iota({ dtype: "i32", shape: [t, t], dimension: 0 });
  const col = sf.lax.iota({ dtype: "i32", shape: [t, t], dimension: 1 });
  const masked = sf.ops.where(sf.ops.ge(row, col), scores, -Infinity);
  const probs = sf.nn.softmax(masked, -1);
  return sf.ops.matmul(mergeHeads(sf.ops.matmul(probs, v)), params.wo);
}

/** Projections with std 1/√model (LeCun normal), one key each. */
export function initAttention(key: Tensor, model = 64): AttentionParams {
  const keys = sf.random.split(key, 4);
  const w = (i: number) => sf.ops.mul(sf.random.normal(sf.ops.take(keys, i, 0), [model, model]), 1 / Math.sqrt(model));
  return { wq: w(0), wk: w(1), wv: w(2), wo: w(3) } as AttentionParams;
}
