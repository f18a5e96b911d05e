// `sf.trace`: turn a function over pytrees of tensors into a Program.
import { isDType, type DType } from "../ir/dtype.js";
import { ValidationError } from "../ir/errors.js";
import { Literal, type Program } from "../ir/program.js";
import { isValidShape, type Shape } from "../ir/shape.js";
import { leafPaths, type TreeDef } from "../ir/tree.js";
import { ScaledArray } from "../runtime/scaled-array.js";
import { Tensor } from "../runtime/tensor.js";
import { flatten, unflatten } from "./pytree.js";
import { Tracer, withTrace, type Operand } from "./tracer.js";

/** An abstract argument: only a dtype and a shape, as `jax.ShapeDtypeStruct`. */
export class Spec<D extends DType = DType, S extends Shape = Shape> {
  constructor(
    readonly dtype: D,
    readonly shape: S,
  ) {
    if (!isDType(dtype)) throw new ValidationError(`unknown dtype ${JSON.stringify(dtype)}`, "dtype");
    if (!isValidShape(shape)) throw new ValidationError(`invalid shape ${JSON.stringify(shape)}`, "shape");
  }
}

/** An abstract ScaledArray argument: data of `dtype[shape]` and an f32 scalar scale. */
export class ScaledSpec<D extends DType = DType, S extends Shape = Shape> {
  readonly data: Spec<D, S>;
  constructor(dtype: D, shape: S) {
    this.data = new Spec(dtype, shape);
  }
}

export function spec<D extends DType, const S extends Shape>(dtype: D, shape: S): Spec<D, S> {
  return new Spec(dtype, shape);
}

export function scaledSpec<D extends DType, const S extends Shape>(dtype: D, shape: S): ScaledSpec<D, S> {
  return new ScaledSpec(dtype, shape);
}

/** The user's function behind a transformed one (staged functions record it, for parameter names). */
export const SOURCE = Symbol("scalify.source");
export function sourceOf(f: Function): Function {
  return (f as { [SOURCE]?: Function })[SOURCE] ?? f;
}

/** Parameter names of a JS function, from its source; `argN` where a name cannot be read. */
export function parameterNames(fn: Function, count: number): string[] {
  const src = Function.prototype.toString.call(fn);
  let list: string;
  const arrow = /^(?:async\s*)?([A-Za-z_$][\w$]*)\s*=>/.exec(src);
  if (arrow) list = arrow[1]!;
  else {
    const open = src.indexOf("(");
    let depth = 0;
    let end = open;
    for (let i = open; i < src.length; i++) {
      const c = src[i];
      if (c === "(" || c === "[" || c === "{") depth++;
      else if (c === ")" || c === "]" || c === "}") depth--;
      if (depth === 0) {
        end = i;
        break;
      }
    }
    list = open < 0 ? "" : src.slice(open + 1, end);
  }
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const c of list) {
    if (c === "(" || c === "[" || c === "{") depth++;
    if (c === ")" || c === "]" || c === "}") depth--;
    if (c === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  parts.push(cur);
  return Array.from({ length: count }, (_, i) => {
    const m = /^\s*(?:\.\.\.)?([A-Za-z_$][\w$]*)\s*(?:=.*)?$/s.exec(parts[i] ?? "");
    return m ? m[1]! : `arg${i}`;
  });
}

export interface TraceResult {
  program: Program;
  /** Outer-trace tracers the function closed over; the program takes them as trailing inputs. */
  captured: Tracer[];
  /** The traced inputs, in program order (without captured ones). */
  inputs: Tracer[];
}

/** Abstract leaves become input tracers; numbers stay static. Returns the args to call `fn` with. */
function abstractify(args: unknown[], newInput: (dtype: DType, shape: Shape) => Tracer): unknown[] {
  const [leaves, def] = flatten(args);
  const vals = leaves.map((l, i) => {
    if (typeof l === "number" || typeof l === "boolean" || typeof l === "string") return l;
    if (l instanceof Spec) return newInput(l.dtype, l.shape);
    if (l instanceof ScaledSpec) return new ScaledArray(newInput(l.data.dtype, l.data.shape), newInput("f32", []));
    if (l instanceof Tensor) return newInput(l.dtype, l.shape);
    throw new ValidationError(`unsupported argument leaf ${Object.prototype.toString.call(l)}; use a Spec, Tensor, ScaledArray or number`, `args leaf ${i}`);
  });
  return unflatten(def, vals) as unknown[];
}

/** The tree of the tensor leaves only (static numbers show as `None`). */
function tensorTree(x: unknown): TreeDef {
  const [leaves, def] = flatten(x);
  const marked = leaves.map((l) => (l instanceof Tensor ? l : null));
  return flatten(unflatten(def, marked))[1];
}

/** Trace `fn` at `args` into a program (and the outer tracers it captured). */
export function traceFunction(fn: (...a: any[]) => unknown, args: unknown[], name = fn.name || "main", namesFrom: Function = fn): TraceResult {
  return withTrace((b) => {
    const inputs: Tracer[] = [];
    const absArgs = abstractify(args, (dtype, shape) => {
      const t = b.newInput({ dtype, shape: [...shape] });
      inputs.push(t);
      return t;
    });
    const inTree = tensorTree(absArgs);
    const params = parameterNames(sourceOf(namesFrom), absArgs.length);
    const inputNames = leafPaths(inTree).map((p) => {
      const m = /^\[(\d+)\](.*)$/.exec(p);
      return m ? `${params[Number(m[1])]}${m[2]!.startsWith("[") || m[2] === "" ? "" : "."}${m[2]!.replace(/^\./, "")}` : p;
    });
    const result = fn(...absArgs);
    const [outLeaves, outTree] = flatten(result);
    const outs: Operand[] = outLeaves.map((l, i) => {
      if (l instanceof Tensor) return l;
      if (typeof l === "number") return new Literal(l, "f32");
      throw new ValidationError(`traced function returned a non-tensor leaf (${typeof l})`, `output leaf ${i}`);
    });
    const { program, captured } = b.finish(outs, inputNames, inTree, outTree, name);
    return { program, captured, inputs };
  });
}

/** `sf.trace(fn, ...args)`: args are pytrees whose leaves are specs, tensors or ScaledArrays; numbers are static. */
export function trace(fn: (...a: any[]) => unknown, ...args: unknown[]): Program {
  const { program, captured } = traceFunction(fn, args);
  if (captured.length > 0) throw new TypeError("sf.trace: the function closed over tracers of an enclosing trace; trace it outside");
  return program;
}
