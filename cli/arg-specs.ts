// Argument specs for `scalify trace`: the types read from the model's parameters, `--arg`
// overrides on top, then a pytree of sf.spec leaves (and static numbers) to trace with.
import { DTYPES, isDType, type DType } from "../ir/dtype.js";
import { spec } from "../index.js";
import { UsageError } from "./errors.js";

/** What one argument (or a part of it) is known to be. */
export type ArgType =
  | { kind: "tensor"; dtype: DType; shape: number[] }
  | { kind: "static"; value: number }
  | { kind: "object"; fields: Record<string, ArgType> }
  | { kind: "tuple"; items: (ArgType | undefined)[] }
  /** Not readable from the source (or a number, which is static): `--arg` must say. */
  | { kind: "missing"; reason: string; where?: string; isStatic?: boolean };

export interface Param {
  name: string;
  type: ArgType;
  /** Has a default or a `?`: may be left out when nothing is known about it. */
  optional: boolean;
}

export type PathPart = string | number;

export interface ArgOverride {
  text: string;
  path: PathPart[];
  type: ArgType;
}

const USAGE = "expected NAME=DTYPE[SHAPE] (e.g. x=f32[8,784] or params.w1=f32[784,128]) or NAME=NUMBER";

/** Parses one `--arg NAME=DTYPE[SHAPE]` or `--arg NAME=NUMBER`. */
export function parseArgOption(text: string): ArgOverride {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UsageError(`--arg ${text}: ${USAGE}`);
  const path = parsePath(text.slice(0, eq).trim());
  if (!path) throw new UsageError(`--arg ${text}: bad name ${JSON.stringify(text.slice(0, eq))}; ${USAGE}`);
  const value = text.slice(eq + 1).trim();
  const m = /^([A-Za-z0-9]+)\s*\[([\d\s,]*)\]$/.exec(value);
  if (m) {
    if (!isDType(m[1]!)) throw new UsageError(`--arg ${text}: unknown dtype ${JSON.stringify(m[1])} (dtypes: ${DTYPES.join(", ")})`);
    const dims = m[2]!.split(",").map((d) => d.trim()).filter((d) => d !== "");
    return { text, path, type: { kind: "tensor", dtype: m[1], shape: dims.map(Number) } };
  }
  if (value !== "" && Number.isFinite(Number(value))) return { text, path, type: { kind: "static", value: Number(value) } };
  throw new UsageError(`--arg ${text}: ${USAGE}`);
}

/** `params.w1`, `xs[0]`, `xs.0` → ["params", "w1"], ["xs", 0], ["xs", 0]. */
function parsePath(name: string): PathPart[] | undefined {
  const parts: PathPart[] = [];
  const re = /(?:^|\.)([A-Za-z_$][\w$]*)|(?:^|\.)(\d+)|\[(\d+)\]/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < name.length && (m = re.exec(name))) parts.push(m[1] ?? Number(m[2] ?? m[3]));
  return re.lastIndex === name.length && typeof parts[0] === "string" ? parts : undefined;
}

export function showPath(path: readonly PathPart[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** `type` with `value` put at `path` (creating objects and tuples where nothing was known). */
export function override(type: ArgType | undefined, path: readonly PathPart[], value: ArgType, at: PathPart[] = []): ArgType {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [PathPart, ...PathPart[]];
  const here = [...at, head];
  if (typeof head === "number") {
    const items = type?.kind === "tuple" ? [...type.items] : type === undefined || type.kind === "missing" ? [] : undefined;
    if (!items) throw new UsageError(`--arg ${showPath(here)}: ${showPath(at)} is not a tuple`);
    items[head] = override(items[head], rest, value, here);
    return { kind: "tuple", items };
  }
  const fields = type?.kind === "object" ? { ...type.fields } : type === undefined || type.kind === "missing" ? {} : undefined;
  if (!fields) throw new UsageError(`--arg ${showPath(here)}: ${showPath(at)} is not an object`);
  if (type?.kind === "object" && !(head in fields))
    throw new UsageError(`--arg ${showPath(here)}: ${showPath(at)} has no field ${JSON.stringify(head)} (fields: ${Object.keys(fields).join(", ")})`);
  fields[head] = override(fields[head], rest, value, here);
  return { kind: "object", fields };
}

/** The pytree of specs for one argument; whatever is still unknown is a usage error naming it. */
export function specTree(type: ArgType | undefined, path: PathPart[]): unknown {
  const name = showPath(path);
  if (type === undefined) throw new UsageError(`${name} has no type: pass --arg ${name}=DTYPE[SHAPE]`);
  switch (type.kind) {
    case "tensor":
      return spec(type.dtype, type.shape);
    case "static":
      return type.value;
    case "object":
      return Object.fromEntries(Object.entries(type.fields).map(([k, t]) => [k, specTree(t, [...path, k])]));
    case "tuple":
      return Array.from({ length: type.items.length }, (_, i) => specTree(type.items[i], [...path, i]));
    case "missing":
      throw new UsageError(`${type.where ? `${type.where}: ` : ""}${name}: ${type.reason}: pass --arg ${name}=${type.isStatic ? "VALUE" : "DTYPE[SHAPE]"}`);
  }
}

/** The positional arguments to trace with: parameters' types, overridden by `--arg`. */
export function traceArgs(params: Param[], overrides: ArgOverride[]): unknown[] {
  const types = new Map(params.map((p) => [p.name, p.type as ArgType | undefined]));
  for (const o of overrides) {
    const name = o.path[0] as string;
    if (!types.has(name)) throw new UsageError(`--arg ${o.text}: the function has no parameter ${JSON.stringify(name)} (parameters: ${params.map((p) => p.name).join(", ") || "none"})`);
    types.set(name, override(types.get(name), o.path.slice(1), o.type, [name]));
  }
  // Trailing optional parameters nobody described are left out, so their defaults apply.
  let n = params.length;
  while (n > 0 && params[n - 1]!.optional && types.get(params[n - 1]!.name)?.kind === "missing") n--;
  return params.slice(0, n).map((p) => specTree(types.get(p.name), [p.name]));
}
