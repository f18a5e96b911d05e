// The IR text printer (docs/ir-format.md). Deterministic: canonical variable names in definition
// order, params sorted by key, numbers in one spelling, so that print(parse(print(p))) === print(p).
import type { DType } from "./dtype.js";
import { Literal, Program, Var, type Atom, type Equation } from "./program.js";
import { avalToString } from "./shape.js";
import { storageToBase64 } from "./storage-codec.js";
import { formatFloat, formatParamNumber, NameGenerator, quoteIfNeeded } from "./syntax.js";
import { treeToString } from "./tree.js";

export interface PrintOptions {
  /** Append `# file:line:col` to equations that record the user's call site. */
  callSites?: boolean;
}

export function print(p: Program, opts: PrintOptions = {}): string {
  return `${printFunc(p, "", opts)}\n`;
}

/** A literal's value as written before `:dtype`. */
export function formatLiteral(value: number, dtype: DType): string {
  if (dtype === "bool" && (value === 0 || value === 1)) return value === 1 ? "true" : "false";
  if (dtype === "i32" && Number.isSafeInteger(value)) return String(value); // String(-0) is "0": i32 has no −0
  return formatFloat(value);
}

export function formatAtom(a: Atom, name: (v: Var) => string): string {
  return a instanceof Literal ? `${formatLiteral(a.value, a.dtype)}:${a.dtype}` : name(a);
}

/** One function scope: names are local to it, so a nested program starts again at `a`. */
function printFunc(p: Program, indent: string, opts: PrintOptions): string {
  const names = new Map<Var, string>();
  const gen = new NameGenerator();
  // Defining occurrences get names in order; a use of an undefined variable (an invalid program,
  // printed for debugging) gets a fresh name rather than failing.
  const name = (v: Var): string => {
    let n = names.get(v);
    if (n === undefined) names.set(v, (n = gen.fresh()));
    return n;
  };
  const body = `${indent}  `;
  const inputs = p.inputs.map((v, i) => `${name(v)}: ${avalToString(v.aval)} ${JSON.stringify(p.inputNames[i] ?? "")}`);
  const outTypes = p.outputs.map((a) => avalToString(a.aval));
  const lines = [
    `${indent}func ${quoteIfNeeded(p.name)}(${inputs.join(", ")}) -> (${outTypes.join(", ")}) {`,
    `${body}in_tree ${treeToString(p.inTree)}`,
    `${body}out_tree ${treeToString(p.outTree)}`,
  ];
  for (const c of p.constants) {
    const v = c.variable;
    lines.push(`${body}const ${name(v)}: ${avalToString(v.aval)} = dense "${storageToBase64(c.value.dtype, c.value.storage)}"`);
  }
  for (const e of p.equations) lines.push(printEquation(e, body, name, opts));
  const ret = p.outputs.map((a) => formatAtom(a, name)).join(", ");
  lines.push(`${body}return${ret ? ` ${ret}` : ""}`, `${indent}}`);
  return lines.join("\n");
}

function printEquation(e: Equation, indent: string, name: (v: Var) => string, opts: PrintOptions): string {
  const outs = e.outputs.map((v) => `${name(v)}: ${avalToString(v.aval)}`).join(", ");
  const params = printParams(e.params as Record<string, unknown>, indent, opts);
  const operands = e.inputs.map((a) => ` ${formatAtom(a, name)}`).join("");
  const site = opts.callSites && e.callSite !== undefined ? `  # ${e.callSite.replace(/[\r\n]/g, " ")}` : "";
  return `${indent}${outs ? `${outs} ` : ""}= ${e.primitive}${params}${operands}${site}`;
}

function printParams(params: Record<string, unknown>, indent: string, opts: PrintOptions): string {
  const keys = Object.keys(params ?? {}).sort();
  if (keys.length === 0) return "";
  return `[${keys.map((k) => `${k}=${printValue(params[k], indent, opts)}`).join(", ")}]`;
}

function printValue(v: unknown, indent: string, opts: PrintOptions): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return formatParamNumber(v);
  if (typeof v === "string") return quoteIfNeeded(v);
  if (Array.isArray(v)) return `[${v.map((x) => printValue(x, indent, opts)).join(", ")}]`;
  // A nested program sits in braces, indented one level (2 spaces) deeper than its equation.
  if (v instanceof Program) return `{\n${printFunc(v, `${indent}  `, opts)}\n${indent}}`;
  // No primitive has object-valued params; print something readable for a debugging dump.
  return JSON.stringify(String(v));
}
