// `sf.optim`: first-order optimizers (optax's sgd, momentum/heavy-ball and adam) as pure,
// traceable functions, so that one traced training step holds the forward pass, the gradient and
// the update, and `sf.scalify` covers all three.
//
// Under scalify, parameters and optimizer state can be ScaledArrays with f16 data (scaled FP16
// master weights and state). Two things make that work:
// - The update is computed on f32 data (each leaf is cast up at the start; scalify keeps the
//   scale) and cast back to the storage dtype once at the end, so intermediates such as g² never
//   round through f16 (where they would flush to zero long before g does).
// - Scale propagation alone drifts: `b1·mu` multiplies the data by 1.8 and halves the scale
//   (0.9 = 1.8·2^-1), every step, until the f16 data overflows. New parameters and state are
//   therefore re-centred by a dynamic rescale (max norm by default) before the final cast. On
//   plain tensors (outside scalify) both the casts and the rescale are the identity.
//
// Zero state is a ScaledArray with scale 0 when the parameter is scaled: a zero scale adopts the
// other operand's scale in the first `b1·mu + (1−b1)·g` (DESIGN.md "Scalify semantics": safe
// division of scales), so the first moments start on the gradients' own scale.
import type { DType } from "../ir/dtype.js";
import { ScaledArray } from "../runtime/scaled-array.js";
import { Tensor } from "../runtime/tensor.js";
import * as ops from "./ops/index.js";
import { dynamicRescaleL1, dynamicRescaleL2, dynamicRescaleMax, lazyRescale } from "./scaling.js";

/**
 * How new parameters and state are re-centred before they are stored: by a dynamic rescale each
 * step ("max", "l1", "l2"), or "lazy": they keep their stored scale while their max |data| on it
 * stays within sf.scaling.LAZY_WINDOW, and are re-centred by the max norm when it leaves it.
 */
export type Rescale = "max" | "l1" | "l2" | "lazy" | "none";

/** A learning rate: a constant, or a function of the step count (a traced f32 scalar, from 0). */
export type Schedule = number | ((count: Tensor) => Tensor | number);

export interface Optimizer<S = unknown> {
  /** The optimizer's name, for logs and checkpoints. */
  readonly name: string;
  /**
   * The initial state for `params` (a pytree of Tensors and ScaledArrays). Scaled parameters get
   * scaled zero state (data in `opts.dtype`, default the parameter's data dtype; scale 0).
   */
  init(params: unknown, opts?: { dtype?: DType }): S;
  /**
   * One step: new parameters and state from the gradients (a pytree shaped like `params`).
   * Traceable; meant to run inside the traced training step, after `valueAndGrad`.
   */
  update(grads: unknown, state: S, params: unknown): { params: any; state: S };
}

export interface CommonOptions {
  /** Re-centring of new parameters and state (default "max"; identity on plain tensors). */
  rescale?: Rescale;
  /** Weight decay added to the gradient (L2 regularisation, as optax's add_decayed_weights before sgd). */
  weightDecay?: number;
}

// ---- tree helpers: leaves are Tensors and ScaledArrays (not opened, unlike sf.tree) ----

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" && (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null);
}

/** Map `f` over the array leaves of `tree` and of `rest` (same structure); keys sorted, as sf.tree. */
function mapLeaves(f: (...xs: any[]) => unknown, tree: unknown, ...rest: unknown[]): any {
  if (Array.isArray(tree)) return tree.map((t, i) => mapLeaves(f, t, ...rest.map((r) => child(r, i))));
  if (isPlainObject(tree))
    return Object.fromEntries(
      Object.keys(tree)
        .sort()
        .map((k) => [k, mapLeaves(f, tree[k], ...rest.map((r) => child(r, k)))]),
    );
  return f(tree, ...rest);
}

function child(x: unknown, k: number | string): unknown {
  const c = (x as Record<string | number, unknown> | null | undefined)?.[k];
  if (c === undefined) throw new TypeError(`sf.optim: the gradient, state and parameter trees differ in structure at ${JSON.stringify(k)}`);
  return c;
}

/** Zeros shaped like a leaf: a scale-0 ScaledArray for a scaled leaf, else a plain tensor. */
function zerosFor(p: unknown, dtype?: DType): Tensor | ScaledArray {
  if (p instanceof ScaledArray) return new ScaledArray(ops.zeros(p.shape, dtype ?? p.dtype), 0);
  if (p instanceof Tensor) return ops.zeros(p.shape, dtype ?? p.dtype);
  throw new TypeError(`sf.optim: parameters must be Tensors or ScaledArrays, got ${typeof p}`);
}

/** Re-centring of a new value `x` of the stored `like`. */
const RESCALE: Record<Rescale, (x: Tensor, like: Tensor) => Tensor> = {
  max: (x) => dynamicRescaleMax(x) as Tensor,
  l1: (x) => dynamicRescaleL1(x) as Tensor,
  l2: (x) => dynamicRescaleL2(x) as Tensor,
  lazy: (x, like) => lazyRescale(x, like) as Tensor,
  none: (x) => x,
};

/** f32 data for the update (the scale is kept under scalify). */
const up = (x: Tensor): Tensor => ops.astype(x, "f32");

/** Re-centred, then back to the storage dtype of `like`. */
function store(x: Tensor, like: Tensor, rescale: Rescale): Tensor {
  return ops.astype(RESCALE[rescale](x, like), like.dtype);
}

function learningRate(lr: Schedule, count: Tensor): Tensor | number {
  return typeof lr === "number" ? lr : lr(up(count));
}

/** The gradient, plus `weightDecay · p` when asked. */
function decayed(g: Tensor, p: Tensor, wd: number | undefined): Tensor {
  return wd ? ops.add(up(g), ops.mul(up(p), wd)) : up(g);
}

// ---- optimizers ----

export interface SgdState {
  count: Tensor;
}

/** Plain gradient descent: p ← p − lr·g (optax.sgd without momentum). */
export function sgd(lr: Schedule, opts: CommonOptions = {}): Optimizer<SgdState> {
  const rescale = opts.rescale ?? "max";
  return {
    name: "sgd",
    init: () => ({ count: ops.zeros([], "i32") }),
    update(grads, state, params) {
      const rate = learningRate(lr, state.count);
      const newParams = mapLeaves((g: Tensor, p: Tensor) => store(ops.sub(up(p), ops.mul(decayed(g, p, opts.weightDecay), rate)), p, rescale), grads, params);
      return { params: newParams, state: { count: ops.add(state.count, 1) } };
    },
  };
}

export interface MomentumOptions extends CommonOptions {
  /** Momentum decay (default 0.9). */
  beta?: number;
  /** Nesterov's variant: step along g + beta·trace instead of trace. */
  nesterov?: boolean;
}

export interface MomentumState {
  count: Tensor;
  trace: any;
}

/** Heavy-ball momentum (optax.sgd with momentum): t ← g + beta·t; p ← p − lr·t. */
export function momentum(lr: Schedule, opts: MomentumOptions = {}): Optimizer<MomentumState> {
  const rescale = opts.rescale ?? "max";
  const beta = opts.beta ?? 0.9;
  return {
    name: "momentum",
    init: (params, o = {}) => ({ count: ops.zeros([], "i32"), trace: mapLeaves((p: unknown) => zerosFor(p, o.dtype), params) }),
    update(grads, state, params) {
      const rate = learningRate(lr, state.count);
      const pairs = mapLeaves(
        (g: Tensor, t: Tensor, p: Tensor) => {
          const gd = decayed(g, p, opts.weightDecay);
          const trace = ops.add(gd, ops.mul(up(t), beta));
          const step = opts.nesterov ? ops.add(gd, ops.mul(trace, beta)) : trace;
          return new Results([store(ops.sub(up(p), ops.mul(step, rate)), p, rescale), store(trace, t, rescale)]);
        },
        grads,
        state.trace,
        params,
      );
      return { params: pick(pairs, 0), state: { count: ops.add(state.count, 1), trace: pick(pairs, 1) } };
    },
  };
}

export interface AdamOptions extends CommonOptions {
  b1?: number;
  b2?: number;
  eps?: number;
  /** Re-centring of the second moment (default: `rescale`). */
  rescaleNu?: Rescale;
  /**
   * How the second moment is stored: `square`, optax's nu = EMA(g²); or `rms`, its square root
   * √EMA(g²). The update is the same Adam; `rms` has the dynamic range of the gradient instead of
   * its square. With f16 data that matters: nu spans twice the binades of g, so entries whose g
   * is still representable flush nu to zero, and m̂/(√0 + eps) turns a tiny gradient into a
   * step of lr·m̂/eps (observed on MNIST within 2 steps). Default: `rms` when some parameter
   * is a ScaledArray, else `square`.
   */
  secondMoment?: "square" | "rms";
}

export interface AdamState {
  count: Tensor;
  mu: any;
  /** EMA of g² (`secondMoment: "square"`). */
  nu?: any;
  /** √EMA(g²) (`secondMoment: "rms"`). */
  rms?: any;
}

/** Whether some leaf of the tree is a ScaledArray. */
function hasScaled(tree: unknown): boolean {
  let found = false;
  mapLeaves((p: unknown) => (found ||= p instanceof ScaledArray), tree);
  return found;
}

/**
 * Adam (Kingma & Ba 2015; optax.adam): mu ← b1·mu + (1−b1)·g, nu ← b2·nu + (1−b2)·g²,
 * p ← p − lr·m̂/(√n̂ + eps) with the bias corrections m̂ = mu/(1−b1^t), n̂ = nu/(1−b2^t).
 * With `secondMoment: "rms"` the state holds rms = √nu instead (see AdamOptions).
 */
export function adam(lr: Schedule, opts: AdamOptions = {}): Optimizer<AdamState> {
  const rescale = opts.rescale ?? "max";
  const rescaleNu = opts.rescaleNu ?? rescale;
  const b1 = opts.b1 ?? 0.9;
  const b2 = opts.b2 ?? 0.999;
  const eps = opts.eps ?? 1e-8;
  return {
    name: "adam",
    init: (params, o = {}) => {
      const zeros = () => mapLeaves((p: unknown) => zerosFor(p, o.dtype), params);
      const form = opts.secondMoment ?? (hasScaled(params) ? "rms" : "square");
      return form === "rms" ? { count: ops.zeros([], "i32"), mu: zeros(), rms: zeros() } : { count: ops.zeros([], "i32"), mu: zeros(), nu: zeros() };
    },
    update(grads, state, params) {
      const rmsForm = state.rms !== undefined;
      const count = ops.add(state.count, 1);
      const t = up(count);
      // 1 − b^t on plain f32 scalars (the count is an integer, never scaled).
      const correction1 = ops.sub(1, ops.pow(b1, t));
      const correction2 = ops.sub(1, ops.pow(b2, t));
      const rate = learningRate(lr, state.count);
      const triples = mapLeaves(
        (g: Tensor, mu: Tensor, second: Tensor, p: Tensor) => {
          const gd = decayed(g, p, opts.weightDecay);
          const newMu = ops.add(ops.mul(up(mu), b1), ops.mul(gd, 1 - b1));
          const previous = rmsForm ? ops.square(up(second)) : up(second);
          const newNu = ops.add(ops.mul(previous, b2), ops.mul(ops.square(gd), 1 - b2));
          const newSecond = rmsForm ? ops.sqrt(newNu) : newNu;
          // The rms form has √nu already: √n̂ = √nu · (1/√(1−b2^t)), and m̂ = mu · (1/(1−b1^t)),
          // rank-0 factors, so each element costs one square root and no division but the step's.
          const muHat = rmsForm ? ops.mul(newMu, ops.div(1, correction1)) : ops.div(newMu, correction1);
          const rootNuHat = rmsForm ? ops.mul(newSecond, ops.rsqrt(correction2)) : ops.sqrt(ops.div(newNu, correction2));
          const step = ops.div(muHat, ops.add(rootNuHat, eps));
          return new Results([store(ops.sub(up(p), ops.mul(step, rate)), p, rescale), store(newMu, mu, rescale), store(newSecond, second, rescaleNu)]);
        },
        grads,
        state.mu,
        rmsForm ? state.rms : state.nu,
        params,
      );
      const newState: AdamState = { count, mu: pick(triples, 1) };
      if (rmsForm) newState.rms = pick(triples, 2);
      else newState.nu = pick(triples, 2);
      return { params: pick(triples, 0), state: newState };
    },
  };
}

/** Several results per leaf (a class, so that it cannot be mistaken for a tree node). */
class Results {
  constructor(readonly items: Tensor[]) {}
}

/** The `i`-th result of every leaf produced by mapLeaves. */
function pick(tree: unknown, i: number): any {
  if (tree instanceof Results) return tree.items[i];
  if (Array.isArray(tree)) return tree.map((t) => pick(t, i));
  if (isPlainObject(tree)) return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, pick(v, i)]));
  throw new TypeError("sf.optim: internal error: expected per-leaf results");
}
