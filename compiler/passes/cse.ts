// Common-subexpression elimination: an equation equal to an earlier one (same primitive, params
// and operands) reuses the earlier outputs. Equal constants (same dtype, shape and bytes) merge.
import { Literal, Program, type Atom, type Constant, type Equation, type Var } from "../../ir/program.js";
import { mapNestedPrograms } from "./nested.js";

const programIds = new WeakMap<Program, number>();
let nextProgramId = 0;

/** Params as a string; object keys sorted, so equal params built in another key order match. */
function paramsKey(params: unknown): string {
  return JSON.stringify(params, (_k, v: unknown) => {
    if (v instanceof Program) {
      if (!programIds.has(v)) programIds.set(v, nextProgramId++);
      return `<program ${programIds.get(v)}>`;
    }
    if (typeof v === "number" && !Number.isFinite(v)) return String(v);
    if (v !== null && typeof v === "object" && !Array.isArray(v))
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
    return v;
  });
}

/**
 * Nested programs are cleaned once per program object, so equations that shared a body still
 * share it afterwards (and still merge: their params key names the program by identity).
 */
const cleanedBodies = new WeakMap<Program, Program>();
function cseNested(p: Program): Program {
  let q = cleanedBodies.get(p);
  if (!q) {
    q = cse(p);
    cleanedBodies.set(p, q);
  }
  return q;
}

function constKey(c: Constant): string {
  const s = c.value.storage;
  const bytes = new Uint8Array(s.buffer, s.byteOffset, s.byteLength);
  return `${c.value.dtype}[${c.value.shape.join(",")}]:${Buffer.from(bytes).toString("base64")}`;
}

export function cse(p: Program): Program {
  const ids = new Map<Var, number>();
  const rename = new Map<Var, Var>();
  p.inputs.forEach((v) => ids.set(v, ids.size));
  const constants: Constant[] = [];
  const seenConst = new Map<string, Var>();
  for (const c of p.constants) {
    const key = constKey(c);
    const prev = seenConst.get(key);
    if (prev) rename.set(c.variable, prev);
    else {
      seenConst.set(key, c.variable);
      ids.set(c.variable, ids.size);
      constants.push(c);
    }
  }
  const sub = (a: Atom): Atom => (a instanceof Literal ? a : (rename.get(a) ?? a));
  const atomKey = (a: Atom) => (a instanceof Literal ? `${Object.is(a.value, -0) ? "-0" : a.value}:${a.dtype}` : `%${ids.get(a)}`);
  const seen = new Map<string, Var[]>();
  const equations: Equation[] = [];
  for (const e0 of p.equations) {
    const e = mapNestedPrograms({ ...e0, inputs: e0.inputs.map(sub) }, cseNested);
    const key = `${e.primitive}|${paramsKey(e.params)}|${e.inputs.map(atomKey).join(",")}`;
    const prev = seen.get(key);
    if (prev) {
      e.outputs.forEach((v, i) => rename.set(v, prev[i]!));
      continue;
    }
    seen.set(key, e.outputs);
    e.outputs.forEach((v) => ids.set(v, ids.size));
    equations.push(e);
  }
  return p.with({ constants, equations, outputs: p.outputs.map(sub) });
}
