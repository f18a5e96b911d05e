// The MNIST step the native profiling benchmarks (profile-step.ts, lowering-ab.ts) look at: the
// training step of examples/mnist (value and grad, then Adam) or bench (c)'s value and grad of
// the loss alone, as a Program with its arguments' storage, on one batch of the real data.
import * as sf from "../index.js";
import type { Program, Tensor } from "../index.js";
import type { Storage } from "../ir/dtype.js";
import { loadMnist } from "../examples/mnist/data.js";
import { mlpLoss, type Mode } from "../examples/mnist/model.js";
import { BATCH, Batcher, initialState, loadRun, makeOptimizer, makeTrainStep } from "../examples/mnist/train.js";

export function mnistStep(mode: Mode, valueAndGradOnly: boolean, from?: string): { program: Program; args: Storage[] } {
  // The initial state, or a trained one (a checkpoint of `scalify train … --out DIR`: after some
  // training the values that flush or overflow in casts are more common than at step 0).
  const s = from ? loadRun(from) : initialState(mode, 0, "adam");
  if (s.mode !== mode) throw new Error(`${from} holds a ${s.mode} run, not ${mode}`);
  const { x, labels: y } = new Batcher(loadMnist().train, mode).batch(Array.from({ length: BATCH }, (_, i) => i));
  let program: Program;
  let leaves: unknown[];
  if (valueAndGradOnly) {
    const vg = (p: never, xs: Tensor, ys: Tensor) => sf.valueAndGrad((q: never, a: Tensor, b: Tensor) => mlpLoss(q, a, b, mode))(p, xs, ys);
    const staged = (mode === "f32" ? sf.jit(vg, { backend: "native" }) : sf.scalify(vg, {}, { backend: "native" })) as unknown as { lower: (...a: unknown[]) => Program };
    program = staged.lower(s.params, x, y);
    leaves = [s.params, x, y];
  } else {
    program = makeTrainStep(mode, makeOptimizer("adam", mode), { backend: "native" }).lower(s.params, s.optState, x, y);
    leaves = [s.params, s.optState, x, y];
  }
  const args = sf.tree
    .leaves(leaves)
    .flatMap((l: unknown) => (l instanceof sf.ScaledArray ? [l.data, l.scale] : [l as Tensor]))
    .map((t) => t.storage);
  return { program, args };
}
