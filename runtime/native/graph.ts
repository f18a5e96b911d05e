// The first lowering steps, on a flat list of nodes: custom_vjp bodies are inlined (a native plan
// runs one flat program; the forward of jax.custom_vjp is its body), and a multiplication by a
// rank-0 f32 scale is folded into the dot_general or reduce_sum that produces its other operand
// (so a scalified program costs little more than the plain one), and a cast to fp8 read only by
// matmuls is folded into them (foldCasts). All keep the reference semantics: the fold computes
// fround(sum · s) exactly as mul(sum, s) does on an f32 sum, and a folded cast rounds the
// matmul's operand elements exactly as the cast would have.
import { isFloat } from "../../ir/dtype.js";
import type { Primitive } from "../../ir/primitives/catalogue.js";
import { isVar, Literal, Var, type Atom, type Constant, type Program } from "../../ir/program.js";
import { shapeEquals } from "../../ir/shape.js";

/**
 * An equation after inlining: params are the primitive's (plus `alpha` for a folded scale,
 * `lhs_round` / `rhs_round` for folded casts).
 */
export interface Node {
  readonly prim: Primitive;
  readonly params: Record<string, unknown>;
  readonly inputs: Atom[];
  readonly outputs: Var[];
  /** Runs only when casts are counted; nothing reads its outputs (a folded cast, kept for its counts). */
  readonly countOnly?: boolean;
}

export interface FlatProgram {
  readonly inputs: Var[];
  readonly constants: Constant[];
  readonly nodes: Node[];
  readonly outputs: Atom[];
}

/** Scaling primitives whose outputs on a plain tensor are their operand (ir/primitives/scaling.ts). */
const IDENTITY: ReadonlySet<Primitive> = new Set<Primitive>(["set_scaling", "rebalance", "dynamic_rescale", "lazy_rescale"]);

/**
 * Inlines every custom_vjp call (recursively; nested programs get fresh variables per call
 * site) and replaces the value-preserving scaling primitives by their operand
 * (get_data_scale: the operand and the literal 1).
 */
export function flatten(program: Program): FlatProgram {
  const constants: Constant[] = [...program.constants];
  const nodes: Node[] = [];
  const inline = (p: Program, env: Map<Var, Atom>, fresh: boolean): Atom[] => {
    const sub = (a: Atom): Atom => (isVar(a) ? (env.get(a) ?? a) : a);
    if (fresh) {
      for (const c of p.constants) {
        const v = new Var(c.variable.aval);
        env.set(c.variable, v);
        constants.push({ variable: v, value: c.value });
      }
    }
    for (const eq of p.equations) {
      const ins = eq.inputs.map(sub);
      if (eq.primitive === "custom_vjp") {
        const body = (eq.params as { call: Program }).call;
        const benv = new Map<Var, Atom>();
        body.inputs.forEach((v, i) => benv.set(v, ins[i]!));
        const outs = inline(body, benv, true);
        eq.outputs.forEach((o, j) => env.set(o, outs[j]!));
        continue;
      }
      if (IDENTITY.has(eq.primitive)) {
        env.set(eq.outputs[0]!, ins[0]!);
        continue;
      }
      if (eq.primitive === "get_data_scale") {
        env.set(eq.outputs[0]!, ins[0]!);
        env.set(eq.outputs[1]!, new Literal(1, "f32"));
        continue;
      }
      const outs = fresh
        ? eq.outputs.map((o) => {
            const v = new Var(o.aval);
            env.set(o, v);
            return v;
          })
        : eq.outputs;
      nodes.push({ prim: eq.primitive, params: eq.params as Record<string, unknown>, inputs: ins, outputs: outs });
    }
    return p.outputs.map(sub);
  };
  const outputs = inline(program, new Map(), false);
  return { inputs: program.inputs, constants, nodes, outputs };
}

/** How many times each variable is read (by nodes and as a program output). */
export function useCounts(nodes: readonly Node[], outputs: readonly Atom[]): Map<Var, number> {
  const uses = new Map<Var, number>();
  const use = (a: Atom) => {
    if (isVar(a)) uses.set(a, (uses.get(a) ?? 0) + 1);
  };
  for (const n of nodes) n.inputs.forEach(use);
  outputs.forEach(use);
  return uses;
}

/** dot_general with an f32 result of float operands, or reduce_sum of f32: a scale can be folded in. */
function takesScale(n: Node): boolean {
  if (n.params.alpha) return false;
  const out = n.outputs[0]!;
  if (out.dtype !== "f32") return false;
  if (n.prim === "dot_general") return n.inputs[0]!.dtype !== "i32";
  return n.prim === "reduce_sum";
}

/**
 * Folds `mul(x, s)` / `mul(s, x)` — s a rank-0 f32, x the single-use result of a foldable
 * producer with x's shape — into the producer, which then takes s as an extra operand and
 * moves to the mul's place (its other operands are defined earlier still). Returns the count.
 */
export function foldScales(flat: FlatProgram): { nodes: Node[]; folded: number } {
  const uses = useCounts(flat.nodes, flat.outputs);
  const producer = new Map<Var, number>();
  flat.nodes.forEach((n, i) => n.outputs.forEach((o) => producer.set(o, i)));
  const nodes: (Node | undefined)[] = [...flat.nodes];
  let folded = 0;
  flat.nodes.forEach((m, i) => {
    if (m.prim !== "mul" || m.outputs[0]!.dtype !== "f32") return;
    const [a, b] = m.inputs as [Atom, Atom];
    for (const [x, s] of [
      [a, b],
      [b, a],
    ] as const) {
      if (!isVar(x) || uses.get(x) !== 1 || s.shape.length !== 0 || s.dtype !== "f32") continue;
      if (!shapeEquals(x.shape, m.outputs[0]!.shape)) continue;
      const p = producer.get(x);
      const d = p === undefined ? undefined : nodes[p];
      if (p === undefined || !d || !takesScale(d)) continue;
      nodes[p] = undefined;
      nodes[i] = { prim: d.prim, params: { ...d.params, alpha: true }, inputs: [...d.inputs, s], outputs: m.outputs };
      folded++;
      return;
    }
  });
  return { nodes: nodes.filter((n): n is Node => n !== undefined), folded };
}

/** The rounding a folded cast leaves on a dot_general operand (the dot_general kernel's `lhs_round`). */
export interface FoldedRounding {
  dtype: "f8e4m3fn" | "f8e5m2";
  saturate: boolean;
}

/**
 * Folds `c = convert_element_type(x)` to an fp8 format, when every reader of c is a dot_general
 * reading it as an operand and c is not a program output: the dot_generals read x with
 * `lhs_round` / `rhs_round` and the gemm rounds the elements as it packs them, so the cast's pass
 * over memory goes (an fp8 recipe casts every matmul input). The cast stays as a count-only node,
 * just before its first reader (x is live there anyway), so counted runs count it as before.
 */
export function foldCasts(nodes: readonly Node[], outputs: readonly Atom[]): { nodes: Node[]; folded: number } {
  const readers = new Map<Var, Node[]>();
  for (const n of nodes) for (const a of new Set(n.inputs)) if (isVar(a)) (readers.get(a) ?? readers.set(a, []).get(a)!).push(n);
  const results = new Set(outputs.filter(isVar));
  const folds = new Map<Var, { source: Var; rounding: FoldedRounding; cast: Node }>();
  for (const n of nodes) {
    const c = n.outputs[0]!;
    const x = n.inputs[0]!;
    if (n.prim !== "convert_element_type" || (c.dtype !== "f8e4m3fn" && c.dtype !== "f8e5m2")) continue;
    if (!isVar(x) || !isFloat(x.dtype) || results.has(c)) continue;
    const rs = readers.get(c) ?? [];
    // Read as an operand (positions 0 and 1), never as a folded scale (position 2).
    if (rs.length === 0 || !rs.every((r) => r.prim === "dot_general" && r.inputs.lastIndexOf(c) < 2)) continue;
    folds.set(c, { source: x, rounding: { dtype: c.dtype, saturate: n.params.saturate === true }, cast: n });
  }
  const out: Node[] = [];
  const placed = new Set<Var>();
  for (const n of nodes) {
    if (n.prim === "convert_element_type" && folds.has(n.outputs[0]!)) continue;
    if (n.prim !== "dot_general") {
      out.push(n);
      continue;
    }
    const [l, r] = n.inputs as [Atom, Atom];
    const lf = isVar(l) ? folds.get(l) : undefined;
    const rf = isVar(r) ? folds.get(r) : undefined;
    for (const [v, f] of [
      [l, lf],
      [r, rf],
    ] as const) {
      if (!f || placed.has(v as Var)) continue;
      placed.add(v as Var);
      out.push({ ...f.cast, countOnly: true });
    }
    if (!lf && !rf) {
      out.push(n);
      continue;
    }
    const params = { ...n.params, ...(lf ? { lhs_round: lf.rounding } : {}), ...(rf ? { rhs_round: rf.rounding } : {}) };
    out.push({ ...n, params, inputs: [lf ? lf.source : l, rf ? rf.source : r, ...n.inputs.slice(2)] });
  }
  return { nodes: out, folded: folds.size };
}
