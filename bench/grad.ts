// How long tracing + grad + cse/dce takes for a residual stack of N attention blocks
// (examples/attention.ts) with a scalar loss, for N = 6, 12, 24: median of RUNS timed runs after
// two warm-ups, plus equation counts and the growth ratios 12/6 and 24/12 (≈2 when linear).
// Run: npx tsx bench/grad.ts [runs]
import type { Program } from "../ir/program.js";
import { gradProgram } from "../compiler/grad/backward.js";
import { cse } from "../compiler/passes/cse.js";
import { dce } from "../compiler/passes/dce.js";
import * as ops from "../compiler/ops/index.js";
import { spec, trace, type Spec } from "../compiler/trace.js";
import type { Tensor } from "../runtime/tensor.js";
import { attention, type AttentionParams } from "../examples/attention.js";

const RUNS = Math.max(5, Number(process.argv[2] ?? 7));
const DEPTHS = [6, 12, 24];

/** h ← h + attention(layer, h) for each layer; loss = mean(h²). */
type Activations = Tensor<"f32", [2, 16, 64]>;
function stackLoss(layers: AttentionParams[], x: Activations): Tensor {
  let h = x;
  for (const p of layers) h = ops.add(h, attention(p, h)) as Activations;
  return ops.mean(ops.mul(h, h));
}

const w = spec("f32", [64, 64]);
const layerSpecs = (n: number) => Array.from({ length: n }, () => ({ wq: w, wk: w, wv: w, wo: w }));

interface Timing {
  trace: number;
  grad: number;
  passes: number;
  total: number;
  /** CPU time of the whole (user + system): steadier than wall time on a busy machine. */
  cpu: number;
  forward: number;
  backward: number;
  cleaned: number;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function once(specs: { layers: Record<string, Spec>[]; x: Spec }): Timing {
  const c0 = cpuMs();
  const t0 = performance.now();
  const p = trace(stackLoss, specs.layers, specs.x);
  const t1 = performance.now();
  const g = gradProgram(p);
  const t2 = performance.now();
  const c: Program = dce(cse(g));
  const t3 = performance.now();
  return { trace: t1 - t0, grad: t2 - t1, passes: t3 - t2, total: t3 - t0, cpu: cpuMs() - c0, forward: p.equations.length, backward: g.equations.length, cleaned: c.equations.length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Median of each quantity over the runs. */
function summarise(runs: Timing[]): Timing {
  const m = (k: keyof Timing) => median(runs.map((r) => r[k]));
  return { trace: m("trace"), grad: m("grad"), passes: m("passes"), total: m("total"), cpu: m("cpu"), forward: m("forward"), backward: m("backward"), cleaned: m("cleaned") };
}

// Warm every depth up twice (JIT), then interleave the timed runs so drift (GC, CPU clocks)
// affects all depths alike.
const specs = new Map(DEPTHS.map((n) => [n, { layers: layerSpecs(n), x: spec("f32", [2, 16, 64]) }]));
for (let i = 0; i < 2; i++) for (const n of DEPTHS) once(specs.get(n)!);
const runs = new Map<number, Timing[]>(DEPTHS.map((n) => [n, []]));
for (let i = 0; i < RUNS; i++) for (const n of DEPTHS) runs.get(n)!.push(once(specs.get(n)!));

const ms = (v: number) => `${v.toFixed(1).padStart(7)} ms`;
console.log(`trace + grad + cse/dce of a residual stack of attention blocks (x f32[2,16,64], 4 heads), median of ${RUNS}`);
console.log("layers   trace       grad        cse+dce     total       total CPU  | equations: forward  grad  after cse+dce");
const results = new Map<number, Timing>();
for (const n of DEPTHS) {
  const r = summarise(runs.get(n)!);
  results.set(n, r);
  console.log(
    `${String(n).padStart(6)} ${ms(r.trace)} ${ms(r.grad)} ${ms(r.passes)} ${ms(r.total)} ${ms(r.cpu)} | ${String(r.forward).padStart(17)} ${String(r.backward).padStart(5)} ${String(r.cleaned).padStart(14)}`,
  );
}
const ratio = (a: number, b: number) => {
  const [x, y] = [results.get(a)!, results.get(b)!];
  return `total ×${(x.total / y.total).toFixed(2)}, CPU ×${(x.cpu / y.cpu).toFixed(2)} (trace ×${(x.trace / y.trace).toFixed(2)}, grad ×${(x.grad / y.grad).toFixed(2)}, cse+dce ×${(x.passes / y.passes).toFixed(2)}; equations ×${(x.cleaned / y.cleaned).toFixed(2)})`;
};
console.log(`growth 12/6:  ${ratio(12, 6)}`);
console.log(`growth 24/12: ${ratio(24, 12)}`);
