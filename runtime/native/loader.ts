// Finds and loads the native addon (runtime/native/build/Release/scalify_native.node, built by
// `npm install` / `npm run build:native`), and says why when it cannot. Nothing here throws:
// callers ask `nativeAvailable()` and show `nativeUnavailableReason()`.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Storage } from "../../ir/dtype.js";
import type { PlanJSON } from "./plan-json.js";

/** A tensor as the addon takes and returns it: dtype name, shape, storage typed array. */
export interface NativeTensor {
  dtype: string;
  shape: number[];
  data: Storage;
}

/** A compiled plan inside the addon (see runtime/native/src/plan.h). */
export interface NativePlan {
  /**
   * Runs the plan on the arguments' storage; adds cast counters to `stats` (see backend.ts) and,
   * when given, each instruction's nanoseconds to `timings` (one entry per instruction); output k
   * is written into `reuse[k]` when that is an ArrayBuffer of exactly its size (not overlapping
   * an argument or another output), into new memory otherwise.
   */
  execute(args: Storage[], stats?: Float64Array, timings?: Float64Array, reuse?: (ArrayBuffer | undefined)[]): Storage[];
  readonly arenaBytes: number;
  readonly numInstructions: number;
  /** Speculation guards that missed so far, each one costing a rerun (runtime/native/speculate.ts). */
  readonly reruns: number;
  /** C++ of the compiled forms of the fused kernels of ≥ minElements elements, symbols prefixed; "" if none (jit.ts). */
  jitSource(prefix: string, minElements: number): string;
  /** Loads a shared object built from jitSource(prefix, …) and runs its kernels from now on; returns how many. */
  jitLoad(path: string, prefix: string): number;
}

export interface NativeAddon {
  Plan: new (plan: PlanJSON) => NativePlan;
  /** One kernel on validated buffers (the raw entry point that tests and fuzzers call). */
  runPrimitive(prim: string, params: unknown, inputs: NativeTensor[], stats?: Float64Array): NativeTensor[];
  numThreads(): number;
  gemmImpl(): string;
  /** The matmul's implementation, the CPU features it uses and the thread count. */
  gemmInfo(): { impl: string; cpu: { avx2: boolean; avx512f: boolean; avx512bf16: boolean }; threads: number };
  /** `npm run bench` (d)'s yardstick: relu(x·1.5 + 0.25) over n f32 as a plain C++ loop on warm buffers; ms per repetition, and the outputs' sum. */
  bandwidthBench(options: { n?: number; reps?: number; warmup?: number }): { times: number[]; sum: number };
  /**
   * The pool of large outputs (≥ 1 MiB; runtime/native/src/output_memory.h): bytes idle and mapped
   * now, outputs written into reused memory and into fresh mappings so far.
   */
  outputPoolStats(): { idleBytes: number; mappedBytes: number; reused: number; mapped: number };
  readonly abiVersion: number;
}

/** The addon interface version this TypeScript expects (addon.cpp exports the same number). */
const ABI_VERSION = 5;
const FILE = "scalify_native.node";

/** Candidate paths: SCALIFY_NATIVE_ADDON alone when set, else build/Release under this folder or an ancestor's runtime/native. */
function candidates(): string[] {
  const env = process.env.SCALIFY_NATIVE_ADDON;
  if (env) return [env];
  const out: string[] = [];
  let dir = dirname(fileURLToPath(import.meta.url));
  out.push(join(dir, "build", "Release", FILE));
  // From dist/runtime/native (compiled) the build folder is in the source tree above dist/.
  for (let i = 0; i < 6; i++) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
    out.push(join(dir, "runtime", "native", "build", "Release", FILE));
  }
  return out;
}

let loaded: { addon?: NativeAddon; reason?: string; path?: string } | undefined;

function load(): { addon?: NativeAddon; reason?: string; path?: string } {
  if (loaded) return loaded;
  const paths = candidates();
  const path = paths.find((p) => existsSync(p));
  if (!path) {
    loaded = {
      reason: process.env.SCALIFY_NATIVE_ADDON
        ? `the native addon is missing (SCALIFY_NATIVE_ADDON=${process.env.SCALIFY_NATIVE_ADDON} does not exist)`
        : `the native addon is not built (no ${FILE} under runtime/native/build/Release)`,
    };
    return loaded;
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    if (addon.abiVersion !== ABI_VERSION) loaded = { reason: `the native addon at ${path} is stale (interface ${addon.abiVersion}, expected ${ABI_VERSION}): rebuild it`, path };
    else loaded = { addon, path };
  } catch (e) {
    loaded = { reason: `the native addon at ${path} failed to load: ${e instanceof Error ? e.message : String(e)}`, path };
  }
  return loaded;
}

export function nativeAvailable(): boolean {
  return load().addon !== undefined;
}

/** Why the addon cannot be used (undefined when it can). */
export function nativeUnavailableReason(): string | undefined {
  return load().reason;
}

/** The loaded addon; throws an Error with the reason when unavailable. */
export function nativeAddon(): NativeAddon {
  const l = load();
  if (!l.addon) throw new Error(`scalify: ${l.reason}. Build it with \`npm run build:native\`.`);
  return l.addon;
}

/** Where the addon was loaded from (for diagnostics). */
export function nativeAddonPath(): string | undefined {
  return load().path;
}
