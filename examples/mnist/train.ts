// Training the MNIST MLP in one numerics mode: the whole step (forward, gradient, optimizer update,
// non-finite check) is one traced function, `sf.jit`-ed in f32 and `sf.scalify`-ed in f16/fp8, so
// that a backend runs one compiled program per step. Fixed recipe: He initialisation, batch 128,
// Adam with learning rate 1e-3. The seed sets the initialisation and the data order, identically
// for every mode; the train/test split does not depend on it (data.ts).
import * as sf from "scalify";
import type { Backend, CastStats, Tensor } from "scalify";
import { head, IMAGE_SIZE, loadMnist, type MnistData, type Split } from "./data.js";
import { initMlp, isScaled, mlpCorrect, mlpLoss, paramsFor, storageDtype, type MlpParams, type Mode } from "./model.js";

type Optimizer = sf.optim.Optimizer;

export const OPTIMIZERS = ["sgd", "momentum", "adam"] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export const BATCH = 128;
export const LEARNING_RATE = 1e-3;
/** Batches of the accuracy evaluation (8 000 and 2 000 are multiples of it). */
export const EVAL_BATCH = 500;

export interface TrainOptions {
  mode: Mode;
  seed?: number;
  epochs?: number;
  optimizer?: OptimizerName;
  learningRate?: number;
  batch?: number;
  /** Width of the hidden layers (default 512; smaller for quick tests). */
  hidden?: number;
  /** How the scaled modes re-centre parameters and state (default "lazy"; see ScaledRescale). */
  rescale?: ScaledRescale;
  backend?: Backend;
  /** Train on the first n training images only (small runs, tests). */
  trainLimit?: number;
  /** Evaluate on the first n test images only. */
  testLimit?: number;
  /** Evaluate train accuracy on the first n training images only (default: all of the training subset). */
  evalTrainLimit?: number;
  /** Stop after this many steps in total (tests); the epoch in progress is still evaluated. */
  maxSteps?: number;
  /** Continue from a checkpoint written by `saveRun` (same mode, seed and optimizer). */
  resume?: RunState;
  /** Data to use instead of loading the mnist package (tests). */
  data?: MnistData;
  onStep?: (p: StepProgress) => void;
  onEpoch?: (m: EpochMetrics, state: RunState) => void;
}

export interface StepProgress {
  epoch: number;
  /** Step within the epoch, from 1. */
  step: number;
  stepsPerEpoch: number;
  loss: number;
  /** Training steps per second over the epoch so far. */
  stepsPerSecond: number;
  /** Seconds left in the epoch at that rate. */
  etaSeconds: number;
}

export interface EpochMetrics {
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** Wall time of the epoch's timed training steps (evaluation excluded). */
  seconds: number;
  stepsPerSecond: number;
  /** Mean milliseconds per timed training step. */
  stepMs: number;
  /**
   * Median milliseconds per timed training step: on a shared machine a few steps of an epoch
   * take 2–4× the others (other tenants; not our GC: its pauses are < 1 ms), which moves the
   * mean but not the median.
   */
  medianStepMs: number;
  /** The steps of this epoch. */
  steps: number;
  /** The steps timed: all but the first of a run, whose time includes tracing and compiling (`firstStepSeconds`). */
  timedSteps?: number;
}

export interface CastCounts {
  saturated: number;
  flushedToZero: number;
  nonFinite: number;
}

/** Everything that a checkpoint holds and a resumed run needs. */
export interface RunState {
  mode: Mode;
  seed: number;
  optimizer: OptimizerName;
  learningRate: number;
  batch: number;
  hidden: number;
  /** Epochs completed. */
  epoch: number;
  /** Steps completed. */
  step: number;
  params: unknown;
  optState: unknown;
  /** Loss of every step so far. */
  losses: number[];
  epochs: EpochMetrics[];
  /** Counts of lossy casts per target dtype (fp8 and f16), accumulated over the steps. */
  casts: Record<string, CastCounts>;
  /**
   * Non-finite checks that failed: tensors among loss, gradients, parameters and optimizer state
   * that held a NaN or ±Inf, summed over the steps (checked every step; 0 in a healthy run).
   */
  nonFinite: number;
  /** The first step (from 1) at which a non-finite value was seen, or null. */
  firstNonFiniteStep: number | null;
}

export interface RunResult extends RunState {
  backend: Backend;
  /** Wall time of the whole run, evaluation included. */
  seconds: number;
  /** The run's first step, tracing, transforming and compiling the step program included. */
  firstStepSeconds?: number;
}

/**
 * How scaled parameters and state are re-centred (sf.optim's Rescale; plain f32 needs none):
 * "lazy" keeps a tensor's scale while its data stays within sf.scaling.LAZY_WINDOW, so most
 * steps need no rescale pass (the native backend then writes the f16 data in the update's own
 * pass); "max" re-centres every tensor by its max every step.
 */
export type ScaledRescale = "lazy" | "max";

export function makeOptimizer(name: OptimizerName, mode: Mode, lr = LEARNING_RATE, scaledRescale: ScaledRescale = "lazy"): Optimizer {
  const rescale = isScaled(mode) ? scaledRescale : "none";
  switch (name) {
    case "sgd":
      return sf.optim.sgd(lr, { rescale });
    case "momentum":
      return sf.optim.momentum(lr, { rescale });
    case "adam":
      return sf.optim.adam(lr, { rescale });
  }
}

/** The data part of a scaled value, the value itself when plain (what the finiteness check reads). */
/** The median (the mean of the two middle values for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

function dataOf(x: Tensor, scaled: boolean): Tensor {
  return scaled ? sf.scaling.getDataScale(x)[0] : x;
}

/**
 * How many of the tree's float tensors hold a NaN or ±Inf, as an f32 scalar. Each tensor is
 * summed in f32 (its data under scalify: the scale is always finite) and the sum tested: a sum
 * is finite exactly when every entry is (f16 and fp8 data cannot overflow an f32 sum of this
 * size), and one reduction per tensor is much cheaper than an elementwise test.
 */
function countNonFinite(tree: unknown, scaled: boolean): Tensor {
  let total: Tensor | undefined;
  for (const leaf of sf.tree.leaves(tree) as Tensor[]) {
    if (leaf.dtype === "i32" || leaf.dtype === "bool") continue;
    const sum = sf.ops.sum(sf.ops.astype(dataOf(leaf, scaled), "f32"));
    const bad = sf.ops.sub(1, sf.ops.astype(sf.ops.isfinite(sum), "f32"));
    total = total ? sf.ops.add(total, bad) : bad;
  }
  return total ?? sf.ops.zeros([]);
}

/** The value as a plain f32 scalar (a scaled loss is descaled). */
function plainF32(x: Tensor, scaled: boolean): Tensor {
  return scaled ? (sf.scaling.stopScaling(x, "f32") as Tensor) : sf.ops.astype(x, "f32");
}

export interface StepOutput {
  loss: Tensor;
  params: unknown;
  state: unknown;
  nonFinite: Tensor;
}

/**
 * The training step of `mode` as one staged function: (params, optState, x, labels) → {loss,
 * params, state, nonFinite}. f32: `sf.jit`; f16/fp8: `sf.scalify`.
 */
export function makeTrainStep(mode: Mode, optimizer: Optimizer, run: { backend?: Backend; castStats?: CastStats } = {}) {
  const scaled = isScaled(mode);
  function trainStep(params: MlpParams, optState: unknown, x: Tensor, labels: Tensor) {
    const [loss, grads] = sf.valueAndGrad((p: MlpParams, xs: Tensor, ys: Tensor) => mlpLoss(p, xs, ys, mode))(params, x, labels) as [Tensor, MlpParams];
    const next = optimizer.update(grads, optState, params);
    const nonFinite = countNonFinite([loss, grads, next.params, next.state], scaled);
    return { loss: plainF32(loss, scaled), params: next.params, state: next.state, nonFinite };
  }
  const staged = scaled ? sf.scalify(trainStep, {}, run) : sf.jit(trainStep, run);
  return staged as unknown as ((params: unknown, optState: unknown, x: unknown, labels: Tensor) => StepOutput) & { lower: (...a: unknown[]) => sf.Program };
}

/** Correct predictions of a batch, as one staged function (plain f32 count out). */
export function makeEvalStep(mode: Mode, run: { backend?: Backend } = {}) {
  const scaled = isScaled(mode);
  function evalStep(params: MlpParams, x: Tensor, labels: Tensor) {
    return plainF32(mlpCorrect(params, x, labels, mode), scaled);
  }
  const staged = scaled ? sf.scalify(evalStep, {}, run) : sf.jit(evalStep, run);
  return staged as unknown as (params: unknown, x: unknown, labels: Tensor) => Tensor;
}

/** Batches of images in the mode's input form: f32 tensors, or ScaledArrays with f16 data (scale 1). */
export class Batcher {
  private readonly f16?: Uint16Array;
  constructor(
    readonly split: Split,
    readonly mode: Mode,
  ) {
    if (isScaled(mode)) this.f16 = sf.numerics.encode(split.images, storageDtype(mode)) as Uint16Array;
  }
  /** Images and labels at `indices` (positions in the split). */
  batch(indices: ArrayLike<number>): { x: unknown; labels: Tensor } {
    const n = indices.length;
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) labels[i] = this.split.labels[indices[i]!]!;
    const y = sf.fromBits(labels, "i32", [n]);
    if (this.f16) {
      const bits = new Uint16Array(n * IMAGE_SIZE);
      for (let i = 0; i < n; i++) bits.set(this.f16.subarray(indices[i]! * IMAGE_SIZE, (indices[i]! + 1) * IMAGE_SIZE), i * IMAGE_SIZE);
      return { x: new sf.ScaledArray(sf.fromBits(bits, "f16", [n, IMAGE_SIZE]), 1), labels: y };
    }
    const values = new Float32Array(n * IMAGE_SIZE);
    for (let i = 0; i < n; i++) values.set(this.split.images.subarray(indices[i]! * IMAGE_SIZE, (indices[i]! + 1) * IMAGE_SIZE), i * IMAGE_SIZE);
    return { x: sf.fromBits(values, "f32", [n, IMAGE_SIZE]), labels: y };
  }
}

/** Keys of a seed: one for the initialisation, one per epoch for the data order. */
function seedKeys(seed: number): { init: Tensor; epoch: (e: number) => Tensor } {
  const [init, data] = [0, 1].map((i) => sf.ops.take(sf.random.split(sf.random.key(seed), 2), i, 0));
  // split's rows are counter-based: row e is the same whatever the number of rows asked for.
  return { init: init!, epoch: (e) => sf.ops.take(sf.random.split(data!, e + 1), e, 0) };
}

/** The initial run state for a mode and seed (before any step). */
export function initialState(mode: Mode, seed: number, optimizer: OptimizerName, lr = LEARNING_RATE, batch = BATCH, hidden = 512): RunState {
  const params = paramsFor(mode, initMlp(seedKeys(seed).init, hidden));
  const optState = makeOptimizer(optimizer, mode, lr).init(params);
  return { mode, seed, optimizer, learningRate: lr, batch, hidden, epoch: 0, step: 0, params, optState, losses: [], epochs: [], casts: {}, nonFinite: 0, firstNonFiniteStep: null };
}

function accuracy(evalStep: (p: unknown, x: unknown, y: Tensor) => Tensor, params: unknown, batcher: Batcher, limit: number): number {
  const n = Math.min(limit, batcher.split.count);
  const size = Math.min(EVAL_BATCH, n);
  let correct = 0;
  let seen = 0;
  // Full batches only: every batch has the same shape, so one compiled program serves them all.
  for (let start = 0; start + size <= n; start += size) {
    const { x, labels } = batcher.batch(Array.from({ length: size }, (_, i) => start + i));
    correct += evalStep(params, x, labels).item();
    seen += size;
  }
  return seen ? correct / seen : NaN;
}

/**
 * Adds an epoch's cast counts: `total` over every low-precision cast, and one entry per target
 * dtype where the backend breaks them down (the reference interpreter does).
 */
function addCasts(into: Record<string, CastCounts>, stats: CastStats): void {
  const add = (key: string, c: CastCounts) => {
    const d = (into[key] ??= { saturated: 0, flushedToZero: 0, nonFinite: 0 });
    d.saturated += c.saturated;
    d.flushedToZero += c.flushedToZero;
    d.nonFinite += c.nonFinite;
  };
  add("total", stats);
  for (const [dtype, c] of Object.entries(stats.byDtype ?? {})) add(dtype, c!);
}

function resetCasts(stats: CastStats): void {
  Object.assign(stats, sf.newCastStats(), { byDtype: {} });
}

/** Trains one mode for `epochs` epochs (or continues `resume` up to `epochs` in total). */
export function train(opts: TrainOptions): RunResult {
  const t0 = performance.now();
  const mode = opts.mode;
  const backend = opts.backend ?? "reference";
  const state: RunState = opts.resume ? copyState(opts.resume) : initialState(mode, opts.seed ?? 0, opts.optimizer ?? "adam", opts.learningRate ?? LEARNING_RATE, opts.batch ?? BATCH, opts.hidden);
  if (opts.resume) {
    const want = { mode, seed: opts.seed ?? state.seed, optimizer: opts.optimizer ?? state.optimizer };
    if (state.mode !== want.mode || state.seed !== want.seed || state.optimizer !== want.optimizer)
      throw new Error(`the checkpoint is of mode ${state.mode}, seed ${state.seed}, ${state.optimizer}; asked to resume ${want.mode}, seed ${want.seed}, ${want.optimizer}`);
  }
  const epochs = opts.epochs ?? 5;
  const data = opts.data ?? loadMnist();
  const trainSplit = opts.trainLimit ? head(data.train, opts.trainLimit) : data.train;
  const testSplit = opts.testLimit ? head(data.test, opts.testLimit) : data.test;
  const trainBatcher = new Batcher(trainSplit, mode);
  const testBatcher = new Batcher(testSplit, mode);
  const optimizer = makeOptimizer(state.optimizer, mode, state.learningRate, opts.rescale);
  const castStats: CastStats = { ...sf.newCastStats(), byDtype: {} };
  const step = makeTrainStep(mode, optimizer, { backend, castStats });
  const evalStep = makeEvalStep(mode, { backend });
  const keys = seedKeys(state.seed);
  const stepsPerEpoch = Math.floor(trainSplit.count / state.batch);
  if (stepsPerEpoch === 0) throw new Error(`the training set (${trainSplit.count} images) is smaller than a batch (${state.batch})`);

  let firstStepSeconds: number | undefined;
  for (let epoch = state.epoch; epoch < epochs; epoch++) {
    if (opts.maxSteps !== undefined && state.step >= opts.maxSteps) break;
    const order = sf.random.permutation(keys.epoch(epoch), trainSplit.count).storage as Int32Array;
    let seconds = 0;
    let lossSum = 0;
    let steps = 0;
    let timed = 0;
    const stepMs: number[] = [];
    for (let s = 0; s < stepsPerEpoch; s++) {
      if (opts.maxSteps !== undefined && state.step >= opts.maxSteps) break;
      const { x, labels } = trainBatcher.batch(order.subarray(s * state.batch, (s + 1) * state.batch));
      const ts = performance.now();
      const out = step(state.params, state.optState, x, labels);
      const loss = out.loss.item();
      const nonFinite = out.nonFinite.item();
      const dt = (performance.now() - ts) / 1000;
      if (firstStepSeconds === undefined) firstStepSeconds = dt;
      else {
        seconds += dt;
        timed++;
        stepMs.push(dt * 1000);
      }
      state.params = out.params;
      state.optState = out.state;
      state.step++;
      steps++;
      state.losses.push(loss);
      lossSum += loss;
      if (nonFinite > 0 || !Number.isFinite(loss)) {
        state.nonFinite += Number.isFinite(nonFinite) ? nonFinite : 1;
        state.firstNonFiniteStep ??= state.step;
      }
      const rate = timed > 0 ? timed / seconds : steps / firstStepSeconds;
      opts.onStep?.({ epoch: epoch + 1, step: s + 1, stepsPerEpoch, loss, stepsPerSecond: rate, etaSeconds: (stepsPerEpoch - s - 1) / rate });
    }
    if (timed === 0 && steps > 0) {
      // Only the run's first step fell in this epoch: time it, compiling and all.
      seconds = firstStepSeconds!;
      timed = steps;
      stepMs.push(seconds * 1000);
    }
    addCasts(state.casts, castStats);
    resetCasts(castStats);
    const metrics: EpochMetrics = {
      epoch: epoch + 1,
      loss: lossSum / steps,
      trainAccuracy: accuracy(evalStep, state.params, trainBatcher, opts.evalTrainLimit ?? trainSplit.count),
      testAccuracy: accuracy(evalStep, state.params, testBatcher, testSplit.count),
      seconds,
      stepsPerSecond: timed / seconds,
      stepMs: (seconds * 1000) / timed,
      medianStepMs: median(stepMs),
      steps,
      timedSteps: timed,
    };
    state.epochs.push(metrics);
    state.epoch = epoch + 1;
    opts.onEpoch?.(metrics, state);
  }
  return { ...state, backend, seconds: (performance.now() - t0) / 1000, ...(firstStepSeconds !== undefined ? { firstStepSeconds } : {}) };
}

/** A copy of the bookkeeping (tensors are immutable and shared). */
function copyState(s: RunState): RunState {
  return { ...s, losses: [...s.losses], epochs: s.epochs.map((e) => ({ ...e })), casts: JSON.parse(JSON.stringify(s.casts)) };
}

// ---- checkpoints ----

/** Saves parameters and optimizer state (data and scales) with the run's bookkeeping. */
export function saveRun(dir: string, s: RunState): void {
  const { params, optState, ...meta } = s;
  sf.saveCheckpoint(dir, { params, optState }, { kind: "mnist-mlp", ...meta });
}

/** Loads a checkpoint written by saveRun. */
export function loadRun(dir: string): RunState {
  const c = sf.loadCheckpoint(dir);
  if (c.metadata.kind !== "mnist-mlp") throw new Error(`${dir} is not an MNIST MLP checkpoint`);
  const { kind: _kind, ...rest } = c.metadata;
  const meta = rest as Omit<RunState, "params" | "optState">;
  // Checkpoints from before medianStepMs existed: their epochs' mean stands in for it.
  const epochs = meta.epochs.map((e) => ({ ...e, medianStepMs: e.medianStepMs ?? e.stepMs }));
  return { ...meta, epochs, params: c.tree.params, optState: c.tree.optState };
}
