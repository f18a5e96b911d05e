// The native backend: runs a Program with the C++ addon. A program is lowered and compiled once
// (cached per Program object); each run validates the arguments, executes the plan and wraps
// the results as Tensors. Results agree with the reference interpreter as DESIGN.md "Where the
// backends must agree" requires (tests/runtime/native).
import { DTYPES, itemSize, type StorageMap } from "../../ir/dtype.js";
import { ScalifyError } from "../../ir/errors.js";
import type { Params, Primitive } from "../../ir/primitives/catalogue.js";
import type { Program } from "../../ir/program.js";
import { avalEquals, avalToString } from "../../ir/shape.js";
import { takeBuffer } from "../buffer-pool.js";
import type { CastStats } from "../numerics/codec.js";
import { encode } from "../numerics/codec.js";
import { operandCheckedAvals, validateArgs } from "../operands.js";
import { Tensor } from "../tensor.js";
import { attachCompiledKernels, type JitOptions, type JitReport } from "./jit.js";
import { nativeAddon, type NativeAddon, type NativePlan, type NativeTensor } from "./loader.js";
import { lower, type LoweredProgram, type LowerOptions, type OutputSource } from "./lower.js";

export interface NativeRunOptions {
  /** Adds what casts to low-precision floats lost (saturated, flushed to zero, non-finite). */
  castStats?: CastStats;
  /** Lowering choices (tests and diagnostics); a run with them compiles afresh, uncached. */
  lowering?: LowerOptions;
  /** Which fused kernels run compiled (jit.ts; tests and diagnostics): a run with it compiles afresh, uncached. */
  jit?: JitOptions;
}

interface Compiled {
  lowered: LoweredProgram;
  plan: NativePlan;
  /** Bytes of each of the plan's outputs (for memory handed back by Tensor.delete). */
  outputBytes: number[];
  /** The fused kernels that run compiled (jit.ts), if any. */
  jit?: JitReport;
}

const cache = new WeakMap<Program, Compiled>();

/**
 * The lowering for this CPU: with bf16 dot products (AVX512-BF16) fp8 operands are faster
 * materialised (the bf16 kernels take their codes), elsewhere a cast folded into the matmul
 * saves its pass over memory.
 */
function defaultLowering(addon: NativeAddon): LowerOptions {
  return { foldCasts: !addon.gemmInfo().cpu.avx512bf16 };
}

/** Lowers and compiles `program` (cached per program object unless given options). */
export function compileNative(program: Program, opts?: LowerOptions, jitOpts?: JitOptions): Compiled {
  const fresh = opts !== undefined || jitOpts !== undefined;
  const hit = fresh ? undefined : cache.get(program);
  if (hit) return hit;
  const addon = nativeAddon();
  const lowered = lower(program, { ...defaultLowering(addon), ...opts });
  let plan: NativePlan;
  try {
    plan = new addon.Plan(lowered.plan);
  } catch (e) {
    throw new ScalifyError(`internal error: the native backend rejected the plan of program ${program.name}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const outputBytes = lowered.plan.outputs.map((v) => {
    const { dtype, shape } = lowered.plan.values[v]!;
    return shape.reduce((n, d) => n * d, itemSize(dtype));
  });
  const compiled = { lowered, plan, outputBytes, jit: attachCompiledKernels(plan, jitOpts) };
  if (!fresh) cache.set(program, compiled);
  return compiled;
}

/**
 * The addon's cast counters: [saturated, flushedToZero, nonFinite], then per dtype d (in DTYPES
 * order) at 3 + 4d: [touched, saturated, flushedToZero, nonFinite] (src/addon.cpp).
 */
export const STATS_LENGTH = 3 + 4 * DTYPES.length;

function newCounts(stats: CastStats | undefined): Float64Array | undefined {
  return stats ? new Float64Array(STATS_LENGTH) : undefined;
}

function addStats(into: CastStats | undefined, counts: Float64Array | undefined): void {
  if (!into || !counts) return;
  into.saturated += counts[0]!;
  into.flushedToZero += counts[1]!;
  into.nonFinite += counts[2]!;
  if (!into.byDtype) return;
  DTYPES.forEach((d, i) => {
    const b = 3 + 4 * i;
    if (!counts[b]) return;
    const e = (into.byDtype![d] ??= { saturated: 0, flushedToZero: 0, nonFinite: 0 });
    e.saturated += counts[b + 1]!;
    e.flushedToZero += counts[b + 2]!;
    e.nonFinite += counts[b + 3]!;
  });
}

function outputTensor(src: OutputSource, k: number, planOuts: unknown[], args: Tensor[], program: Program, done: Tensor[]): Tensor {
  const aval = program.outputs[k]!.aval;
  switch (src.kind) {
    case "plan":
      return new Tensor(aval.dtype, aval.shape, planOuts[src.index] as StorageMap[typeof aval.dtype]);
    case "input":
      return args[src.index]!;
    case "constant":
      // A copy: deleting the result (Tensor.delete) must not detach the compiled program's constant.
      return new Tensor(src.dtype, src.shape, src.storage.slice() as StorageMap[typeof src.dtype]);
    case "literal":
      return new Tensor(src.literal.dtype, [], encode([src.literal.value], src.literal.dtype) as StorageMap[typeof src.literal.dtype]);
    case "repeat":
      return done[src.of]!;
  }
}

/** Runs `program` on the native backend and returns its flat outputs (as `interpret` does). */
export function runNative(program: Program, args: readonly Tensor[], opts: NativeRunOptions = {}): Tensor[] {
  const tensors = validateArgs(program, args);
  const { lowered, plan, outputBytes } = compileNative(program, opts.lowering, opts.jit);
  const counts = newCounts(opts.castStats);
  const reuse = outputBytes.map(takeBuffer);
  const outs = plan.execute(
    tensors.map((t) => t.storage),
    counts,
    undefined,
    reuse.some((b) => b !== undefined) ? reuse : undefined,
  );
  addStats(opts.castStats, counts);
  const done: Tensor[] = [];
  lowered.outputs.forEach((src, k) => done.push(outputTensor(src, k, outs, tensors, program, done)));
  return done;
}

/**
 * One primitive on the native kernels (eager use and tests): the catalogue's shape rule checks
 * the operands first (ShapeError / DTypeError naming `prim`), then the addon's kernel runs.
 */
export function evalPrimitiveNative<P extends Primitive>(prim: P, params: Params<P>, inputs: Tensor[], opts: NativeRunOptions = {}): Tensor[] {
  const outAvals = operandCheckedAvals(prim, params, inputs);
  if (prim === "custom_vjp") return runNative((params as Params<"custom_vjp">).call, inputs, opts);
  const counts = newCounts(opts.castStats);
  const raw: NativeTensor[] = nativeAddon().runPrimitive(
    prim,
    params,
    inputs.map((t) => ({ dtype: t.dtype, shape: [...t.shape], data: t.storage })),
    counts,
  );
  addStats(opts.castStats, counts);
  const outs = raw.map((r) => new Tensor(r.dtype as Tensor["dtype"], r.shape, r.data as StorageMap[Tensor["dtype"]]));
  if (outs.length !== outAvals.length || outs.some((t, i) => !avalEquals(t.aval, outAvals[i]!)))
    throw new ScalifyError(`internal error: native kernel ${prim} returned (${outs.map((t) => avalToString(t.aval)).join(", ")}), expected (${outAvals.map(avalToString).join(", ")})`);
  return outs;
}
