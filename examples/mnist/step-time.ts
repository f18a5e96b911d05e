// Training-step time per mode on one backend, measured as training runs it: each mode trains on
// its own in a fresh process (20 untimed steps, then `steps` timed ones over 60 distinct batches,
// the whole `step(...)` call each), and the processes of the modes take turns, the order
// rotating run by run, so that load from other processes hits every mode alike. Per mode it
// prints the median of the runs' median step times; the ratio to f32 is taken run by run.
//
// Why not modes interleaved in one process (as this script did before): with the three modes'
// parameters, optimizer states and plans alive at once, and each round starting right after
// another mode's, every step ran slower than in training (f32 11–13 ms instead of 7–8 here), and
// f32, with the most bytes, the most: the ratios came out ~0.2 lower than a mode training alone.
//
//   node --import tsx examples/mnist/step-time.ts [native|reference] [runs] [--counts] [--steps N] [--rescale lazy,max]
//
// --counts turns the cast counters on, as `scalify train` runs. --rescale: how the scaled modes
// re-centre parameters and state (train.ts ScaledRescale; default lazy); with a list, each scaled
// mode is measured once per choice (as f16:max, …).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as sf from "scalify";
import type { Backend } from "scalify";
import { loadMnist } from "./data.js";
import { MODES, type Mode } from "./model.js";
import { BATCH, Batcher, initialState, makeOptimizer, makeTrainStep, median, type ScaledRescale } from "./train.js";

const WARM_STEPS = 20;
const BATCHES = 60;


/** A mode, and for a scaled mode how it re-centres ("fp8" or "fp8:max"; the default is lazy). */
type Variant = string;
const parseVariant = (v: Variant): { mode: Mode; rescale: ScaledRescale } => {
  const [mode, rescale] = v.split(":") as [Mode, ScaledRescale | undefined];
  return { mode, rescale: rescale ?? "lazy" };
};

/** Median step time (ms) of `variant` training alone in this process. */
export function measureStepTime(variant: Variant, backend: Backend, steps = 200, counting = false): number {
  const { mode, rescale } = parseVariant(variant);
  const batcher = new Batcher(loadMnist().train, mode);
  const s = initialState(mode, 0, "adam");
  const castStats = counting ? { ...sf.newCastStats(), byDtype: {} } : undefined;
  const step = makeTrainStep(mode, makeOptimizer("adam", mode, undefined, rescale), { backend, castStats });
  const batches = Array.from({ length: BATCHES }, (_, b) => batcher.batch(Array.from({ length: BATCH }, (_, i) => b * BATCH + i)));
  let params = s.params;
  let state = s.optState;
  const times: number[] = [];
  for (let i = 0; i < WARM_STEPS + steps; i++) {
    const { x, labels } = batches[i % BATCHES]!;
    const t0 = performance.now();
    const out = step(params, state, x, labels);
    out.loss.item();
    params = out.params;
    state = out.state;
    if (i >= WARM_STEPS) times.push(performance.now() - t0);
  }
  return median(times);
}

export interface StepTimes {
  /** The mode, with ":max" when a scaled mode re-centres every step (see Variant). */
  mode: Variant;
  /** Median over runs of the median step time of a run. */
  medianMs: number;
  minMs: number;
  /** Median and range over runs of this mode's time / f32's time in the same run. */
  ratioToF32: number;
  ratioRange: [number, number];
}

/** Each mode in its own process, `runs` times, the order rotating (see the file comment). */
export function measureStepTimes(backend: Backend, runs = 5, steps = 200, counting = false, rescales: readonly ScaledRescale[] = ["lazy"]): StepTimes[] {
  const variants: Variant[] = MODES.flatMap((m) => (m === "f32" ? [m] : rescales.map((r) => (r === "lazy" ? m : `${m}:${r}`))));
  const ms = new Map<Variant, number[]>(variants.map((m) => [m, []]));
  for (let r = 0; r < runs; r++)
    for (let k = 0; k < variants.length; k++) {
      const mode = variants[(r + k) % variants.length]!;
      const args = [...process.execArgv, fileURLToPath(import.meta.url), backend, "--child", mode, "--steps", String(steps), ...(counting ? ["--counts"] : [])];
      const child = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 24 });
      const line = (child.stdout ?? "").split("\n").find((l) => l.startsWith("@@MS "));
      if (!line) throw new Error(`step-time: the ${mode} run failed: ${(child.stderr || child.error?.message || "").slice(0, 400)}`);
      ms.get(mode)!.push(Number(line.slice(4)));
    }
  const f32 = ms.get("f32")!;
  return variants.map((mode) => {
    const t = ms.get(mode)!;
    const ratios = t.map((v, r) => v / f32[r]!);
    return { mode, medianMs: median(t), minMs: Math.min(...t), ratioToF32: median(ratios), ratioRange: [Math.min(...ratios), Math.max(...ratios)] };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const backend = (argv[0] ?? "native") as Backend;
  const counting = argv.includes("--counts");
  const stepsAt = argv.indexOf("--steps");
  const steps = stepsAt >= 0 ? Number(argv[stepsAt + 1]) : 200;
  const rescaleAt = argv.indexOf("--rescale");
  const rescales = (rescaleAt >= 0 ? argv[rescaleAt + 1]!.split(",") : ["lazy"]) as ScaledRescale[];
  const childAt = argv.indexOf("--child");
  if (childAt >= 0) {
    process.stdout.write(`@@MS ${measureStepTime(argv[childAt + 1]!, backend, steps, counting)}\n`);
  } else {
    const runs = Number(argv[1] && !argv[1].startsWith("--") ? argv[1] : 5);
    for (const t of measureStepTimes(backend, runs, steps, counting, rescales))
      console.log(
        `${t.mode.padEnd(8)} median ${t.medianMs.toFixed(2)} ms/step  min ${t.minMs.toFixed(2)}  × f32 ${t.ratioToF32.toFixed(2)} (${t.ratioRange[0].toFixed(2)}–${t.ratioRange[1].toFixed(2)})`,
      );
  }
}
