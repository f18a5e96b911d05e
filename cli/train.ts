// `scalify train mnist --mode fp8 --epochs 5 --optimizer adam [--seed N] [--backend …] [--out DIR]`:
// trains the MNIST MLP (examples/mnist) in one or more numerics modes and seeds, with a progress
// bar, a table per epoch, a comparison across modes, and with --out: metrics.json, the charts
// (SVG and PNG) and a checkpoint per run (written after every epoch; --resume continues from it).
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Command, Option } from "commander";
import { defaultBackend } from "../compiler/api.js";
import { writeFileAtomic } from "../runtime/write-atomic.js";
import { displayPath, UsageError } from "./errors.js";

type Train = typeof import("../examples/mnist/train.js");
type ModeName = "f32" | "f16" | "fp8";

interface TrainCliOptions {
  mode: string;
  epochs: string;
  optimizer: "sgd" | "momentum" | "adam";
  lr: string;
  seed: string;
  backend?: "reference" | "native";
  out?: string;
  resume?: boolean;
  limit?: string;
  testLimit?: string;
  hidden: string;
  rescale: "lazy" | "max";
}

const ALL_MODES: ModeName[] = ["f32", "f16", "fp8"];

function parseModes(text: string): ModeName[] {
  if (text === "all") return ALL_MODES;
  const modes = text.split(",").map((m) => m.trim());
  for (const m of modes) if (!ALL_MODES.includes(m as ModeName)) throw new UsageError(`--mode ${text}: expected f32, f16, fp8, a comma list of them, or all`);
  return [...new Set(modes)] as ModeName[];
}

function parseCount(name: string, text: string, min = 1): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} ${text}: expected an integer ≥ ${min}`);
  return n;
}

function parseSeeds(text: string): number[] {
  return [...new Set(text.split(",").map((s) => parseCount("--seed", s.trim(), 0)))];
}

/** A one-line progress bar on a terminal; nothing otherwise (logs get one line per epoch). */
class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private shown = false;
  update(label: string, p: { epoch: number; epochs: number; step: number; stepsPerEpoch: number; loss: number; stepsPerSecond: number; etaSeconds: number }): void {
    if (!this.tty) return;
    const width = 24;
    const done = Math.round((p.step / p.stepsPerEpoch) * width);
    const bar = `${"█".repeat(done)}${"░".repeat(width - done)}`;
    const eta = Number.isFinite(p.etaSeconds) ? `${Math.ceil(p.etaSeconds)}s` : "—";
    const line = `${label} epoch ${p.epoch}/${p.epochs} ${bar} ${p.step}/${p.stepsPerEpoch}  loss ${p.loss.toFixed(4)}  ${p.stepsPerSecond.toFixed(2)} steps/s  ETA ${eta}`;
    process.stderr.write(`\r\x1b[2K${line}`);
    this.shown = true;
  }
  clear(): void {
    if (this.shown) process.stderr.write("\r\x1b[2K");
    this.shown = false;
  }
}

export function trainCommand(): Command {
  return new Command("train")
    .description("train the MNIST MLP (784-512-512-10) in f32, f16 (scalified) or fp8 (scalified, e4m3fn/e5m2 matmuls)")
    .addArgument(new Command().createArgument("<dataset>", "the data set").choices(["mnist"]))
    .option("--mode <modes>", "f32, f16, fp8, a comma list, or all", "fp8")
    .option("--epochs <n>", "epochs (in total, when resuming)", "5")
    .addOption(new Option("--optimizer <name>", "the optimizer").choices(["sgd", "momentum", "adam"]).default("adam"))
    .option("--lr <rate>", "learning rate", "0.001")
    .option("--seed <seeds>", "seed of initialisation and data order, or a comma list (e.g. 0,1,2)", "0")
    .addOption(new Option("--backend <backend>", "the backend (default: native when the addon is built)").choices(["reference", "native"]))
    .option("--out <dir>", "write metrics.json, mnist.svg/png and checkpoints/<mode>-seed<N>/ here")
    .option("--resume", "continue each run from its checkpoint in --out (up to --epochs in total)")
    .option("--limit <n>", "train on the first n training images only (quick runs)")
    .option("--test-limit <n>", "evaluate on the first n test images only")
    .option("--hidden <n>", "width of both hidden layers (the recipe's 512; smaller for quick runs)", "512")
    .addOption(new Option("--rescale <how>", "re-centring of scaled parameters and state: lazy (when they drift out of a window) or max (every step)").choices(["lazy", "max"]).default("lazy"))
    .action(async (_dataset: string, opts: TrainCliOptions) => {
      const modes = parseModes(opts.mode);
      const seeds = parseSeeds(opts.seed);
      const epochs = parseCount("--epochs", opts.epochs);
      const lr = Number(opts.lr);
      if (!(lr > 0)) throw new UsageError(`--lr ${opts.lr}: expected a positive number`);
      if (opts.resume && !opts.out) throw new UsageError("--resume needs --out (the directory holding the checkpoints)");
      const limit = opts.limit === undefined ? undefined : parseCount("--limit", opts.limit);
      const testLimit = opts.testLimit === undefined ? undefined : parseCount("--test-limit", opts.testLimit);
      const hidden = parseCount("--hidden", opts.hidden);
      // Resolved here, not as the option's default: building the commands must not load the addon.
      opts.backend ??= defaultBackend();

      const t: Train = await import("../examples/mnist/train.js");
      const report = await import("../examples/mnist/report.js");
      const out = (line = "") => process.stdout.write(`${line}\n`);
      const progress = new Progress();
      const runs: Awaited<ReturnType<Train["train"]>>[] = [];
      const checkpointDir = (mode: string, seed: number) => join(opts.out!, "checkpoints", `${mode}-seed${seed}`);
      if (opts.out) mkdirSync(opts.out, { recursive: true });

      out(`MNIST MLP 784-${hidden}-${hidden}-10, ${opts.optimizer} lr ${lr}, batch ${t.BATCH}, ${epochs} epochs, ${opts.backend} backend`);
      for (const seed of seeds)
        for (const mode of modes) {
          const label = `${mode} seed ${seed}`;
          let resume: ReturnType<Train["loadRun"]> | undefined;
          if (opts.resume && existsSync(join(checkpointDir(mode, seed), "manifest.json"))) {
            resume = t.loadRun(checkpointDir(mode, seed));
            out(`${label}: resuming after epoch ${resume.epoch} (step ${resume.step})`);
          }
          const result = t.train({
            mode,
            seed,
            epochs,
            optimizer: opts.optimizer,
            learningRate: lr,
            backend: opts.backend,
            hidden,
            rescale: opts.rescale,
            ...(limit === undefined ? {} : { trainLimit: limit }),
            ...(testLimit === undefined ? {} : { testLimit }),
            ...(resume ? { resume } : {}),
            onStep: (p) => progress.update(label, { ...p, epochs }),
            onEpoch: (m, state) => {
              progress.clear();
              out(`${label}: epoch ${m.epoch}/${epochs}  loss ${m.loss.toFixed(4)}  train ${(m.trainAccuracy * 100).toFixed(2)}%  test ${(m.testAccuracy * 100).toFixed(2)}%  ${m.seconds.toFixed(1)}s  ${m.stepsPerSecond.toFixed(2)} steps/s`);
              if (opts.out) t.saveRun(checkpointDir(mode, seed), state);
            },
          });
          progress.clear();
          runs.push(result);
          out();
          out(`${label} (${result.backend}, ${result.seconds.toFixed(1)} s in all)`);
          for (const line of report.epochTable(result)) out(`  ${line}`);
          if (result.nonFinite > 0) out(`  WARNING: ${result.nonFinite} non-finite values (first at step ${result.firstNonFiniteStep})`);
          out();
        }

      const summaries = report.summarise(runs);
      out("Final test accuracy per seed, mean, f32 − mode in points (per seed), step time, fp8 casts saturated / flushed to zero");
      for (const line of report.comparisonTable(summaries)) out(`  ${line}`);

      if (opts.out) {
        const chart = await import("../examples/mnist/chart.js");
        const series = modes.map((mode) => {
          const rs = runs.filter((r) => r.mode === mode);
          const steps = Math.min(...rs.map((r) => r.losses.length));
          const epochCount = Math.min(...rs.map((r) => r.epochs.length));
          const avg = (f: (r: (typeof rs)[number]) => number) => rs.reduce((s, r) => s + f(r), 0) / rs.length;
          return {
            label: `${mode}${rs.length > 1 ? ` (mean of ${rs.length} seeds)` : ""}`,
            losses: Array.from({ length: steps }, (_, i) => avg((r) => r.losses[i]!)),
            testAccuracy: Array.from({ length: epochCount }, (_, e) => avg((r) => r.epochs[e]!.testAccuracy)),
            stepsPerEpoch: rs[0]?.epochs[0]?.steps ?? 1,
          };
        });
        const svg = chart.renderChart(series, `MNIST MLP, ${opts.optimizer}, ${opts.backend} backend, seeds ${seeds.join(", ")}`);
        const files = [join(opts.out, "metrics.json"), join(opts.out, "mnist.svg"), join(opts.out, "mnist.png")];
        const config = { dataset: "mnist", modes, seeds, epochs, optimizer: opts.optimizer, learningRate: lr, batch: t.BATCH, backend: opts.backend, hidden, rescale: opts.rescale, trainLimit: limit ?? null, testLimit: testLimit ?? null };
        writeFileAtomic(files[0]!, `${JSON.stringify(report.metricsDocument(runs, config), null, 1)}\n`);
        writeFileAtomic(files[1]!, svg);
        writeFileAtomic(files[2]!, chart.svgToPng(svg));
        out();
        out(`wrote ${files.map(displayPath).join(", ")} and ${displayPath(join(opts.out, "checkpoints"))}/`);
      }
    });
}
