// The scalify pass: every floating tensor that carries a scale becomes two variables, data and
// an f32 scalar scale; rules (scalify-rules.ts) propagate scales through every equation. Equations
// whose operands are all plain stay as they are ("plain sub-graphs stay plain").
import { isFloat, type DType } from "../../ir/dtype.js";
import { ValidationError } from "../../ir/errors.js";
import { Literal, Program, type Atom, type Var } from "../../ir/program.js";
import type { Primitive } from "../../ir/primitives/catalogue.js";
import type { TreeDef } from "../../ir/tree.js";
import { roundScalar } from "../../runtime/numerics/codec.js";
import { Tensor } from "../../runtime/tensor.js";
import { bind, withCallSite, withTrace, type Operand, type Tracer } from "../tracer.js";
import { resolveConfig, type ScalifyConfig } from "./config.js";
import { PLAIN_ONLY, SCALIFY_RULES } from "./scalify-rules.js";
import { plain, scaled, type SVal } from "./scaled.js";
import { unitScaling, type ScalingStrategy } from "./strategy.js";
import type { RuleFn } from "./rule-types.js";

export interface ScalifyOptions {
  /** Plain inputs (by index or input name) to turn into scaled pairs; a new scale input follows each. */
  scaledInputs?: (number | string)[];
  config?: Partial<ScalifyConfig>;
}

/** Primitives whose rule runs even on plain operands (they introduce scaling). */
const ALWAYS_RULE = new Set<Primitive>(["set_scaling"]);

/** A static value survives these primitives unchanged (a broadcast or reshape of a literal). */
const KEEPS_STATIC = new Set<Primitive>(["broadcast_in_dim", "reshape", "squeeze", "expand_dims", "transpose"]);

/** The constant every element of a plain result has, when its operand is static and the op keeps that. */
function staticOf(prim: Primitive, params: unknown, ins: SVal[]): number | undefined {
  const first = ins[0];
  if (ins.length !== 1 || first?.kind !== "plain" || first.static === undefined) return undefined;
  if (KEEPS_STATIC.has(prim)) return first.static;
  // A cast to a float keeps a static value, rounded (0 and ±inf survive every float format but e4m3fn's inf).
  const p = params as { new_dtype?: DType; saturate?: boolean };
  if (prim === "convert_element_type" && p.new_dtype && isFloat(p.new_dtype)) return roundScalar(first.static, p.new_dtype, p.saturate);
  return undefined;
}

const asTensor = (c: { dtype: Tensor["dtype"]; shape: readonly number[]; storage: unknown }): Tensor =>
  c instanceof Tensor ? c : new Tensor(c.dtype, c.shape, c.storage as never);

/** Run the equations of `p` on scaled/plain values inside the current trace. */
export function scalifyBody(p: Program, inputs: SVal[], strategy: ScalingStrategy): SVal[] {
  const env = new Map<Var, SVal>();
  p.inputs.forEach((v, i) => env.set(v, inputs[i]!));
  for (const c of p.constants) env.set(c.variable, plain(asTensor(c.value)));
  const read = (a: Atom): SVal => (a instanceof Literal ? plain(a, a.value) : env.get(a)!);

  for (const e of p.equations) {
    const ins = e.inputs.map(read);
    const outs = withCallSite(e.callSite, (): SVal[] => {
      if (ins.every((v) => v.kind === "plain") && !ALWAYS_RULE.has(e.primitive)) {
        const res = bind(e.primitive, e.params as never, ins.map((v) => (v as { x: Operand }).x));
        return res.map((t) => plain(t, staticOf(e.primitive, e.params, ins)));
      }
      const rule = SCALIFY_RULES[e.primitive];
      if (rule === PLAIN_ONLY) throw new ValidationError(`scalify: ${e.primitive} has no scaled rule (its operands must be plain)`, e.callSite ?? e.primitive);
      return (rule as RuleFn<unknown>)({
        params: e.params,
        inputs: ins,
        outAvals: e.outputs.map((v) => v.aval),
        strategy,
        emit: (operands) => bind(e.primitive, e.params as never, operands),
        inline: (q, qIns) => scalifyBody(q, qIns, strategy),
      });
    });
    e.outputs.forEach((v, i) => env.set(v, outs[i]!));
  }
  return p.outputs.map(read);
}

/** Replace leaf `i` (in flatten order) of a tree by `f(i)`. */
function mapLeaves(t: TreeDef, f: (i: number) => TreeDef): TreeDef {
  let i = 0;
  const walk = (n: TreeDef): TreeDef => {
    switch (n.kind) {
      case "leaf":
        return f(i++);
      case "none":
        return n;
      case "array":
        return { kind: "array", children: n.children.map(walk) };
      case "object":
        return { kind: "object", keys: n.keys, children: n.children.map(walk) };
      case "node":
        return { kind: "node", type: n.type, children: n.children.map(walk) };
    }
  };
  return walk(t);
}

const PAIR: TreeDef = { kind: "node", type: "ScaledArray", children: [{ kind: "leaf" }, { kind: "leaf" }] };

/** Input indices that are the data / scale leaves of ScaledArray nodes of the in-tree. */
function scaledPairs(t: TreeDef): Map<number, number> {
  const pairs = new Map<number, number>();
  let i = 0;
  const walk = (n: TreeDef): void => {
    if (n.kind === "leaf") i++;
    else if (n.kind === "node" && n.type === "ScaledArray" && n.children.every((c) => c.kind === "leaf")) {
      pairs.set(i, i + 1);
      i += 2;
    } else if (n.kind !== "none") n.children.forEach(walk);
  };
  walk(t);
  return pairs;
}

/**
 * `passes.scalify`: ScaledArray nodes of the in-tree (a data and a scale input) become scaled
 * values, as do the plain inputs named in `scaledInputs` (each gains a scale input). Scaled
 * outputs come back as ScaledArray nodes of the out-tree.
 */
export function scalifyProgram(p: Program, opts: ScalifyOptions = {}): Program {
  const strategy = unitScaling(resolveConfig(opts.config));
  const pairs = scaledPairs(p.inTree);
  const extra = new Set(
    (opts.scaledInputs ?? []).map((s) => {
      const i = typeof s === "number" ? s : p.inputNames.indexOf(s);
      if (!(i >= 0 && i < p.inputs.length)) throw new ValidationError(`no input ${JSON.stringify(s)}`, "scaledInputs");
      if (!isFloat(p.inputs[i]!.dtype)) throw new ValidationError(`input ${p.inputNames[i]} is not a float and cannot be scaled`, "scaledInputs");
      return i;
    }),
  );
  return withTrace((b) => {
    const names: string[] = [];
    const vals: SVal[] = [];
    const scaleOf = new Map<number, Tracer>();
    p.inputs.forEach((v, i) => {
      const t = b.newInput(v.aval);
      names.push(extra.has(i) ? `${p.inputNames[i]}.data` : p.inputNames[i]!);
      if (extra.has(i)) {
        scaleOf.set(i, b.newInput({ dtype: "f32", shape: [] }));
        names.push(`${p.inputNames[i]}.scale`);
      }
      vals.push(plain(t));
    });
    const ins = vals.map((v, i): SVal => {
      if (extra.has(i)) return scaled((v as { x: Operand }).x, scaleOf.get(i)!);
      for (const [d, s] of pairs) {
        if (i === d) return scaled((v as { x: Operand }).x, (vals[s] as { x: Operand }).x);
        if (i === s) return v;
      }
      return v;
    });
    const outs = scalifyBody(p, ins, strategy);
    const flat: Operand[] = [];
    const outTree = mapLeaves(p.outTree, (i) => {
      const o = outs[i]!;
      if (o.kind === "plain") {
        flat.push(o.x);
        return { kind: "leaf" };
      }
      flat.push(o.data, o.scale);
      return PAIR;
    });
    const inTree = mapLeaves(p.inTree, (i) => (extra.has(i) ? PAIR : { kind: "leaf" }));
    return b.finish(flat, names, inTree, outTree, p.name.startsWith("scalify_") ? p.name : `scalify_${p.name}`).program;
  });
}
