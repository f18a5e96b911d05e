// The machinery behind every function transform (jit, grad, vjp, scalify): trace the function
// once per argument signature, transform the program, then run it — or, when called inside an
// enclosing trace, inline it there so transforms compose (grad(grad(f)), scalify(grad(f))).
import type { Program } from "../ir/program.js";
import { avalToString } from "../ir/shape.js";
import { treeToString } from "../ir/tree.js";
import { Tensor } from "../runtime/tensor.js";
import { flatten, unflatten } from "./pytree.js";
import { SOURCE, sourceOf, traceFunction } from "./trace.js";
import { callProgram, currentBuilder, isTracer } from "./tracer.js";

export type Runner = (p: Program, args: Tensor[]) => Tensor[];

function signature(args: unknown[]): string {
  const [leaves, def] = flatten(args);
  const parts = leaves.map((l) => (l instanceof Tensor ? avalToString(l) : `=${typeof l}:${String(l)}`));
  return `${treeToString(def)}|${parts.join(";")}`;
}

export interface Staged {
  (...args: unknown[]): unknown;
  /** The transformed program for these arguments (cached per signature). */
  lower: (...args: unknown[]) => Program;
}

/** `namesFrom`: the user's function, when `fn` wraps it (its parameter names label the inputs). */
export function staged(fn: (...a: any[]) => unknown, transform: (p: Program) => Program, run: Runner, name?: string, namesFrom: Function = fn): Staged {
  const cache = new Map<string, Program>();
  const lowerWithCaptures = (args: unknown[]): { program: Program; captured: Tensor[] } => {
    const key = signature(args);
    const hit = cache.get(key);
    if (hit) return { program: hit, captured: [] };
    const r = traceFunction(fn, args, name ?? fn.name, namesFrom);
    const program = transform(r.program);
    // A function that closes over tracers of an enclosing trace is specific to that trace.
    if (r.captured.length === 0) cache.set(key, program);
    return { program, captured: r.captured };
  };
  const call = (...args: unknown[]): unknown => {
    const { program, captured } = lowerWithCaptures(args);
    const flat = [...flatten(args)[0].filter((l): l is Tensor => l instanceof Tensor), ...captured];
    const tracing = currentBuilder() !== undefined || flat.some(isTracer);
    return unflatten(program.outTree, tracing ? callProgram(program, flat, run) : run(program, flat));
  };
  // A transformed function keeps the user's name and parameter names, so that programs traced
  // through it (scalify(grad(f)), grad(grad(f))) are labelled like f's own.
  Object.defineProperty(call, "name", { value: fn.name || (namesFrom as { name?: string }).name || "staged" });
  return Object.assign(call, { lower: (...args: unknown[]) => lowerWithCaptures(args).program, [SOURCE]: sourceOf(namesFrom) });
}

