// The MNIST step of `scalify demo`: trains the MLP 784-512-512-10 for one epoch in FP8
// (scalified, e4m3fn matmul inputs, e5m2 gradients, f16 master weights and Adam state) and in
// f32 from the same initialisation and data order, and prints the comparison. On the native
// backend this is the full recipe; without it, a narrower MLP on a subset keeps the reference
// interpreter quick (and says so).
import { nativeAvailable } from "../runtime/native/loader.js";
import { train, type RunResult, type TrainOptions } from "../examples/mnist/train.js";
import { table } from "../examples/mnist/report.js";

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

export const mnistDemoStep = {
  title: "Train the MNIST MLP for one epoch in FP8 and in f32 (Adam, batch 128, seed 0)",
  run(): string[] {
    const native = nativeAvailable();
    const common: Omit<TrainOptions, "mode"> = native
      ? { seed: 0, epochs: 1, backend: "native" }
      : { seed: 0, epochs: 1, backend: "reference", hidden: 128, trainLimit: 1024, testLimit: 500, evalTrainLimit: 500 };
    const runs: RunResult[] = (["f32", "fp8"] as const).map((mode) => train({ mode, ...common }));
    const [f32, fp8] = runs as [RunResult, RunResult];
    const e = (r: RunResult) => r.epochs[0]!;
    const fp8Casts = (key: string) => fp8.casts[key] ?? { saturated: 0, flushedToZero: 0, nonFinite: 0 };
    const lines = [
      native
        ? "native backend: 8 000 training images (62 steps), 2 000 test images"
        : "reference backend (the native addon is not built): MLP 784-128-128-10 on 1 024 training images (8 steps), 500 test images",
      ...table([
        ["mode", "loss", "train acc", "test acc", "ms/step", "× f32", "non-finite"],
        ...runs.map((r) => [
          r.mode,
          e(r).loss.toFixed(4),
          pct(e(r).trainAccuracy),
          pct(e(r).testAccuracy),
          e(r).medianStepMs.toFixed(1),
          (e(r).medianStepMs / e(f32).medianStepMs).toFixed(2),
          String(r.nonFinite),
        ]),
      ]),
      "ms/step: the median over this first epoch, fp8 right after f32 in one process, cast counting on;",
      "  each mode's steady-state step alone: node --import tsx examples/mnist/step-time.ts (README)",
      `f32 − fp8 test accuracy: ${((e(f32).testAccuracy - e(fp8).testAccuracy) * 100).toFixed(2)} points`,
      `fp8 casts: e4m3fn ${fp8Casts("f8e4m3fn").saturated} saturated, ${fp8Casts("f8e4m3fn").flushedToZero} flushed to zero; ` +
        `e5m2 ${fp8Casts("f8e5m2").saturated} saturated, ${fp8Casts("f8e5m2").flushedToZero} flushed to zero` +
        (fp8.casts.f8e4m3fn || fp8.casts.f8e5m2 ? "" : ` (this backend counts all casts together: ${fp8Casts("total").saturated} / ${fp8Casts("total").flushedToZero})`),
    ];
    return lines;
  },
};
