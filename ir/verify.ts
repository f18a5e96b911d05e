// The IR verifier (DESIGN.md "The IR"): SSA definitions, arity, params schemas, shape rules,
// literals, constants, tree structure; nested programs recursively. Passes run it in tests.
import { isDType, storageMatches } from "./dtype.js";
import { VerifyError } from "./errors.js";
import { arityProblem, avalProblem, checkParams, literalProblem, outputsProblem, runRule } from "./check.js";
import { isPrimitive } from "./primitives/catalogue.js";
import { Literal, Program, Var, type Atom, type Equation } from "./program.js";
import { avalToString, shapeEquals, size } from "./shape.js";
import { numLeaves, type TreeDef } from "./tree.js";

const MAX_DEPTH = 200;

/** Throws VerifyError naming the first broken invariant (and its equation, primitive and call site). */
export function verify(p: Program): void {
  const problem = programProblem(p, 0);
  if (problem) throw typeof problem === "string" ? new VerifyError(problem) : problem;
}

/** The first broken invariant, as a message (program-level) or a VerifyError (equation-level). */
function programProblem(p: Program, depth: number): string | VerifyError | undefined {
  if (!(p instanceof Program)) return "not a Program";
  if (depth > MAX_DEPTH) return `programs nested deeper than ${MAX_DEPTH}`;
  if (typeof p.name !== "string") return "the program name must be a string";
  const inTree = treeProblem(p.inTree, 0);
  if (inTree) return `in_tree: ${inTree}`;
  const outTree = treeProblem(p.outTree, 0);
  if (outTree) return `out_tree: ${outTree}`;
  if (!p.inputNames.every((n) => typeof n === "string")) return "input names must be strings";
  if (p.inputNames.length !== p.inputs.length) return `${p.inputNames.length} input names for ${p.inputs.length} inputs`;
  if (numLeaves(p.inTree) !== p.inputs.length) return `in_tree has ${numLeaves(p.inTree)} leaves, the program has ${p.inputs.length} inputs`;
  if (numLeaves(p.outTree) !== p.outputs.length) return `out_tree has ${numLeaves(p.outTree)} leaves, the program has ${p.outputs.length} outputs`;

  const defined = new Set<Var>();
  for (let i = 0; i < p.inputs.length; i++) {
    const bad = defineProblem(p.inputs[i], `input ${i}`, defined);
    if (bad) return bad;
  }
  for (let i = 0; i < p.constants.length; i++) {
    const c = p.constants[i]!;
    const bad = defineProblem(c.variable, `constant ${i}`, defined);
    if (bad) return bad;
    const { dtype, shape, storage } = c.value;
    if (dtype !== c.variable.dtype || !Array.isArray(shape) || !shapeEquals(shape, c.variable.shape))
      return `constant ${i} holds ${String(dtype)}[${String(shape)}], its variable is ${avalToString(c.variable.aval)}`;
    if (!storageMatches(dtype, storage) || storage.length !== size(shape)) return `constant ${i}: storage does not hold ${size(shape)} ${dtype} values`;
  }
  for (let i = 0; i < p.equations.length; i++) {
    const e = p.equations[i]!;
    const bad = equationProblem(e, defined, depth);
    if (bad) return new VerifyError(bad, i, typeof e.primitive === "string" ? e.primitive : undefined, e.callSite);
  }
  for (let k = 0; k < p.outputs.length; k++) {
    const bad = atomProblem(p.outputs[k]!, defined, `program output ${k}`);
    if (bad) return bad;
  }
  return undefined;
}

function equationProblem(e: Equation, defined: Set<Var>, depth: number): string | undefined {
  const prim = e.primitive as string;
  if (typeof prim !== "string" || !isPrimitive(prim)) return `unknown primitive ${JSON.stringify(prim)}`;
  for (let k = 0; k < e.inputs.length; k++) {
    const bad = atomProblem(e.inputs[k]!, defined, `operand ${k}`);
    if (bad) return bad;
  }
  const arity = arityProblem(prim, e.inputs.length);
  if (arity) return arity;
  const checked = checkParams(prim, e.params);
  if (!checked.ok) return checked.detail;
  for (const [key, nested] of programsIn(e.params)) {
    const bad = programProblem(nested, depth + 1);
    if (bad) return `in ${key}: ${typeof bad === "string" ? bad : bad.message}`;
  }
  const rule = runRule(prim, e.params, e.inputs.map((a) => a.aval));
  if (typeof rule === "string") return rule;
  const mismatch = outputsProblem(
    e.outputs.map((v) => v.aval),
    rule,
  );
  if (mismatch) return mismatch.detail;
  for (let k = 0; k < e.outputs.length; k++) {
    const bad = defineProblem(e.outputs[k], `output ${k}`, defined);
    if (bad) return bad;
  }
  return undefined;
}

function defineProblem(v: unknown, what: string, defined: Set<Var>): string | undefined {
  if (!(v instanceof Var)) return `${what} is not a Var`;
  const bad = avalProblem(v.aval);
  if (bad) return `${what}: ${bad}`;
  if (defined.has(v)) return `${what} is defined twice`;
  defined.add(v);
  return undefined;
}

function atomProblem(a: Atom, defined: Set<Var>, what: string): string | undefined {
  if (a instanceof Var) return defined.has(a) ? undefined : `${what} uses a variable that is not defined before it`;
  if (!(a instanceof Literal)) return `${what} is neither a Var nor a Literal`;
  if (!isDType(a.dtype)) return `${what}: unknown literal dtype ${String(a.dtype)}`;
  if (a.aval.shape.length !== 0) return `${what}: literals are rank 0`;
  const bad = literalProblem(a.value, a.dtype);
  return bad ? `${what}: ${bad}` : undefined;
}

/** Nested programs among the params (custom_vjp's call, fwd, bwd), with their param key. */
function programsIn(params: unknown): [string, Program][] {
  if (typeof params !== "object" || params === null) return [];
  return Object.entries(params).filter((kv): kv is [string, Program] => kv[1] instanceof Program);
}

/** Node types must read back as identifiers in the text form. */
const NODE_TYPE = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function treeProblem(t: TreeDef, depth: number): string | undefined {
  if (depth > MAX_DEPTH) return `nested deeper than ${MAX_DEPTH}`;
  if (typeof t !== "object" || t === null) return "not a tree";
  switch (t.kind) {
    case "leaf":
    case "none":
      return undefined;
    case "object":
      if (!Array.isArray(t.keys) || !t.keys.every((k) => typeof k === "string")) return "object keys must be strings";
      if (!Array.isArray(t.children) || t.keys.length !== t.children.length) return "an object needs one child per key";
      break;
    case "node":
      if (typeof t.type !== "string" || !NODE_TYPE.test(t.type)) return `node type ${JSON.stringify(t.type)} is not an identifier`;
      break;
    case "array":
      break;
    default:
      return `unknown tree kind ${JSON.stringify((t as { kind: unknown }).kind)}`;
  }
  if (!Array.isArray(t.children)) return "children must be an array";
  for (const c of t.children) {
    const problem = treeProblem(c, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}
