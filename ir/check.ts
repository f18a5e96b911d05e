// The per-equation checks shared by the verifier, the parser and fromJSON, so that the three agree
// on what a valid program is; each caller turns a problem into its own error type and location.
import { isDType, type DType } from "./dtype.js";
import { DTypeError, ShapeError } from "./errors.js";
import { primitiveDef, type Primitive } from "./primitives/catalogue.js";
import { avalEquals, avalToString, type Aval } from "./shape.js";

export type PathPart = string | number;

/** `equations[3].params.axes[0]`: dotted keys (bracketed when not identifiers), bracketed indices. */
export function formatPath(parts: readonly PathPart[]): string {
  let s = "";
  for (const p of parts) {
    if (typeof p === "number") s += `[${p}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(p)) s += s ? `.${p}` : p;
    else s += `[${JSON.stringify(p)}]`;
  }
  return s;
}

export function arityProblem(prim: Primitive, n: number): string | undefined {
  const arity = primitiveDef(prim).arity;
  if (typeof arity === "number") return n === arity ? undefined : `takes ${arity} operand${arity === 1 ? "" : "s"}, got ${n}`;
  return n >= arity.min ? undefined : `takes at least ${arity.min} operand${arity.min === 1 ? "" : "s"}, got ${n}`;
}

export type ParamsCheck = { ok: true; params: unknown } | { ok: false; detail: string; path: PathPart[] };

/** Runs the primitive's zod schema; `path` is relative to the params object. */
export function checkParams(prim: Primitive, params: unknown): ParamsCheck {
  const r = primitiveDef(prim).params.safeParse(params);
  if (r.success) return { ok: true, params: r.data };
  const issue = r.error.issues[0]!;
  const path: PathPart[] = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
  if (issue.code === "unrecognized_keys" && issue.keys.length > 0) path.push(issue.keys[0]!);
  const where = path.length > 0 ? `${formatPath(path)}: ` : "";
  const message = issue.code === "unrecognized_keys" ? `unknown param` : issue.message;
  return { ok: false, detail: `bad params for ${prim}: ${where}${message}`, path };
}

/** The shape/dtype rule's output avals, or its error message (without the primitive's name). Never throws. */
export function runRule(prim: Primitive, params: unknown, ins: readonly Aval[]): Aval[] | string {
  try {
    // `params` has passed the primitive's own schema, which is what abstractEval's type says.
    return (primitiveDef(prim).abstractEval as (p: unknown, i: readonly Aval[], op: string) => Aval[])(params, ins, prim);
  } catch (e) {
    if (e instanceof ShapeError || e instanceof DTypeError) return e.detail;
    return `shape rule failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** Index and message of the first declared output that differs from the rule's, if any. */
function showAvals(xs: readonly Aval[]): string {
  return `(${xs.map(avalToString).join(", ")})`;
}

export function outputsProblem(declared: readonly Aval[], rule: readonly Aval[]): { index: number; detail: string } | undefined {
  if (declared.length !== rule.length)
    return { index: 0, detail: `declares ${declared.length} output${declared.length === 1 ? "" : "s"} ${showAvals(declared)}, the shape rule gives ${rule.length} ${showAvals(rule)}` };
  const i = declared.findIndex((a, k) => !avalEquals(a, rule[k]!));
  if (i < 0) return undefined;
  return { index: i, detail: `output ${i} is declared ${avalToString(declared[i]!)}, the shape rule gives ${avalToString(rule[i]!)}` };
}

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;

/** A literal's value must be representable in its dtype; float values are not range-checked here. */
export function literalProblem(value: unknown, dtype: DType): string | undefined {
  if (typeof value !== "number") return `literal value must be a number, got ${typeof value}`;
  if (dtype === "i32" && !(Number.isInteger(value) && value >= I32_MIN && value <= I32_MAX)) return `${value} is not an i32`;
  if (dtype === "bool" && value !== 0 && value !== 1) return `bool literal must be 0 or 1 (false or true), got ${value}`;
  return undefined;
}

/** Dims are non-negative safe integers, so they print as plain digits and parse back. */
export function avalProblem(aval: { dtype: unknown; shape: unknown }): string | undefined {
  if (typeof aval.dtype !== "string" || !isDType(aval.dtype)) return `unknown dtype ${String(aval.dtype)}`;
  if (!Array.isArray(aval.shape) || !aval.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    return `bad shape ${JSON.stringify(aval.shape)}`;
  return undefined;
}
