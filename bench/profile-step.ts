// Where a native training step spends its time: the MNIST step of each mode is compiled to a
// native plan and run with the addon's per-instruction timers; instructions are grouped by kind
// (gemm, fused elementwise chain, reduction, …) and the top instructions are listed. The modes'
// plans run in one process, one execution each per round, the order rotating.
//
//   node --import tsx bench/profile-step.ts [--counts] [--top N] [--rounds N] [--value-and-grad] [--from DIR] [modes…]
//
// Modes default to f32 f16 fp8. --counts runs with the cast counters on, as `scalify train` does;
// --top N lists N instructions (default 12); --value-and-grad profiles bench (c)'s step (the
// loss's value and gradient, no optimizer) instead of the training step; --from DIR starts each
// mode from the seed-0 checkpoint of a `scalify train … --out DIR` run (DIR/checkpoints/MODE-seed0)
// instead of the initial state (a trained state flushes more values).
import { MODES, type Mode } from "../examples/mnist/model.js";
import { compileNative, STATS_LENGTH } from "../runtime/native/backend.js";
import type { InstrJSON } from "../runtime/native/plan-json.js";
import { mnistStep } from "./mnist-step.js";

const roundsAt = process.argv.indexOf("--rounds");
const ROUNDS = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 20;

function label(ins: InstrJSON): string {
  if (ins.prim !== "fused") return ins.prim;
  const ops = (ins.params as { ops: { prim: string }[] }).ops.map((o) => o.prim).filter((p) => p !== "literal");
  return `fused[${ops.length}]`;
}

interface Profiled {
  mode: Mode;
  program: ReturnType<typeof mnistStep>["program"];
  lowered: ReturnType<typeof compileNative>["lowered"];
  run: (timings?: Float64Array) => void;
  timings: Float64Array;
  wall: number[];
}

function prepare(mode: Mode): Profiled {
  const { program, args } = mnistStep(mode, VALUE_AND_GRAD, FROM && `${FROM}/checkpoints/${mode}-seed0`);
  const { plan, lowered } = compileNative(program);
  const counts = COUNTING ? new Float64Array(STATS_LENGTH) : undefined;
  const run = (timings?: Float64Array) => void plan.execute(args, counts, timings);
  for (let i = 0; i < 3; i++) run();
  return { mode, program, lowered, run, timings: new Float64Array(lowered.plan.instrs.length), wall: [] };
}

/** One timed execution per mode per round, the order rotating (the second of a pair runs slower here). */
function measure(all: Profiled[]): void {
  for (let r = 0; r < ROUNDS; r++)
    for (let k = 0; k < all.length; k++) {
      const p = all[(r + k) % all.length]!;
      const t0 = performance.now();
      p.run(p.timings);
      p.wall.push(performance.now() - t0);
    }
}

function report({ mode, program, lowered, timings, wall: walls }: Profiled): void {
  const instrs = lowered.plan.instrs;
  const wall = walls.reduce((a, b) => a + b, 0) / walls.length;
  const perInstr = Array.from(timings, (ns) => ns / 1e6 / ROUNDS);
  const total = perInstr.reduce((a, b) => a + b, 0);
  const groups = new Map<string, { ms: number; n: number }>();
  instrs.forEach((ins, i) => {
    const k = ins.prim === "fused" ? "fused" : ins.prim;
    const g = groups.get(k) ?? { ms: 0, n: 0 };
    g.ms += perInstr[i]!;
    g.n++;
    groups.set(k, g);
  });
  console.log(`\n${mode}: ${program.equations.length} equations → ${instrs.length} instructions; plan.execute ${wall.toFixed(2)} ms (instructions ${total.toFixed(2)} ms)`);
  for (const [k, g] of [...groups].sort((a, b) => b[1].ms - a[1].ms))
    console.log(`  ${k.padEnd(22)} ${String(g.n).padStart(5)} instrs ${g.ms.toFixed(2).padStart(8)} ms ${((100 * g.ms) / total).toFixed(1).padStart(5)} %`);
  // Small instructions (scalar scale arithmetic) cost mostly their dispatch.
  const sizeOf = (ins: InstrJSON) => Math.max(...ins.outs.map((v) => lowered.plan.values[v]!.shape.reduce((a, b) => a * b, 1)));
  const buckets = new Map<string, { ms: number; n: number }>();
  instrs.forEach((ins, i) => {
    const n = sizeOf(ins);
    const k = n <= 1 ? "rank 0" : n < 4096 ? "< 4096 elements" : "≥ 4096 elements";
    const b = buckets.get(k) ?? { ms: 0, n: 0 };
    b.ms += perInstr[i]!;
    b.n++;
    buckets.set(k, b);
  });
  for (const [k, b] of buckets) console.log(`  by output size: ${k.padEnd(16)} ${String(b.n).padStart(5)} instrs ${b.ms.toFixed(2).padStart(8)} ms`);
  const top = perInstr.map((ms, i) => ({ ms, i })).sort((a, b) => b.ms - a.ms).slice(0, TOP);
  console.log("  top instructions:");
  for (const { ms, i } of top) {
    const ins = instrs[i]!;
    const outs = ins.outs.map((v) => `${lowered.plan.values[v]!.dtype}[${lowered.plan.values[v]!.shape.join(",")}]`).join(" ");
    console.log(`    #${String(i).padEnd(5)} ${label(ins).padEnd(18)} ${ms.toFixed(3).padStart(8)} ms  → ${outs}`);
  }
}

const COUNTING = process.argv.includes("--counts");
const VALUE_AND_GRAD = process.argv.includes("--value-and-grad");
const topAt = process.argv.indexOf("--top");
const TOP = topAt > 0 ? Number(process.argv[topAt + 1]) : 12;
const fromAt = process.argv.indexOf("--from");
const FROM = fromAt > 0 ? process.argv[fromAt + 1] : undefined;
const named = process.argv.slice(2).filter((a, i, all) => !a.startsWith("--") && !["--top", "--rounds", "--from"].includes(all[i - 1]!));
const modes = (named.length ? named : MODES) as Mode[];
const prepared = modes.map(prepare);
measure(prepared);
prepared.forEach(report);
