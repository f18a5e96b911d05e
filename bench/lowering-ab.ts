// A/B of one lowering choice on the MNIST training step (or bench (c)'s value and grad): the
// step of a mode is compiled twice, with the option off and on, and both plans run in one
// process, alternating which goes first
// (on this VM the plan that runs second in a pair is measurably slower, so a fixed order biases
// the result). Prints medians, their ratio, and whether the two plans' results are bit-identical.
//
//   node --import tsx bench/lowering-ab.ts [--value-and-grad] [--counts] [mode] [option] [rounds]
//
// Defaults: fp8 foldCasts 40. --value-and-grad: bench (c)'s step (no optimizer) instead;
// --counts: runs with the cast counters on, as training does.
//
// option: a boolean of runtime/native/lower.ts LowerOptions (fusion, foldScales, foldCasts, reuse,
// speculate), or jit: the fused kernels interpreted (off) or compiled (on; runtime/native/jit.ts).
import { MODES, type Mode } from "../examples/mnist/model.js";
import { compileNative, STATS_LENGTH } from "../runtime/native/backend.js";
import type { LowerOptions } from "../runtime/native/lower.js";
import { mnistStep } from "./mnist-step.js";

const OPTIONS = ["fusion", "foldScales", "foldCasts", "reuse", "speculate", "jit"] as const;
const VALUE_AND_GRAD = process.argv.includes("--value-and-grad");
const COUNTS = process.argv.includes("--counts");
const [modeArg, optionArg, roundsArg] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const mode = (modeArg ?? "fp8") as Mode;
const option = (optionArg ?? "foldCasts") as (typeof OPTIONS)[number];
const rounds = Number(roundsArg ?? 40);
if (!MODES.includes(mode) || !OPTIONS.includes(option) || !(rounds > 0)) {
  console.error(`usage: lowering-ab.ts [${MODES.join("|")}] [${OPTIONS.join("|")}] [rounds]`);
  process.exit(2);
}

const { program, args } = mnistStep(mode, VALUE_AND_GRAD);
const variants = [false, true].map((on) => {
  const compiled = option === "jit" ? compileNative(program, undefined, { mode: on ? "auto" : "off" }) : compileNative(program, { [option]: on } as LowerOptions);
  return { on, ...compiled, times: [] as number[] };
});
const counts = COUNTS ? new Float64Array(STATS_LENGTH) : undefined;

const REPS = 5;
for (let r = 0; r < rounds; r++)
  for (let k = 0; k < 2; k++) {
    const v = variants[(r + k) % 2]!;
    v.plan.execute(args, counts);
    const t0 = performance.now();
    for (let i = 0; i < REPS; i++) v.plan.execute(args, counts);
    v.times.push((performance.now() - t0) / REPS);
  }

const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1]!;
const [off, on] = variants as [(typeof variants)[0], (typeof variants)[0]];
const bytes = (xs: ReturnType<typeof off.plan.execute>) => xs.map((o) => Buffer.from(o.buffer, o.byteOffset, o.byteLength));
const [offOut, onOut] = [bytes(off.plan.execute(args)), bytes(on.plan.execute(args))];
const same = offOut.every((b, i) => b.equals(onOut[i]!));
console.log(`${mode} step${COUNTS ? " (casts counted)" : ""}, ${option}: off ${median(off.times).toFixed(2)} ms (${off.lowered.stats.instructions} instructions), on ${median(on.times).toFixed(2)} ms (${on.lowered.stats.instructions}); on/off ${(median(on.times) / median(off.times)).toFixed(3)}; results ${same ? "bit-identical" : "DIFFER"}`);
