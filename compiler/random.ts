// `sf.random`: counter-based randomness on the `random_bits` primitive (Philox-4x32-10, key =
// i32[2], counter = flat index). Everything is built from primitives, so the streams are
// identical on every backend, eagerly and under tracing. As in JAX, `split` and the samplers draw
// from the same counters of a key, so a key that has been split should not be sampled from too.
import { isFloat, type DType, type FloatDType } from "../ir/dtype.js";
import { DTypeError, ValidationError } from "../ir/errors.js";
import { size, type Shape } from "../ir/shape.js";
import { evalPrimitive } from "../runtime/interpreter.js";
import { array, Tensor } from "../runtime/tensor.js";
import { userCallSite } from "./call-site.js";
import * as lax from "./lax.js";
import * as ops from "./ops/index.js";
import { isTracer } from "./tracer.js";

/** A key i32[2] from a seed: the high and low 32-bit words of the seed as a 64-bit integer (as jax.random.PRNGKey). */
export function key(seed: number): Tensor {
  if (!Number.isSafeInteger(seed)) throw new ValidationError(`seed must be a safe integer, got ${seed}`, "seed");
  const word = BigInt.asUintN(64, BigInt(seed));
  return array([Number(BigInt.asIntN(32, word >> 32n)), Number(BigInt.asIntN(32, word))], { dtype: "i32" });
}

/** `num` new keys i32[num, 2], derived from the key's bits. */
export function split(key: Tensor, num = 2): Tensor {
  return lax.randomBits(key, { shape: [num, 2] });
}

/** Raw random bits (as i32) of `shape`. */
export function bits(key: Tensor, shape: Shape): Tensor {
  return lax.randomBits(key, { shape });
}

/** Significand bits (with the implicit one) per float dtype: k · 2^-bits for k < 2^bits is exact in it. */
const SIGNIFICAND_BITS: Record<FloatDType, number> = { f32: 24, f16: 11, bf16: 8, f8e4m3fn: 4, f8e5m2: 3 };

export interface UniformOptions {
  dtype?: DType;
  minval?: number;
  maxval?: number;
}

/**
 * Uniform samples in [minval, maxval). The top p bits of each word (p = the dtype's significand
 * bits, 24 for f32) scaled by 2^-p give a value on the dtype's grid in [0, 1), exactly, so the
 * default range never rounds up to 1. Other ranges are mapped in f32 and rounded once to dtype.
 */
export function uniform(key: Tensor, shape: Shape, opts: UniformOptions = {}): Tensor {
  const dtype = opts.dtype ?? "f32";
  if (!isFloat(dtype)) throw new DTypeError(`dtype must be a float, got ${dtype}`, "uniform", userCallSite());
  const p = SIGNIFICAND_BITS[dtype];
  const top = lax.shiftRightLogical(lax.randomBits(key, { shape }), 32 - p);
  let u = lax.mul(lax.convertElementType(top, { newDtype: "f32" }), 2 ** -p);
  const lo = opts.minval ?? 0;
  const hi = opts.maxval ?? 1;
  if (lo !== 0 || hi !== 1) u = lax.add(lax.mul(u, hi - lo), lo);
  return ops.astype(u, dtype);
}

/**
 * Standard normal samples by Box–Muller (the cosine branch) from two f32 uniforms drawn in one
 * call; 1 − u ∈ (0, 1] keeps log away from 0. Computed in f32 and rounded once to dtype.
 */
export function normal(key: Tensor, shape: Shape, opts: { dtype?: DType } = {}): Tensor {
  const dtype = opts.dtype ?? "f32";
  if (!isFloat(dtype)) throw new DTypeError(`dtype must be a float, got ${dtype}`, "normal", userCallSite());
  const n = size(shape);
  const u = uniform(key, [2, n]);
  const half = (row: number) => ops.reshape(ops.slice(u, [row, 0], [row + 1, n]), shape);
  const radius = ops.sqrt(ops.mul(ops.log(ops.sub(1, half(0))), -2));
  return ops.astype(ops.mul(radius, ops.cos(ops.mul(half(1), 2 * Math.PI))), dtype);
}

/** True with probability p (jax.random.bernoulli): uniform < p. */
export function bernoulli(key: Tensor, p: number, shape: Shape): Tensor {
  return ops.lt(uniform(key, shape), p);
}

/**
 * A random permutation of 0…n−1 (i32[n]), or of x along its first axis. There is no sort
 * primitive to argsort random bits, so this shuffles on the host (Fisher–Yates driven by
 * random_bits, j = bits[i] mod (i+1)): it needs a concrete key, and under a trace the permutation
 * becomes a constant of the program. A traced key is an error.
 */
export function permutation(key: Tensor, x: number | Tensor): Tensor {
  if (isTracer(key))
    throw new TypeError("sf.random.permutation needs a concrete key (it shuffles on the host); draw the permutation outside the traced function and pass it in");
  const n = typeof x === "number" ? x : x.shape[0];
  if (n === undefined || !Number.isInteger(n) || n < 0) throw new ValidationError(`permutation needs a length or a tensor of rank ≥ 1, got ${n}`, "x");
  // Evaluated directly (not bound) so that a concrete key gives a concrete result even inside a trace.
  const words = evalPrimitive("random_bits", { shape: [n] }, [key])[0]!.storage as Int32Array;
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = (words[i]! >>> 0) % (i + 1);
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  const p = new Tensor("i32", [n], perm);
  return typeof x === "number" ? p : ops.take(x, p, 0, { mode: "clip" });
}
