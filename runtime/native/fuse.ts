// Fusion of elementwise chains: consecutive-in-dataflow elementwise equations with one output
// shape become one fused instruction, evaluated block by block in registers (src/fused.cpp), so
// intermediates never reach memory. A group runs where its last member stands; it may grow only
// while nothing outside it has read one of its values ("sealed" otherwise), which keeps the
// schedule valid: every input of a group is defined before the group runs and every reader of
// its results comes after. Before grouping, elementwise nodes move up to just after their latest
// producer (hoistElementwise), so that sealing happens as late as the dataflow allows. Each
// member still rounds its result to its own dtype, so fusion changes no value (DESIGN.md "Where
// the backends must agree").
import type { Primitive } from "../../ir/primitives/catalogue.js";
import { isVar, type Atom, type Var } from "../../ir/program.js";
import { shapeEquals, type Shape } from "../../ir/shape.js";
import type { Node } from "./graph.js";

/**
 * How each primitive lowers: into a fused elementwise program, as its own kernel, or rewritten
 * away by graph.ts (custom_vjp is inlined; the scaling primitives that leave a plain tensor's
 * value unchanged become the value itself).
 */
type Lowering = "elementwise" | "kernel" | "rewrite";
const LOWERING: { [P in Primitive]: Lowering } = {
  neg: "elementwise", abs: "elementwise", sign: "elementwise", exp: "elementwise", log: "elementwise", sqrt: "elementwise",
  rsqrt: "elementwise", tanh: "elementwise", logistic: "elementwise", erf: "elementwise", sin: "elementwise", cos: "elementwise",
  integer_pow: "elementwise", add: "elementwise", sub: "elementwise", mul: "elementwise", div: "elementwise", max: "elementwise",
  min: "elementwise", pow: "elementwise", eq: "elementwise", ne: "elementwise", lt: "elementwise", le: "elementwise",
  gt: "elementwise", ge: "elementwise", and: "elementwise", or: "elementwise", not: "elementwise",
  shift_right_logical: "elementwise", select_n: "elementwise", convert_element_type: "elementwise",
  reduce_precision: "elementwise",
  reshape: "kernel", transpose: "kernel", broadcast_in_dim: "kernel", squeeze: "kernel", expand_dims: "kernel", rev: "kernel",
  slice: "kernel", pad: "kernel", concatenate: "kernel", stop_gradient: "kernel", dynamic_slice: "kernel",
  dynamic_update_slice: "kernel", gather: "kernel", scatter_add: "kernel", reduce_sum: "kernel", reduce_max: "kernel",
  reduce_min: "kernel", reduce_prod: "kernel", argmax: "kernel", argmin: "kernel", cumsum: "kernel", dot_general: "kernel",
  iota: "kernel", random_bits: "kernel",
  pow2_round: "elementwise", stop_scaling: "elementwise",
  custom_vjp: "rewrite", set_scaling: "rewrite", rebalance: "rewrite", dynamic_rescale: "rewrite", lazy_rescale: "rewrite", get_data_scale: "rewrite",
};

/**
 * Fusable: an elementwise primitive, or broadcast_in_dim — of a rank-0 operand (a register fill)
 * or of a smaller operand, which the fused kernel gathers block by block instead of
 * materialising the broadcast (bias adds, normalisations). A count-only node runs apart (only
 * when counting).
 */
export function isFusable(n: Node): boolean {
  return !n.countOnly && (LOWERING[n.prim] === "elementwise" || n.prim === "broadcast_in_dim");
}

/** Whether the lowering has a rule for `prim` (every catalogue primitive does; the table is exhaustive). */
export function loweringOf(prim: Primitive): Lowering {
  return LOWERING[prim];
}

export interface Group {
  readonly shape: Shape;
  members: Node[];
  sealed: boolean;
  /** Index in the node list of the last member: where the group runs. */
  last: number;
}

/** A step of the schedule: one kernel node, or one fused group. */
export type Step = { kind: "kernel"; node: Node } | { kind: "fused"; group: Group };

/**
 * The nodes in an order where each elementwise node whose latest producer is an elementwise node
 * of its shape comes right after that producer, so that it joins the producer's group before
 * anything seals it. The scaled optimizer update is the case in point: abs(m') for m's max-norm
 * rescale is traced after the rescale of p' has already read p''s group, and would otherwise need
 * a pass of its own over m'. Moving a node earlier, to just after its last input is defined,
 * keeps every dependency.
 *
 * Keys are paths: an unmoved node's key is [its index]; a moved node's key is its anchor's key
 * extended by its rank among the nodes moved after that anchor, so it sorts after the anchor (and
 * after nodes moved there before it) and before the next unmoved node. The keys only choose the
 * latest producer; the order itself is the walk of the tree of moves.
 */
export function hoistElementwise(nodes: readonly Node[]): Node[] {
  const producer = new Map<Var, Node>();
  const key = new Map<Node, number[]>();
  const after = (a: number[], b: number[]): boolean => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
    return a.length > b.length;
  };
  // Keys in order are a preorder walk of the tree of moves: each unmoved node, then what moved
  // after it (in the order they moved), each followed in turn by what moved after it.
  const moved = new Map<Node, Node[]>();
  const roots: Node[] = [];
  nodes.forEach((n, i) => {
    let anchor: Node | undefined;
    for (const a of n.inputs) {
      const p = isVar(a) ? producer.get(a) : undefined;
      if (p && (!anchor || after(key.get(p)!, key.get(anchor)!))) anchor = p;
    }
    const joins = anchor !== undefined && isFusable(n) && isFusable(anchor) && shapeEquals(anchor.outputs[0]!.shape, n.outputs[0]!.shape);
    if (joins) {
      const siblings = moved.get(anchor!) ?? moved.set(anchor!, []).get(anchor!)!;
      key.set(n, [...key.get(anchor!)!, siblings.length]);
      siblings.push(n);
    } else {
      key.set(n, [i]);
      roots.push(n);
    }
    for (const o of n.outputs) producer.set(o, n);
  });
  const order: Node[] = [];
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const n = stack.pop()!;
    order.push(n);
    const kids = moved.get(n);
    if (kids) for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k]!);
  }
  return order;
}

/** Groups elementwise nodes (see the file comment) and returns the schedule. */
export function fuse(input: readonly Node[], fusion = true): Step[] {
  const nodes = fusion ? hoistElementwise(input) : input;
  const groupOf = new Map<Var, Group>();
  const nodeGroup = new Map<Node, Group>();
  const seal = (a: Atom, except?: Group) => {
    if (!isVar(a)) return;
    const g = groupOf.get(a);
    if (g && g !== except) g.sealed = true;
  };
  nodes.forEach((n, i) => {
    if (!isFusable(n)) {
      n.inputs.forEach((a) => seal(a));
      return;
    }
    const shape = n.outputs[0]!.shape;
    let target: Group | undefined;
    if (fusion) {
      for (const a of n.inputs) {
        if (!isVar(a)) continue;
        const g = groupOf.get(a);
        if (!g || g.sealed || !shapeEquals(g.shape, shape)) continue;
        if (!target) target = g;
        else if (g !== target) {
          // Merge g into target: both are unsealed, so nothing outside has read either yet.
          target.members.push(...g.members);
          target.last = Math.max(target.last, g.last);
          for (const m of g.members) {
            nodeGroup.set(m, target);
            for (const o of m.outputs) groupOf.set(o, target);
          }
          g.members = [];
        }
      }
    }
    target ??= { shape, members: [], sealed: false, last: i };
    target.members.push(n);
    target.last = i;
    nodeGroup.set(n, target);
    for (const o of n.outputs) groupOf.set(o, target);
    n.inputs.forEach((a) => seal(a, target));
  });
  // The schedule: kernels in place, each group at its last member. Members keep program order.
  const order = new Map<Node, number>();
  nodes.forEach((n, i) => order.set(n, i));
  const steps: Step[] = [];
  nodes.forEach((n, i) => {
    const g = nodeGroup.get(n);
    if (!g) steps.push({ kind: "kernel", node: n });
    else if (g.last === i && g.members.length > 0) {
      g.members.sort((a, b) => order.get(a)! - order.get(b)!);
      steps.push({ kind: "fused", group: g });
    }
  });
  return steps;
}
