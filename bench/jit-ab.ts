// A/B of the compiled fused kernels in one process, on the MNIST training step: the kernels as
// this checkout emits and compiles them ("base") against variants of their C++ — regex edits of
// the emitted source, and/or another directory of headers (say, an earlier revision's
// runtime/native/src, from `git show`) — each compiled to its own object and bound to its own
// copy of the plan. The copies take turns, a few executions each, and the script prints the
// medians of the whole step and of the largest fused kernels, and whether each variant's outputs
// are bit-identical to base's. Cross-process timings on a busy VM spread by ±25 %; within one
// process both see the same load. (bench/build-ab.ts compares addon builds instead.)
//
//   node --import tsx bench/jit-ab.ts [--mode f32|f16|fp8] [--counts] [--rounds N] [--top K] [--from CKPT] \
//     --variant 'name={"edits":[["regex","replacement"]],"headers":"dir","flags":["-O3"]}' …
//
// An edit applies to every match (flags "g"); `headers` replaces runtime/native/src as the include
// directory; `flags` are added to the compiler's (say ["-O3"]). --from runs the step from a
// checkpoint of `scalify train … --out DIR` (DIR/checkpoints/<mode>-seed<N>) instead of step 0. Example, what the counted casts' rare-lane tests cost:
//   --variant 'no-tests={"edits":[["    if \\(COUNT && __builtin_expect[^\\n]*\\n",""]]}'
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MODES, type Mode } from "../examples/mnist/model.js";
import { compileNative, STATS_LENGTH } from "../runtime/native/backend.js";
import { JIT_MIN_ELEMENTS, jitFlags } from "../runtime/native/jit.js";
import type { Storage } from "../ir/dtype.js";
import { repoRoot, takeOption } from "./args.js";
import { mnistStep } from "./mnist-step.js";

const argv = process.argv.slice(2);
const option = (name: string) => takeOption(argv, name);
const mode = (option("--mode") ?? "fp8") as Mode;
const rounds = Number(option("--rounds") ?? 40);
const top = Number(option("--top") ?? 3);
const counting = argv.includes("--counts");
const from = option("--from");
if (!MODES.includes(mode) || !(rounds > 0) || !(top > 0)) {
  console.error(`usage: jit-ab.ts [--mode ${MODES.join("|")}] [--counts] [--rounds N] [--top K] --variant 'name={"edits":[[re, to]],"headers":dir}' …`);
  process.exit(2);
}
const specs: { name: string; edits: [string, string][]; headers?: string; flags: string[] }[] = [];
for (let v = option("--variant"); v !== undefined; v = option("--variant")) {
  const at = v.indexOf("=");
  if (at < 1) throw new Error(`--variant ${v}: expected name={"edits":…,"headers":…}`);
  const spec = JSON.parse(v.slice(at + 1)) as { edits?: [string, string][]; headers?: string; flags?: string[] };
  specs.push({ name: v.slice(0, at), edits: spec.edits ?? [], headers: spec.headers, flags: spec.flags ?? [] });
}

const { program, args } = mnistStep(mode, false, from);
const base = compileNative(program);
if (!base.jit) throw new Error("no compiled kernels: is SCALIFY_JIT off, or the compiler missing?");
const dir = mkdtempSync(join(tmpdir(), "scalify-jit-ab-"));
const variants = [{ name: "base", compiled: base }];
specs.forEach((spec, k) => {
  const compiled = compileNative(program, undefined, { mode: "off" });
  const prefix = `ab${k}_`;
  let source = compiled.plan.jitSource(prefix, JIT_MIN_ELEMENTS);
  for (const [re, to] of spec.edits) {
    const pattern = new RegExp(re, "g");
    if (!pattern.test(source)) throw new Error(`variant ${spec.name}: the edit /${re}/ matches nothing in the emitted source`);
    source = source.replace(pattern, to);
  }
  const stem = join(dir, prefix);
  writeFileSync(`${stem}.cpp`, source);
  try {
    const cxx = process.env.CXX ?? "c++";
    execFileSync(cxx, [...jitFlags(cxx), ...spec.flags, "-I", spec.headers ?? join(repoRoot, "runtime/native/src"), "-o", `${stem}.so`, `${stem}.cpp`], { stdio: ["ignore", "inherit", "inherit"] });
  } catch {
    console.error(`variant ${spec.name}: ${stem}.cpp does not compile (the compiler's errors are above)`);
    process.exit(1);
  }
  const bound = compiled.plan.jitLoad(`${stem}.so`, prefix);
  console.log(`${spec.name}: ${bound} kernels bound (base ${base.jit!.kernels})`);
  variants.push({ name: spec.name, compiled });
});

const stats = () => (counting ? new Float64Array(STATS_LENGTH) : undefined);
const bytes = (s: Storage) => new Uint8Array(s.buffer, s.byteOffset, s.byteLength);
const reference = base.plan.execute(args, stats()).map((s) => bytes(s as Storage).slice());
for (const v of variants.slice(1)) {
  const outs = v.compiled.plan.execute(args, stats());
  const same = outs.every((s, i) => Buffer.compare(Buffer.from(bytes(s as Storage)), Buffer.from(reference[i]!)) === 0);
  console.log(`${v.name}: outputs ${same ? "bit-identical to base's" : "DIFFER from base's"}`);
}

const n = base.lowered.plan.instrs.length;
const perRun = variants.map(() => ({ step: [] as number[], instr: [] as Float64Array[] }));
const EXECUTIONS = 10;
for (let r = 0; r < rounds; r++)
  variants.forEach((_, j) => {
    const k = r % 2 ? variants.length - 1 - j : j; // the order alternates
    const timings = new Float64Array(n);
    const t0 = performance.now();
    for (let i = 0; i < EXECUTIONS; i++) variants[k]!.compiled.plan.execute(args, stats(), timings);
    perRun[k]!.step.push((performance.now() - t0) / EXECUTIONS);
    perRun[k]!.instr.push(timings.map((ns) => ns / 1e6 / EXECUTIONS));
  });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const instrMedian = (k: number, i: number) => median(perRun[k]!.instr.map((t) => t[i]!));
const fused = base.lowered.plan.instrs.map((ins, i) => ({ ins, i })).filter(({ ins }) => ins.prim === "fused");
const largest = fused.sort((a, b) => instrMedian(0, b.i) - instrMedian(0, a.i)).slice(0, top).map(({ i }) => i);
console.log(`\n${mode}${counting ? ", counted" : ""}, ${rounds} rounds × ${EXECUTIONS} executions; medians in ms (ratio to base)`);
console.log(["variant".padEnd(16), "step".padStart(16), ...largest.map((i) => `#${i}`.padStart(16))].join(""));
variants.forEach((v, k) => {
  const cell = (x: number, b: number) => `${x.toFixed(3)} (${(x / b).toFixed(2)})`.padStart(16);
  console.log([v.name.padEnd(16), cell(median(perRun[k]!.step), median(perRun[0]!.step)), ...largest.map((i) => cell(instrMedian(k, i), instrMedian(0, i)))].join(""));
});
