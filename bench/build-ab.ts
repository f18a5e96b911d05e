// A/B of addon builds on the MNIST training step: each build (a git revision's runtime/native,
// built in a temporary directory, or "." for this checkout's build) is loaded into one process,
// all run the same compiled plan in rotation with cast counting on (as `scalify train`), and the
// script prints the median time of each group of instructions (update kernels, forward kernels,
// count-only casts, matmuls, …) and of the whole step, with ratios to the first build. Whole-step
// ratios on a busy VM carry several percent of noise; the groups show a change where it acts. A
// build that differs from the first only by layout (an unused function) is a fair control: on
// the development VM it moved every group by 0.95–1.02×.
//
//   node --import tsx bench/build-ab.ts [--mode f32|f16|fp8] [--steps N] <rev|.> <rev|.> …
//
// Defaults: fp8, 300 steps (the first 20 untimed). Results must agree: the cast counts of every
// build are compared with the first's.
import { execSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MODES, type Mode } from "../examples/mnist/model.js";
import { compileNative, STATS_LENGTH } from "../runtime/native/backend.js";
import { repoRoot, takeOption } from "./args.js";
import { mnistStep } from "./mnist-step.js";

const argv = process.argv.slice(2);
const option = (name: string) => takeOption(argv, name);
const mode = (option("--mode") ?? "fp8") as Mode;
const steps = Number(option("--steps") ?? 300);
if (!MODES.includes(mode) || !(steps > 20) || argv.length < 2) {
  console.error(`usage: build-ab.ts [--mode ${MODES.join("|")}] [--steps N > 20] <rev|.> <rev|.> …`);
  process.exit(2);
}

/** The addon file of a build: this checkout's, or a revision's built in a temporary directory. */
function addonOf(rev: string): string {
  if (rev === ".") return join(repoRoot, "runtime/native/build/Release/scalify_native.node");
  const dir = mkdtempSync(join(tmpdir(), "scalify-ab-"));
  execSync(`git -C ${JSON.stringify(repoRoot)} archive ${JSON.stringify(rev)} runtime/native | tar -x -C ${JSON.stringify(dir)}`);
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "scalify-ab", private: true }));
  console.error(`build-ab: building ${rev} in ${dir}…`);
  const built = spawnSync(process.execPath, [join(dir, "runtime/native/build.mjs")], { stdio: ["ignore", "ignore", "inherit"] });
  const file = join(dir, "runtime/native/build/Release/scalify_native.node");
  if (built.status !== 0 || !existsSync(file)) throw new Error(`build-ab: building ${rev} failed`);
  return file;
}

const require = createRequire(import.meta.url);
const addons = argv.map((rev) => require(addonOf(rev)) as { Plan: new (plan: unknown) => { execute(args: unknown, counts?: Float64Array, timings?: Float64Array): unknown } });
const { program, args } = mnistStep(mode, false);
const { lowered } = compileNative(program);
const instrs = lowered.plan.instrs;
const plans = addons.map((a) => new a.Plan(lowered.plan));
const counts = plans.map(() => new Float64Array(STATS_LENGTH));
const times: number[][][] = plans.map(() => []);
const walls: number[][] = plans.map(() => []);
for (let r = 0; r < steps; r++)
  for (let q = 0; q < plans.length; q++) {
    const k = (r + q) % plans.length; // the order rotates: the second of a pair runs slower here
    const t = new Float64Array(instrs.length);
    const t0 = performance.now();
    plans[k]!.execute(args, counts[k], t);
    if (r < 20) continue;
    walls[k]!.push(performance.now() - t0);
    times[k]!.push(Array.from(t));
  }

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const groups = new Map<string, number[]>();
instrs.forEach((ins, i) => {
  const out = lowered.plan.values[ins.outs[0]!]!;
  const key = ins.prim === "fused" ? `fused → ${out.dtype}[${out.shape.join(",")}]` : ins.prim;
  (groups.get(key) ?? groups.set(key, []).get(key)!).push(i);
});
const row = (name: string, v: number[], unit: string) => console.log(`  ${name.padEnd(30)} ${v.map((x) => `${x.toFixed(unit === "ms" ? 2 : 0)} ${unit}`.padStart(10)).join(" ")}   ${v.slice(1).map((x) => (x / v[0]!).toFixed(3)).join(" ")}`);
console.log(`${mode} training step, ${steps - 20} counted steps per build: ${argv.join(" | ")}; counts equal: ${counts.every((c) => c.every((x, i) => x === counts[0]![i]))}`);
row("step (wall)", walls.map(median), "ms");
for (const [key, idx] of groups) {
  const v = times.map((per) => median(per.map((t) => idx.reduce((a, i) => a + t[i]!, 0))) / 1e3);
  if (v[0]! >= 30) row(key, v, "µs");
}
