// Compiled fused kernels. The register machine that runs a fused chain (src/fused.cpp) keeps each
// op's lanes in a block-sized array, so a long chain streams every intermediate through the cache;
// the same chain written as C++ over AVX2 registers (src/fused_jit.cpp) reads its inputs once
// and keeps the rest in registers. When a plan is compiled, the addon writes that C++ for its
// larger fused kernels, the system C++ compiler (the one `npm install` built the addon with)
// builds it into a shared object, cached on disk by a hash of the source, and the plan loads it.
// Where no compiler works the kernels run in the register machine, with one warning.
//
//   SCALIFY_JIT=0|off       never compile (the register machine runs every kernel)
//   SCALIFY_JIT=always      compile every fused kernel, however small (tests)
//   SCALIFY_JIT_CACHE=DIR   where the objects are kept (default ~/.cache/scalify/jit)
//   CXX                     the compiler (default c++)
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { nativeAddonPath, type NativePlan } from "./loader.js";

export type JitMode = "off" | "auto" | "always";

export interface JitOptions {
  /** Default: SCALIFY_JIT, else "auto" (kernels of at least `minElements` elements). */
  mode?: JitMode;
  minElements?: number;
}

export interface JitReport {
  /** Kernels that run compiled. */
  kernels: number;
  /** Whether the object came from the cache (no compiler run). */
  cached: boolean;
  /** Milliseconds spent compiling (0 when cached). */
  compileMs: number;
  path: string;
}

/**
 * Below this many elements a kernel stays in the register machine: its run is mostly dispatch,
 * and each compiled kernel adds to the compile time of its plan.
 */
export const JIT_MIN_ELEMENTS = 16384;
const PREFIX = "scalify_p";
const FLAGS = ["-std=c++17", "-O3", "-march=native", "-ffp-contract=off", "-fno-math-errno", "-fPIC", "-shared"];
// GCC leaves its scheduler before register allocation off on x86; with it (pressure-aware) the
// scaled Adam update kernels ran 0.88–0.93× counted (bench/README.md, jit-ab.ts). Clang has no
// such pass, so the flags go to GCC only.
const GCC_FLAGS = ["-fschedule-insns", "-fsched-pressure"];
const gccOf = new Map<string, boolean>();

/** The flags the compiled kernels are built with by `cxx` (bench/jit-ab.ts builds its variants with them too). */
export function jitFlags(cxx: string): string[] {
  let gcc = gccOf.get(cxx);
  if (gcc === undefined) {
    try {
      const version = execFileSync(cxx, ["--version"], { stdio: ["ignore", "pipe", "ignore"], timeout: 30_000 }).toString();
      gcc = !/clang/i.test(version) && /Free Software Foundation/.test(version); // `c++ --version` names neither g++ nor gcc
    } catch {
      gcc = false; // the compile will fail and say why
    }
    gccOf.set(cxx, gcc);
  }
  return gcc ? [...FLAGS, ...GCC_FLAGS] : FLAGS;
}

let failed: string | undefined;

function jitMode(): JitMode {
  const v = (process.env.SCALIFY_JIT ?? "").toLowerCase();
  return v === "0" || v === "off" ? "off" : v === "always" ? "always" : "auto";
}

function includeDir(): string | undefined {
  const addon = nativeAddonPath();
  const dir = addon ? join(dirname(addon), "..", "..", "src") : undefined;
  return dir && existsSync(join(dir, "jit_lanes.h")) ? dir : undefined;
}

function cacheDir(): string {
  const wanted = process.env.SCALIFY_JIT_CACHE ?? join(homedir(), ".cache", "scalify", "jit");
  for (const dir of [wanted, join(tmpdir(), "scalify-jit")]) {
    try {
      mkdirSync(dir, { recursive: true });
      return dir;
    } catch {
      // not writable: the next one
    }
  }
  throw new Error(`no writable cache directory (${wanted})`);
}

function giveUp(reason: string): undefined {
  failed = reason;
  process.emitWarning(`fused kernels run in the register machine: ${reason}. Set SCALIFY_JIT=0 to stop trying.`, { code: "SCALIFY_JIT" });
  return undefined;
}

/**
 * Compiles (or finds in the cache) and loads the plans' fused kernels, all in one object (tests
 * compile many small plans at once); undefined when none run compiled.
 */
export function attachCompiledKernels(plans: NativePlan | readonly NativePlan[], opts: JitOptions = {}): JitReport | undefined {
  const mode = opts.mode ?? jitMode();
  if (mode === "off" || failed) return undefined;
  const all = Array.isArray(plans) ? (plans as readonly NativePlan[]) : [plans as NativePlan];
  const min = mode === "always" ? 0 : (opts.minElements ?? JIT_MIN_ELEMENTS);
  const parts = all.map((plan, i) => ({ plan, prefix: `${PREFIX}${i}_`, source: plan.jitSource(`${PREFIX}${i}_`, min) })).filter((x) => x.source);
  if (parts.length === 0) return undefined;
  const source = parts.map((x) => x.source).join("\n");
  const include = includeDir();
  if (!include) return giveUp("the addon's sources (runtime/native/src) are not next to its build");
  const cxx = process.env.CXX ?? "c++";
  const flags = jitFlags(cxx);
  const hash = createHash("sha256").update(source).update(cxx).update(flags.join(" "));
  // Every header the emitted code could include is part of the key (a stale object is never reused).
  for (const h of readdirSync(include).filter((f) => f.endsWith(".h")).sort()) hash.update(h).update(readFileSync(join(include, h)));
  let dir: string;
  try {
    dir = cacheDir();
  } catch (e) {
    return giveUp((e as Error).message);
  }
  const path = join(dir, `${hash.digest("hex").slice(0, 32)}.so`);
  let compileMs = 0;
  const cached = existsSync(path);
  if (!cached) {
    const stem = `${path}.${process.pid}`;
    const t0 = performance.now();
    try {
      writeFileSync(`${stem}.cpp`, source);
      execFileSync(cxx, [...flags, "-I", include, "-o", `${stem}.so`, `${stem}.cpp`], { stdio: "pipe", timeout: 300_000 });
      renameSync(`${stem}.so`, path); // atomic: another process never loads half an object
    } catch (e) {
      const err = e as { stderr?: Buffer; message: string };
      const detail = (err.stderr?.toString() || err.message).split("\n").slice(0, 6).join("\n");
      return giveUp(`compiling them with ${cxx} failed: ${detail}`);
    } finally {
      rmSync(`${stem}.cpp`, { force: true });
      rmSync(`${stem}.so`, { force: true });
    }
    compileMs = performance.now() - t0;
  }
  try {
    const kernels = parts.reduce((n, { plan, prefix }) => n + plan.jitLoad(path, prefix), 0);
    return { kernels, cached, compileMs, path };
  } catch (e) {
    return giveUp(`loading ${path} failed: ${(e as Error).message}`);
  }
}
