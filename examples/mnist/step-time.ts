// Training-step time per mode on one backend, measured apart from the training runs: modes are
// interleaved round by round (so that load from other processes hits every mode alike), without
// the cast-count instrumentation unless asked, and the median per-step time of the rounds is
// reported. Each round starts with a few untimed steps: right after another mode's round the
// caches hold that mode's data, and timing those first steps penalises the mode with the most
// bytes (f32), which made the scaled steps look up to 0.3× cheaper relative to f32 than they are
// when a mode trains on its own.
//
//   node --import tsx examples/mnist/step-time.ts [native|reference] [rounds] [--counts]
//
// --counts turns the cast counters on, as `scalify train` runs.
import * as sf from "scalify";
import type { Backend } from "scalify";
import { IMAGE_SIZE, loadMnist } from "./data.js";
import { MODES, type Mode } from "./model.js";
import { BATCH, initialState, makeOptimizer, makeTrainStep } from "./train.js";

export interface StepTimes {
  mode: Mode;
  /** Median over rounds of the mean step time in a round. */
  medianMs: number;
  minMs: number;
  ratioToF32: number;
}

export function measureStepTimes(backend: Backend, rounds = 7, stepsPerRound = 20, counting = false, warmSteps = 3): StepTimes[] {
  const data = loadMnist().train;
  const runners = MODES.map((mode) => {
    const s = initialState(mode, 0, "adam");
    const castStats = counting ? { ...sf.newCastStats(), byDtype: {} } : undefined;
    const step = makeTrainStep(mode, makeOptimizer("adam", mode), { backend, castStats });
    const images = data.images.slice(0, BATCH * IMAGE_SIZE);
    const xf = sf.fromBits(images, "f32", [BATCH, IMAGE_SIZE]);
    const x = mode === "f32" ? xf : new sf.ScaledArray(sf.ops.astype(xf, "f16"), 1);
    const y = sf.fromBits(data.labels.slice(0, BATCH), "i32", [BATCH]);
    let params = s.params;
    let state = s.optState;
    const run = () => {
      const out = step(params, state, x, y);
      out.loss.item();
      params = out.params;
      state = out.state;
    };
    for (let i = 0; i < 3; i++) run(); // compile and warm up
    return { mode, run, times: [] as number[] };
  });
  // The order rotates round by round: whichever mode runs right after another is measurably
  // slower here (up to ~15 %), so a fixed order would favour the first.
  for (let r = 0; r < rounds; r++)
    for (let k = 0; k < runners.length; k++) {
      const m = runners[(r + k) % runners.length]!;
      for (let i = 0; i < warmSteps; i++) m.run();
      const t0 = performance.now();
      for (let i = 0; i < stepsPerRound; i++) m.run();
      m.times.push((performance.now() - t0) / stepsPerRound);
    }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const f32 = median(runners[0]!.times);
  return runners.map((m) => ({ mode: m.mode, medianMs: median(m.times), minMs: Math.min(...m.times), ratioToF32: median(m.times) / f32 }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const backend = (process.argv[2] ?? "native") as Backend;
  const rounds = Number(process.argv[3] ?? 7);
  const counting = process.argv.includes("--counts");
  for (const t of measureStepTimes(backend, rounds, 20, counting))
    console.log(`${t.mode.padEnd(4)} median ${t.medianMs.toFixed(1)} ms/step  min ${t.minMs.toFixed(1)}  × f32 ${t.ratioToF32.toFixed(2)}`);
}
