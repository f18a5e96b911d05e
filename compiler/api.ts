// Running programs and jit: pytree arguments in, pytree results out, one backend switch.
import { ValidationError } from "../ir/errors.js";
import type { Program } from "../ir/program.js";
import { avalToString } from "../ir/shape.js";
import { treeToString } from "../ir/tree.js";
import { interpret, newCastStats, type CastStats } from "../runtime/interpreter.js";
import { nativeAvailable, nativeUnavailableReason } from "../runtime/native/loader.js";
import { runNative } from "../runtime/native/backend.js";
import { Tensor } from "../runtime/tensor.js";
import { flatten, unflatten } from "./pytree.js";
import { staged, type Staged } from "./staged.js";
import { SOURCE, sourceOf } from "./trace.js";

export type Backend = "reference" | "native";

export interface RunOptions {
  backend?: Backend;
  /** Instrumentation: counts of cast outcomes (saturated, flushed to zero, non-finite) are added here. */
  castStats?: CastStats;
}

/** Leaves of `args` (positional pytrees, or a record keyed by input name) in program input order. */
export function programArgs(program: Program, args: unknown[] | Record<string, unknown>): Tensor[] {
  let leaves: unknown[];
  if (Array.isArray(args)) {
    const [ls, def] = flatten(args);
    const tensors = ls.map((l) => (l instanceof Tensor ? l : null));
    const [kept, tdef] = flatten(unflatten(def, tensors));
    if (treeToString(tdef) !== treeToString(program.inTree))
      throw new ValidationError(`arguments have structure ${treeToString(tdef)}, the program takes ${treeToString(program.inTree)}`, "args");
    leaves = kept;
  } else {
    leaves = program.inputNames.map((n) => {
      if (!(n in args)) throw new ValidationError(`missing input ${JSON.stringify(n)}`, `args.${n}`);
      return args[n];
    });
  }
  return leaves.map((l, i) => {
    const v = program.inputs[i]!;
    const name = program.inputNames[i] ?? `input ${i}`;
    if (!(l instanceof Tensor)) throw new ValidationError(`expected a Tensor for ${name}`, `args.${name}`);
    if (l.dtype !== v.dtype || l.shape.length !== v.shape.length || l.shape.some((d: number, j: number) => d !== v.shape[j]))
      throw new ValidationError(`${name} must be ${avalToString(v.aval)}, got ${avalToString(l)}`, `args.${name}`);
    return l;
  });
}

let warnedFallback = false;

function isBackend(s: string | undefined): s is Backend {
  return s === "reference" || s === "native";
}

/**
 * The backend used when none is given: SCALIFY_BACKEND when set, else "native" when the addon is
 * built, else "reference" (with a one-time warning saying why and how to build the addon).
 */
export function defaultBackend(): Backend {
  const env = process.env.SCALIFY_BACKEND;
  if (isBackend(env)) return env;
  if (nativeAvailable()) return "native";
  if (!warnedFallback) {
    warnedFallback = true;
    process.emitWarning(`${nativeUnavailableReason()}; running on the reference backend. Build the addon with \`npm run build:native\`.`, {
      code: "SCALIFY_NO_NATIVE",
    });
  }
  return "reference";
}

export function runFlat(program: Program, args: Tensor[], opts: RunOptions): Tensor[] {
  const backend = opts.backend ?? defaultBackend();
  const stats = opts.castStats ? { castStats: opts.castStats } : {};
  if (backend === "native") {
    if (!nativeAvailable())
      throw new ValidationError(`backend "native" is not available: ${nativeUnavailableReason()}. Build it with \`npm run build:native\` or use backend "reference"`, "backend");
    return runNative(program, args, stats);
  }
  if (backend !== "reference") throw new ValidationError(`unknown backend ${JSON.stringify(backend)}; use "native" or "reference"`, "backend");
  return interpret(program, args, stats);
}

/** `sf.run(program, args, {backend})`: returns the output pytree, ScaledArrays included. */
export function run(program: Program, args: unknown[] | Record<string, unknown>, opts: RunOptions = {}): unknown {
  return unflatten(program.outTree, runFlat(program, programArgs(program, args), opts));
}

export interface JitOptions extends RunOptions {
  /**
   * Positions of arguments whose tensors the call consumes, as JAX's `donate_argnums`: after each
   * call they are deleted (`Tensor.delete()`), so that a loop such as `x = f(x)` hands each
   * state's memory to the next call's results instead of leaving it to the garbage collector
   * (for large tensors, a collection every few calls). A donated tensor that a result shares
   * memory with (a result that is the argument itself) is kept. Ignored when `f` is traced
   * inside another transform.
   */
  donateArgnums?: number | readonly number[];
}

/** `sf.jit(fn)`: trace once per input signature, cache the program, run it. Under a trace it inlines. */
export function jit<F extends (...args: any[]) => unknown>(fn: F, opts: JitOptions = {}): F & Staged {
  const donate = donatedPositions(opts.donateArgnums);
  let donated: Tensor[] = [];
  const inner = staged(fn, (p) => p, (p, a) => {
    const memory = donated.map((t) => (t.isDeleted() ? undefined : t.storage.buffer));
    const outs = runFlat(p, a, opts);
    const kept = new Set(outs.map((o) => o.storage.buffer));
    donated.forEach((t, k) => {
      const m = memory[k];
      if (m === undefined || !kept.has(m)) t.delete();
    });
    return outs;
  });
  if (donate.length === 0) return inner as F & Staged;
  const call = (...args: unknown[]): unknown => {
    for (const i of donate)
      if (i >= args.length) throw new ValidationError(`donateArgnums names argument ${i}, but ${fn.name || "the function"} was called with ${args.length}`, "donateArgnums");
    donated = donate.flatMap((i) => flatten(args[i])[0].filter((l): l is Tensor => l instanceof Tensor && l.isConcrete));
    try {
      return inner(...args);
    } finally {
      donated = [];
    }
  };
  Object.defineProperty(call, "name", { value: inner.name });
  return Object.assign(call, { lower: inner.lower, [SOURCE]: sourceOf(fn) }) as unknown as F & Staged;
}

function donatedPositions(d: JitOptions["donateArgnums"]): number[] {
  const list = d === undefined ? [] : typeof d === "number" ? [d] : [...d];
  for (const i of list) if (!Number.isInteger(i) || i < 0) throw new ValidationError(`donateArgnums must hold argument positions (integers ≥ 0), got ${String(i)}`, "donateArgnums");
  return [...new Set(list)];
}

export { newCastStats };
