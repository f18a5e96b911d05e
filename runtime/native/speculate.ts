// Speculative rescaling. A dynamic rescale is two passes over a tensor: one computes the values
// and their norm (a fused group G with an absorbed reduction), scalar steps turn the norm into a
// scale K, and a second group C reads the values back and divides them by K before the final
// cast (the scaled optimizer's state and parameters, every dynamicRescale*). C cannot join G
// because K depends on all of G's blocks.
//
// Here C does join G, with K replaced by a prediction: the value K had on the plan's previous
// run (scales change rarely from step to step). A guard where C stood compares K with the
// prediction; on a miss it stores K as the new prediction and the plan runs again from G (the
// addon restores the cast counters to what they were before G, so every cast counts once). The
// results are those of the unspeculated plan whatever the prediction was, bit for bit: C's ops
// run on exactly the value K has; only when they run changes. G's values then no longer need to
// reach memory just for C, and C's pass over them disappears.
//
// What is predicted matters: a miss costs a rerun of G. K is often a ratio such as x's scale / the
// new scale, where x's scale (known before G) moves with the gradients' scales while the new
// scale, stored by the program for the next step, stays put (a lazy rescale keeps it for many
// steps). So the scalar ops between such stored scales and C move into G too (they run once per
// run of G), and the stored scales, the program's outputs, are what is predicted. One guard per
// G, after its last C, checks all of G's predictions: a miss reruns G once.
//
// The rerun needs every value read in [G, guard] to still be in memory at the guard; lower.ts
// keeps them alive that long (and the addon checks it when it validates the plan).
import { isVar, type Var } from "../../ir/program.js";
import { shapeEquals } from "../../ir/shape.js";
import type { Node } from "./graph.js";
import { isFusable, type Group, type Step } from "./fuse.js";

/** A step of the schedule after speculation: a guard checks a group's predicted scalars. */
export type SpeculativeStep = Step | { kind: "guard"; group: Group; vars: Var[] };

const RANK0_ELEMENTWISE = (n: Node) => isFusable(n) && n.prim !== "broadcast_in_dim" && n.outputs.every((o) => o.shape.length === 0);

/**
 * Merges each eligible second pass C into the group G whose values it reads (see the file
 * comment) and puts one guard per G after its last C. `reductions` (absorbed full reductions per
 * group) is updated: C's move to G. `predicted` receives, per G, the scalars it reads as
 * predictions. `outputs`: the program's outputs (stored scales among them).
 */
export function speculate(steps: readonly Step[], reductions: Map<Group, Node[]>, predicted: Map<Group, Var[]>, outputs: ReadonlySet<Var>): SpeculativeStep[] {
  // Where each value is defined (the index of its step; inputs and constants: −1), by which
  // node, and who reads it.
  const defined = new Map<Var, number>();
  const producer = new Map<Var, Node>();
  const readers = new Map<Var, Node[]>();
  const rank = new Map<Node, number>();
  steps.forEach((s, i) => {
    for (const n of nodesOf(s, reductions)) {
      rank.set(n, rank.size);
      for (const o of n.outputs) {
        defined.set(o, i);
        producer.set(o, n);
      }
      for (const a of n.inputs) if (isVar(a)) (readers.get(a) ?? readers.set(a, []).get(a)!).push(n);
    }
  });
  const at = (v: Var) => defined.get(v) ?? -1;
  const out: (SpeculativeStep | null)[] = [...steps];
  const guardAt = new Map<Group, number>();
  steps.forEach((s, c) => {
    if (s.kind !== "fused" || s.group.shape.length === 0 || s.group.members.length === 0) return;
    const C = s.group;
    const inside = new Set<Var>();
    for (const m of C.members) m.outputs.forEach((o) => inside.add(o));
    const external = [...new Set(C.members.flatMap((m) => m.inputs.filter((a): a is Var => isVar(a) && !inside.has(a))))];
    // G: the fused group of C's shape that produces C's latest full-size operand; every other
    // operand must exist when G runs, but the rank-0 ones computed after it (K).
    const full = external.filter((v) => v.shape.length > 0);
    const g = Math.max(-1, ...full.map(at));
    const Gs = g >= 0 ? steps[g] : undefined;
    if (!Gs || Gs.kind !== "fused" || !shapeEquals(Gs.group.shape, C.shape) || out[g]?.kind !== "fused") return;
    const G = Gs.group;
    const K = external.filter((v) => v.shape.length === 0 && at(v) > g);
    if (K.length === 0) return;
    // A miss reruns everything from G to the guard: only elementwise groups and kernels with
    // rank-0 results (the scale arithmetic) may lie between, no matmul or data movement.
    for (let i = g + 1; i < c; i++) {
      const t = out[i];
      if (t?.kind === "kernel" && t.node.outputs.some((o) => o.shape.length > 0)) return;
    }
    const { moved, predict } = cut(K, G, g, C, { at, producer, readers, outputs, rank });
    for (const n of moved) {
      const i = at(n.outputs[0]!);
      const t = out[i]!;
      if (t.kind === "fused") t.group.members = t.group.members.filter((m) => m !== n);
      else out[i] = null;
    }
    G.members.push(...moved, ...C.members);
    C.members = [];
    const movedReductions = reductions.get(C);
    if (movedReductions) {
      reductions.set(G, [...(reductions.get(G) ?? []), ...movedReductions]);
      reductions.delete(C);
    }
    for (const n of [...moved, ...G.members, ...(movedReductions ?? [])]) for (const o of n.outputs) defined.set(o, g);
    predicted.set(G, [...new Set([...(predicted.get(G) ?? []), ...predict])]);
    // One guard per G, after its last C (where all its predictions have their values).
    const previous = guardAt.get(G);
    if (previous !== undefined) out[previous] = null;
    out[c] = { kind: "guard", group: G, vars: predicted.get(G)! };
    guardAt.set(G, c);
  });
  return out.filter((s): s is SpeculativeStep => s !== null && (s.kind !== "fused" || s.group.members.length > 0 || reductions.has(s.group)));
}

function nodesOf(s: Step, reductions: ReadonlyMap<Group, Node[]>): Node[] {
  return s.kind === "kernel" ? [s.node] : [...s.group.members, ...(reductions.get(s.group) ?? [])];
}

interface Graph {
  at: (v: Var) => number;
  producer: ReadonlyMap<Var, Node>;
  readers: ReadonlyMap<Var, Node[]>;
  outputs: ReadonlySet<Var>;
  /** Position in the schedule (topological). */
  rank: ReadonlyMap<Node, number>;
}

/**
 * What G predicts for C's late scalars K, and which rank-0 nodes move into G: a k computed from
 * values known before G and from stored scales (program outputs) by rank-0 elementwise ops read
 * only by C moves in with those ops, and the stored scales are predicted; any other k is predicted
 * itself.
 */
function cut(K: readonly Var[], target: Group, g: number, C: Group, G: Graph): { moved: Node[]; predict: Var[] } {
  const moved = new Set<Node>();
  const predict = new Set<Var>();
  const consumers = new Set<Node>(C.members);
  for (const k of K) {
    const tryMoved = new Set<Node>();
    const tryPredict = new Set<Var>();
    // Known when G's scalar ops run: defined before G, or by a member of G (not by its
    // reductions, which complete with the last block).
    const known = (v: Var) => G.at(v) < g || (G.at(v) === g && target.members.includes(G.producer.get(v)!));
    const reach = (v: Var): boolean => {
      if (known(v)) return true;
      if (G.outputs.has(v)) return tryPredict.add(v), true;
      const n = G.producer.get(v);
      if (!n || !RANK0_ELEMENTWISE(n)) return false;
      if (moved.has(n) || tryMoved.has(n)) return true;
      if (!n.inputs.every((a) => !isVar(a) || reach(a))) return false;
      tryMoved.add(n);
      return true;
    };
    const ok = reach(k) && [...tryMoved].every((n) => n.outputs.every((o) => !G.outputs.has(o) && (G.readers.get(o) ?? []).every((r) => consumers.has(r) || moved.has(r) || tryMoved.has(r))));
    if (ok && tryMoved.size > 0) {
      tryMoved.forEach((n) => moved.add(n));
      tryPredict.forEach((v) => predict.add(v));
    } else predict.add(k);
  }
  return { moved: [...moved].sort((a, b) => G.rank.get(a)! - G.rank.get(b)!), predict: [...predict] };
}
