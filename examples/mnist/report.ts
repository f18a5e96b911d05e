// Reports of MNIST runs: the per-epoch table, the comparison across modes and seeds, and the
// metrics.json document (the schema is documented in README.md, "MNIST in FP8").
import { median, type CastCounts, type EpochMetrics, type RunResult } from "./train.js";
import { MODES, type Mode } from "./model.js";

const pct = (v: number) => (Number.isFinite(v) ? (v * 100).toFixed(2) : "—");

/** Left-aligned first column, right-aligned others, columns separated by two spaces. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ").trimEnd());
}

export function runLabel(r: Pick<RunResult, "mode" | "seed">): string {
  return `${r.mode} seed ${r.seed}`;
}

/** One row per epoch: loss, train and test accuracy, time, step time. */
export function epochTable(r: RunResult): string[] {
  return table([
    ["epoch", "loss", "train acc %", "test acc %", "time s", "steps/s", "ms/step", "median ms"],
    ...r.epochs.map((e: EpochMetrics) => [
      String(e.epoch),
      e.loss.toFixed(4),
      pct(e.trainAccuracy),
      pct(e.testAccuracy),
      e.seconds.toFixed(1),
      e.stepsPerSecond.toFixed(2),
      e.stepMs.toFixed(1),
      e.medianStepMs.toFixed(1),
    ]),
  ]);
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const last = (r: RunResult) => r.epochs.at(-1);
const stepMs = (r: RunResult) => {
  const steps = r.epochs.reduce((n, e) => n + (e.timedSteps ?? e.steps), 0);
  return steps ? (r.epochs.reduce((s, e) => s + e.seconds, 0) * 1000) / steps : NaN;
};

const medianStepMs = (rs: RunResult[]) => median(rs.flatMap((r) => r.epochs.map((e) => e.medianStepMs)));

export interface ModeSummary {
  mode: Mode;
  seeds: number[];
  /** Final test accuracy per seed (0…1), in `seeds` order. */
  testAccuracy: number[];
  meanTestAccuracy: number;
  /** f32 − this mode, in accuracy points (percent), per seed; present when f32 ran on the same seeds. */
  differenceFromF32?: number[];
  meanDifferenceFromF32?: number;
  /** Mean training-step time over all steps of all seeds. */
  stepMs: number;
  /** stepMs / f32's stepMs. */
  stepTimeRatio?: number;
  /** The median over the seeds' epochs of their median step time. */
  medianStepMs: number;
  /** medianStepMs / f32's medianStepMs: the comparison the table shows (robust to the machine's outlier steps). */
  medianStepTimeRatio?: number;
  casts: Record<string, CastCounts>;
  nonFinite: number;
}

/** Per mode: final test accuracy per seed and its mean, differences from f32 seed by seed, step time. */
export function summarise(runs: RunResult[]): ModeSummary[] {
  const byMode = MODES.map((mode) => runs.filter((r) => r.mode === mode).sort((a, b) => a.seed - b.seed)).filter((rs) => rs.length > 0);
  const f32 = new Map(runs.filter((r) => r.mode === "f32").map((r) => [r.seed, r]));
  const f32Ms = mean(runs.filter((r) => r.mode === "f32").map(stepMs));
  const f32Median = medianStepMs(runs.filter((r) => r.mode === "f32"));
  return byMode.map((rs) => {
    const mode = rs[0]!.mode;
    const acc = rs.map((r) => last(r)?.testAccuracy ?? NaN);
    const s: ModeSummary = {
      mode,
      seeds: rs.map((r) => r.seed),
      testAccuracy: acc,
      meanTestAccuracy: mean(acc),
      stepMs: mean(rs.map(stepMs)),
      medianStepMs: medianStepMs(rs),
      casts: {},
      nonFinite: rs.reduce((n, r) => n + r.nonFinite, 0),
    };
    if (rs.every((r) => f32.has(r.seed))) {
      s.differenceFromF32 = rs.map((r, i) => ((last(f32.get(r.seed)!)?.testAccuracy ?? NaN) - acc[i]!) * 100);
      s.meanDifferenceFromF32 = mean(s.differenceFromF32);
    }
    if (Number.isFinite(f32Ms)) s.stepTimeRatio = s.stepMs / f32Ms;
    if (Number.isFinite(f32Median)) s.medianStepTimeRatio = s.medianStepMs / f32Median;
    for (const r of rs)
      for (const [k, c] of Object.entries(r.casts)) {
        const d = (s.casts[k] ??= { saturated: 0, flushedToZero: 0, nonFinite: 0 });
        d.saturated += c.saturated;
        d.flushedToZero += c.flushedToZero;
        d.nonFinite += c.nonFinite;
      }
    return s;
  });
}

function castCell(c: CastCounts | undefined): string {
  return c ? `${c.saturated} / ${c.flushedToZero}` : "—";
}

/** The comparison table: test accuracy per seed and mean, difference from f32, step time, casts. */
export function comparisonTable(summaries: ModeSummary[]): string[] {
  const seeds = [...new Set(summaries.flatMap((s) => s.seeds))].sort((a, b) => a - b);
  const fp8 = (s: ModeSummary) => {
    const a = s.casts.f8e4m3fn;
    const b = s.casts.f8e5m2;
    if (!a && !b) return s.mode === "fp8" ? `${castCell(s.casts.total)} (all casts)` : "—";
    return castCell({ saturated: (a?.saturated ?? 0) + (b?.saturated ?? 0), flushedToZero: (a?.flushedToZero ?? 0) + (b?.flushedToZero ?? 0), nonFinite: 0 });
  };
  return table([
    ["mode", ...seeds.map((s) => `seed ${s} %`), "mean %", "f32 − mode", "median ms/step", "× f32", "fp8 sat / →0", "non-finite"],
    ...summaries.map((s) => [
      s.mode,
      ...seeds.map((seed) => pct(s.testAccuracy[s.seeds.indexOf(seed)] ?? NaN)),
      pct(s.meanTestAccuracy),
      s.meanDifferenceFromF32 === undefined ? "—" : `${s.meanDifferenceFromF32.toFixed(2)} (${s.differenceFromF32!.map((d) => d.toFixed(2)).join(", ")})`,
      s.medianStepMs.toFixed(1),
      s.medianStepTimeRatio === undefined ? "—" : s.medianStepTimeRatio.toFixed(2),
      fp8(s),
      String(s.nonFinite),
    ]),
  ]);
}

/** metrics.json: per run, its epochs and counters; per mode, the comparison. */
export function metricsDocument(runs: RunResult[], config: Record<string, unknown>): Record<string, unknown> {
  return {
    config,
    runs: runs.map((r) => ({
      mode: r.mode,
      seed: r.seed,
      backend: r.backend,
      optimizer: r.optimizer,
      learningRate: r.learningRate,
      batch: r.batch,
      steps: r.step,
      epochs: r.epochs.map((e) => ({
        epoch: e.epoch,
        loss: e.loss,
        trainAccuracy: e.trainAccuracy,
        testAccuracy: e.testAccuracy,
        seconds: e.seconds,
        stepsPerSecond: e.stepsPerSecond,
        stepMs: e.stepMs,
        medianStepMs: e.medianStepMs,
        timedSteps: e.timedSteps ?? e.steps,
      })),
      firstStepSeconds: r.firstStepSeconds ?? null,
      casts: r.casts,
      fp8Saturated: (r.casts.f8e4m3fn?.saturated ?? 0) + (r.casts.f8e5m2?.saturated ?? 0),
      fp8FlushedToZero: (r.casts.f8e4m3fn?.flushedToZero ?? 0) + (r.casts.f8e5m2?.flushedToZero ?? 0),
      nonFinite: r.nonFinite,
      firstNonFiniteStep: r.firstNonFiniteStep,
      losses: r.losses,
    })),
    summary: summarise(runs),
  };
}
