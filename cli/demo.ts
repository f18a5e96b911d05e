// `scalify demo`: the main job on built-in data, as a list of steps that each print a few lines.
// Later steps (grad, scalify to FP8, the native backend, MNIST) are appended to STEPS.
import { Command } from "commander";
import { ops, print, random, run, trace, type Program, type Tensor } from "../index.js";
import { avalToString } from "../ir/shape.js";
import { mnistDemoStep } from "./demo-mnist.js";
import { describeTensor, formatMs } from "./summary.js";

type MlpModule = typeof import("../examples/mlp.js");

/** What the steps share; each step fills in what later ones use. */
interface DemoState {
  example: MlpModule;
  params?: ReturnType<MlpModule["initMlp"]>;
  x?: Tensor;
  program?: Program;
  logits?: Tensor;
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
      s.logits = run(s.program!, [s.params, s.x]) as Tensor;
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
  mnistDemoStep,
];

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
