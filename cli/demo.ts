// `scalify demo`: the main job on built-in data, as a list of steps that each print a few lines.
// Later steps (grad, scalify to FP8, the native backend, MNIST) are appended to STEPS.
import { Command } from "commander";
import {
  asarray,
  asScaledArray,
  grad,
  newCastStats,
  nn,
  ops,
  passes,
  print,
  random,
  run,
  scaling,
  scalify,
  trace,
  type Program,
  type ScaledArray,
  type Tensor,
} from "../index.js";
import { nativeAvailable, nativeUnavailableReason } from "../runtime/native/loader.js";
import { avalToString } from "../ir/shape.js";
import { mnistDemoStep } from "./demo-mnist.js";
import { describeTensor, formatMs } from "./summary.js";

type MlpModule = typeof import("../examples/mlp.js");
type MlpParams = import("../examples/mlp.js").MlpParams;

/** What the steps share; each step fills in what later ones use. */
interface DemoState {
  example: MlpModule;
  params?: ReturnType<MlpModule["initMlp"]>;
  x?: Tensor;
  program?: Program;
  logits?: Tensor;
  labels?: Tensor;
  grads?: Record<string, Tensor>;
}

interface Step {
  title: string;
  /** The lines to print under the title. */
  run(s: DemoState): string[];
}

const BATCH = 8;

export const STEPS: Step[] = [
  {
    title: "Initialise the MLP (784 → 128 → 10) with seed 0, and a batch of 8 random inputs",
    run(s) {
      s.params = s.example.initMlp(random.key(0));
      s.x = random.normal(random.key(1), [BATCH, 784]);
      const shapes = Object.entries(s.params).map(([k, t]) => `${k}: ${avalToString(t)}`);
      return [`params  ${shapes.join(", ")}`, `x       ${describeTensor(s.x)}`];
    },
  },
  {
    title: "Trace mlp(params, x) into the IR",
    run(s) {
      s.program = trace(s.example.mlp, s.params, s.x);
      return print(s.program).trimEnd().split("\n");
    },
  },
  {
    title: "Run the program on the reference interpreter",
    run(s) {
      s.logits = run(s.program!, [s.params, s.x], { backend: "reference" }) as Tensor;
      return [`logits     ${describeTensor(s.logits)}`, `predicted  ${JSON.stringify(ops.argmax(s.logits, -1).toArray())}`];
    },
  },
  {
    title: "Check the traced program against eager execution",
    run(s) {
      const eager = s.example.mlp(s.params!, s.x as Tensor<"f32", [8, 784]>).toFloat32Array();
      const traced = s.logits!.toFloat32Array();
      const same = eager.length === traced.length && eager.every((v, i) => Object.is(v, traced[i]));
      if (!same) throw new Error("demo: the traced program and eager execution disagree");
      return ["eager and traced results agree bit for bit"];
    },
  },
  {
    title: "Differentiate a cross-entropy loss (sf.passes.grad: reverse mode on the IR, then dce/cse)",
    run(s) {
      s.labels = ops.astype(ops.argmax(s.logits!, -1), "i32");
      const lossProgram = trace(s.example.mlpLoss, s.params, s.x, s.labels);
      const gradProgram = passes.grad(lossProgram, { argnums: 0 });
      s.grads = run(gradProgram, [s.params, s.x, s.labels], { backend: "reference" }) as Record<string, Tensor>;
      const norms = Object.entries(s.grads).map(([k, g]) => `|d${k}| ${l2(g).toExponential(3)}`);
      return [`${lossProgram.equations.length} forward equations → ${gradProgram.equations.length} in the gradient program`, norms.join(", ")];
    },
  },
  {
    title: "Scalify the gradient to FP8 (f16 scaled parameters, e4m3fn matmul inputs, e5m2 gradients)",
    run(s) {
      const fp8Loss = (p: MlpParams, x: Tensor, labels: Tensor) => {
        const q = (t: Tensor) => scaling.castOnForward(t, "f8e4m3fn") as Tensor;
        const h = nn.relu(ops.add(scaling.castOnBackward(ops.matmul(q(x), q(p.w1)), "f8e5m2"), p.b1));
        const logits = scaling.dynamicRescaleL2Grad(ops.add(scaling.castOnBackward(ops.matmul(q(h), q(p.w2)), "f8e5m2"), p.b2));
        return nn.softmaxCrossEntropy(logits, labels);
      };
      const scaledParams = Object.fromEntries(Object.entries(s.params!).map(([k, t]) => [k, asScaledArray(ops.astype(t, "f16"))]));
      const step = scalify(grad(fp8Loss));
      const stats = newCastStats();
      const program = step.lower(scaledParams, ops.astype(s.x!, "f16"), s.labels);
      const g = run(program, [scaledParams, ops.astype(s.x!, "f16"), s.labels], { backend: "reference", castStats: stats }) as Record<string, ScaledArray>;
      const errs = Object.entries(s.grads!).map(([k, ref]) => `${k} ${(relErr(asarray(g[k]!, "f32"), ref) * 100).toFixed(1)}%`);
      return [
        `${program.equations.length} equations; every tensor is a (data, scale) pair, e.g. w1: ${g.w1!.data.dtype} data, scale ${g.w1!.scale.item()}`,
        `relative L2 error vs f32 gradients: ${errs.join(", ")}`,
        `fp8/f16 casts: ${stats.saturated} saturated, ${stats.flushedToZero} rounded to zero, ${stats.nonFinite} non-finite`,
      ];
    },
  },
  {
    title: "Run on the native backend (C++ addon) and compare with the reference interpreter",
    run(s) {
      if (!nativeAvailable()) return [`native backend not built (${nativeUnavailableReason()}); the reference interpreter is used`];
      const time = (backend: "native" | "reference") => {
        const t0 = performance.now();
        const out = run(s.program!, [s.params, s.x], { backend }) as Tensor;
        return [out, performance.now() - t0] as const;
      };
      time("native");
      const [nat, tn] = time("native");
      const [, tr] = time("reference");
      return [`max |native − reference| = ${maxAbsDiff(nat, s.logits!).toExponential(2)} (dot products agree within f32 accumulation tolerance)`, `native ${formatMs(tn)}, reference ${formatMs(tr)}`];
    },
  },
  mnistDemoStep,
];

const l2 = (t: Tensor) => Math.sqrt(t.toFloat32Array().reduce((a, v) => a + v * v, 0));
function relErr(a: Tensor, b: Tensor): number {
  const x = a.toFloat32Array();
  const y = b.toFloat32Array();
  let num = 0;
  for (let i = 0; i < x.length; i++) num += (x[i]! - y[i]!) ** 2;
  return Math.sqrt(num) / (l2(b) || 1);
}
function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = a.toFloat32Array();
  const y = b.toFloat32Array();
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
}

export function demoCommand(): Command {
  return new Command("demo").description("trace and run an MLP on built-in data, step by step").action(async () => {
    const state: DemoState = { example: await import("../examples/mlp.js") };
    const out = (line = "") => process.stdout.write(`${line}\n`);
    out("scalify demo: a small MLP, traced to the IR and run");
    for (const [i, step] of STEPS.entries()) {
      const t0 = performance.now();
      const lines = step.run(state);
      out();
      out(`${i + 1}. ${step.title} (${formatMs(performance.now() - t0)})`);
      for (const line of lines) out(`   ${line}`);
    }
  });
}
