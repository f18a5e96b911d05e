// Shared by the GPT end-to-end test and its goldens: fixed inputs, the parameters as f16
// ScaledArrays, and the error measure of issue #4 (per-tensor relative L2 against f32).
import * as sf from "scalify";
import type { Tensor } from "scalify";
import { GPT, initGpt, type GptParams } from "../../examples/gpt.js";

export type Tokens = Tensor<"i32", [2, 16]>;

/** Parameters (f32, GPT-2 init) and a next-token batch: targets are the tokens shifted by one. */
export function gptInputs(seed = 0): { params: GptParams; tokens: Tokens; targets: Tokens } {
  const [kp, kt] = [sf.random.key(seed), sf.random.key(seed + 1)];
  const { batch, time, vocab } = GPT;
  const seq = sf.ops.astype(sf.random.uniform(kt, [batch, time + 1], { minval: 0, maxval: vocab }), "i32");
  return {
    params: initGpt(kp),
    tokens: sf.ops.slice(seq, [0, 0], [batch, time]) as Tokens,
    targets: sf.ops.slice(seq, [0, 1], [batch, time + 1]) as Tokens,
  };
}

/** The power of two at or below the root mean square of `x` (1 for an all-zero tensor). */
export function pow2Rms(x: Tensor): number {
  const v = x.toFloat32Array();
  let s = 0;
  for (const a of v) s += a * a;
  const rms = Math.sqrt(s / v.length);
  return rms > 0 ? (sf.pow2.roundDown(rms) as number) : 1;
}

/** Every parameter as a ScaledArray: data in `dtype`, cast from f32 and centred by a power-of-two scale. */
export function scaledParams(params: GptParams, dtype: sf.DType): unknown {
  return sf.tree.map((p: Tensor) => sf.asScaledArray(sf.ops.astype(p, dtype), pow2Rms(p)), params);
}

/** `[path, leaf]` pairs of a pytree whose leaves are Tensors or ScaledArrays, in flatten order. */
export function namedLeaves(x: unknown, prefix = ""): [string, Tensor | sf.ScaledArray][] {
  if (x instanceof sf.Tensor || x instanceof sf.ScaledArray) return [[prefix, x]];
  if (Array.isArray(x)) return x.flatMap((v, i) => namedLeaves(v, `${prefix}[${i}]`));
  const o = x as Record<string, unknown>;
  return Object.keys(o)
    .sort()
    .flatMap((k) => namedLeaves(o[k], prefix ? `${prefix}.${k}` : k));
}

/** ‖a − ref‖₂ / ‖ref‖₂, in f64. */
export function relL2(a: Tensor, ref: Tensor): number {
  const x = a.toFloat32Array();
  const y = ref.toFloat32Array();
  let num = 0;
  let den = 0;
  for (let i = 0; i < y.length; i++) {
    num += (x[i]! - y[i]!) ** 2;
    den += y[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

export function allFinite(t: Tensor): boolean {
  return t.toFloat32Array().every(Number.isFinite);
}
