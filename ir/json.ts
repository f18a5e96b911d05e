// The JSON form of a program (docs/ir-format.md "JSON form"): plain data, validated by zod on the
// way in and never eval'ed. Errors are ValidationErrors whose `path` names the bad field.
import { z } from "zod";
import { DTYPES, type DType } from "./dtype.js";
import { ValidationError } from "./errors.js";
import { arityProblem, checkParams, formatPath, literalProblem, outputsProblem, runRule, type PathPart } from "./check.js";
import { isPrimitive, type Params, type Primitive } from "./primitives/catalogue.js";
import { Literal, Program, Var, type Atom, type Constant, type Equation } from "./program.js";
import { size } from "./shape.js";
import { storageFromBase64, storageToBase64 } from "./storage-codec.js";
import { NameGenerator, numberToJSON, specialNumberFromJSON } from "./syntax.js";
import { numLeaves, type TreeDef } from "./tree.js";

export const IR_FORMAT = "scalify-ir";
export const IR_VERSION = 1;

/** A variable by its canonical name, or a typed literal (non-finite values and −0 as strings). */
export type AtomJSON = string | { literal: number | string; dtype: DType };
export interface VarJSON {
  var: string;
  dtype: DType;
  shape: number[];
}
export interface ProgramBodyJSON {
  name: string;
  inputs: (VarJSON & { label: string })[];
  inTree: TreeDef;
  outTree: TreeDef;
  constants: (VarJSON & { data: string })[];
  equations: { primitive: string; params: Record<string, unknown>; inputs: AtomJSON[]; outputs: VarJSON[] }[];
  outputs: AtomJSON[];
}
export interface ProgramJSON {
  format: typeof IR_FORMAT;
  version: typeof IR_VERSION;
  program: ProgramBodyJSON;
}

// ---- encoding ----

export function toJSON(p: Program): ProgramJSON {
  return { format: IR_FORMAT, version: IR_VERSION, program: bodyToJSON(p) };
}

function bodyToJSON(p: Program): ProgramBodyJSON {
  // Same names as the printer: definition order, fresh per program.
  const names = new Map<Var, string>();
  const gen = new NameGenerator();
  const name = (v: Var) => {
    let n = names.get(v);
    if (n === undefined) names.set(v, (n = gen.fresh()));
    return n;
  };
  const varJSON = (v: Var): VarJSON => ({ var: name(v), dtype: v.dtype, shape: [...v.shape] });
  const atom = (a: Atom): AtomJSON => (a instanceof Literal ? { literal: numberToJSON(a.value), dtype: a.dtype } : name(a));
  return {
    name: p.name,
    inputs: p.inputs.map((v, i) => ({ ...varJSON(v), label: p.inputNames[i] ?? "" })),
    inTree: structuredClone(p.inTree),
    outTree: structuredClone(p.outTree),
    constants: p.constants.map((c) => ({ ...varJSON(c.variable), data: storageToBase64(c.value.dtype, c.value.storage) })),
    equations: p.equations.map((e) => ({
      primitive: e.primitive,
      params: paramToJSON(e.params) as Record<string, unknown>,
      inputs: e.inputs.map(atom),
      outputs: e.outputs.map(varJSON),
    })),
    outputs: p.outputs.map(atom),
  };
}

function paramToJSON(v: unknown): unknown {
  if (typeof v === "number") return numberToJSON(v);
  if (Array.isArray(v)) return v.map(paramToJSON);
  if (v instanceof Program) return { $program: bodyToJSON(v) };
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, paramToJSON(x)]));
  return v === undefined ? null : v;
}

// ---- decoding ----

const zVarName = z.string().min(1);
const zDType = z.enum(DTYPES);
const zShape = z.array(z.number().int().nonnegative());
const zAtom = z.union([zVarName, z.object({ literal: z.union([z.number(), z.string()]), dtype: zDType }).strict()]);
const zVar = { var: zVarName, dtype: zDType, shape: zShape };
const zBody = z
  .object({
    name: z.string(),
    inputs: z.array(z.object({ ...zVar, label: z.string() }).strict()),
    inTree: z.unknown(),
    outTree: z.unknown(),
    constants: z.array(z.object({ ...zVar, data: z.string() }).strict()),
    equations: z.array(
      z
        .object({
          primitive: z.string(),
          // Not z.record: that would drop a "__proto__" key instead of reporting it.
          params: z.custom<object>((v) => typeof v === "object" && v !== null && !Array.isArray(v), { message: "expected an object" }),
          inputs: z.array(zAtom),
          outputs: z.array(z.object(zVar).strict()),
        })
        .strict(),
    ),
    outputs: z.array(zAtom),
  })
  .strict();
const zDocument = z.object({ format: z.literal(IR_FORMAT), version: z.literal(IR_VERSION), program: z.unknown() }).strict();
const zTreeNode = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("leaf") }).strict(),
  z.object({ kind: z.literal("none") }).strict(),
  z.object({ kind: z.literal("array"), children: z.array(z.unknown()) }).strict(),
  z.object({ kind: z.literal("object"), keys: z.array(z.string()), children: z.array(z.unknown()) }).strict(),
  z.object({ kind: z.literal("node"), type: z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/), children: z.array(z.unknown()) }).strict(),
]);

/** Nesting limit (trees, params, nested programs), so hostile input cannot overflow the stack. */
const MAX_DEPTH = 200;

/**
 * A field's path as a linked list, extended in O(1) per step and only turned into text when a
 * field is bad (building arrays for every field of a valid document was most of fromJSON's time).
 */
interface Path {
  readonly up: Path | undefined;
  readonly key: PathPart;
}
type At = Path | undefined;

function sub(at: At, key: PathPart, key2?: PathPart): Path {
  const p = { up: at, key };
  return key2 === undefined ? p : { up: p, key: key2 };
}

function fail(at: At, detail: string): never {
  const parts: PathPart[] = [];
  for (let p = at; p; p = p.up) parts.unshift(p.key);
  throw new ValidationError(detail, formatPath(parts) || "<root>");
}

function check<T>(schema: z.ZodType<T>, value: unknown, path: At): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const at = issue.path.reduce<At>((p, k) => sub(p, typeof k === "number" ? k : String(k)), path);
  if (issue.code === "unrecognized_keys" && issue.keys.length > 0) return fail(sub(at, issue.keys[0]!), "unknown field");
  return fail(at, issue.message);
}

/** Throws only ValidationError. */
export function fromJSON(obj: unknown): Program {
  try {
    const doc = check(zDocument, obj, undefined);
    return bodyFromJSON(doc.program, sub(undefined, "program"), 0);
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    // Not expected (the fuzz test looks for it); keep the one-error-type promise anyway.
    throw new ValidationError(`internal error: ${e instanceof Error ? e.message : String(e)}`, "<root>");
  }
}

function bodyFromJSON(value: unknown, path: At, depth: number): Program {
  if (depth > MAX_DEPTH) fail(path, `programs nested deeper than ${MAX_DEPTH}`);
  const b = check(zBody, value, path);
  const inTree = treeFromJSON(b.inTree, sub(path, "inTree"), 0);
  const outTree = treeFromJSON(b.outTree, sub(path, "outTree"), 0);
  const scope = new Map<string, Var>();
  const define = (v: { var: string; dtype: DType; shape: number[] }, at: At) => {
    if (scope.has(v.var)) fail(sub(at, "var"), `redefinition of variable '${v.var}'`);
    const x = new Var({ dtype: v.dtype, shape: v.shape });
    scope.set(v.var, x);
    return x;
  };
  const inputs = b.inputs.map((v, i) => define(v, sub(path, "inputs", i)));
  if (numLeaves(inTree) !== inputs.length) fail(sub(path, "inTree"), `has ${numLeaves(inTree)} leaves, the program has ${inputs.length} inputs`);
  const constants: Constant[] = b.constants.map((c, i) => {
    const at = sub(path, "constants", i);
    const storage = storageFromBase64(c.dtype, size(c.shape), c.data);
    if (typeof storage === "string") fail(sub(at, "data"), storage);
    return { variable: define(c, at), value: { dtype: c.dtype, shape: c.shape, storage } };
  });
  const atom = (a: z.infer<typeof zAtom>, at: At): Atom => {
    if (typeof a === "string") return scope.get(a) ?? fail(at, `undefined variable '${a}'`);
    const v = typeof a.literal === "number" ? a.literal : specialNumberFromJSON(a.literal);
    if (v === undefined) fail(sub(at, "literal"), `expected a number or "nan", "inf", "-inf", "-0.0", got ${JSON.stringify(a.literal)}`);
    const problem = literalProblem(v, a.dtype);
    if (problem) fail(sub(at, "literal"), problem);
    return new Literal(v, a.dtype);
  };
  const equations: Equation[] = b.equations.map((e, i) => {
    const at = sub(path, "equations", i);
    if (!isPrimitive(e.primitive)) fail(sub(at, "primitive"), `unknown primitive '${e.primitive}'`);
    const prim: Primitive = e.primitive;
    const ins = e.inputs.map((a, k) => atom(a, sub(at, "inputs", k)));
    const arity = arityProblem(prim, ins.length);
    if (arity) fail(sub(at, "inputs"), `${prim} ${arity}`);
    const raw = paramFromJSON(e.params, sub(at, "params"), depth);
    const checked = checkParams(prim, raw);
    if (!checked.ok) fail(checked.path.reduce<Path>((p, k) => sub(p, k), sub(at, "params")), checked.detail);
    const rule = runRule(prim, checked.params, ins.map((a) => a.aval));
    if (typeof rule === "string") fail(at, `${prim}: ${rule}`);
    const mismatch = outputsProblem(
      e.outputs.map((v) => ({ dtype: v.dtype, shape: v.shape })),
      rule,
    );
    if (mismatch) fail(e.outputs.length > 0 ? sub(at, "outputs", mismatch.index) : sub(at, "outputs"), `${prim}: ${mismatch.detail}`);
    const outputs = e.outputs.map((v, k) => define(v, sub(at, "outputs", k)));
    return { primitive: prim, params: checked.params as Params<Primitive>, inputs: ins, outputs };
  });
  const outputs = b.outputs.map((a, k) => atom(a, sub(path, "outputs", k)));
  if (numLeaves(outTree) !== outputs.length) fail(sub(path, "outTree"), `has ${numLeaves(outTree)} leaves, the program has ${outputs.length} outputs`);
  return new Program(inputs, constants, equations, outputs, b.inputs.map((v) => v.label), inTree, outTree, b.name);
}

function treeFromJSON(value: unknown, path: At, depth: number): TreeDef {
  if (depth > MAX_DEPTH) fail(path, `tree nested deeper than ${MAX_DEPTH}`);
  const t = check(zTreeNode, value, path);
  switch (t.kind) {
    case "leaf":
    case "none":
      return { kind: t.kind };
    case "object":
      if (t.keys.length !== t.children.length) fail(sub(path, "keys"), `${t.keys.length} keys for ${t.children.length} children`);
      return { kind: "object", keys: t.keys, children: t.children.map((c, i) => treeFromJSON(c, sub(path, "children", i), depth + 1)) };
    case "array":
      return { kind: "array", children: t.children.map((c, i) => treeFromJSON(c, sub(path, "children", i), depth + 1)) };
    case "node":
      return { kind: "node", type: t.type, children: t.children.map((c, i) => treeFromJSON(c, sub(path, "children", i), depth + 1)) };
  }
}

/**
 * Params back to values: the special number strings become numbers (so a string param spelled
 * "nan", "inf", "-inf" or "-0.0" cannot be represented; no primitive has one), `{"$program": …}`
 * becomes a nested program; everything else is checked by the primitive's own schema afterwards.
 */
function paramFromJSON(v: unknown, path: At, depth: number): unknown {
  if (depth > MAX_DEPTH) fail(path, `params nested deeper than ${MAX_DEPTH}`);
  if (typeof v === "string") return specialNumberFromJSON(v) ?? v;
  if (Array.isArray(v)) return v.map((x, i) => paramFromJSON(x, sub(path, i), depth + 1));
  if (typeof v === "object" && v !== null) {
    const entries = Object.entries(v);
    if (entries.length === 1 && entries[0]![0] === "$program") return bodyFromJSON(entries[0]![1], sub(path, "$program"), depth + 1);
    return Object.fromEntries(entries.map(([k, x]) => [k, paramFromJSON(x, sub(path, k), depth + 1)]));
  }
  return v;
}
