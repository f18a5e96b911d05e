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
// The rerun needs every value read in [G, guard] to still be in memory at the guard; lower.ts
// keeps them alive that long (and the addon checks it when it validates the plan).
import { isVar, type Var } from "../../ir/program.js";
import { shapeEquals } from "../../ir/shape.js";
import type { Node } from "./graph.js";
import type { Group, Step } from "./fuse.js";

/** A step of the schedule after speculation: a guard checks a group's predicted scalars. */
export type SpeculativeStep = Step | { kind: "guard"; group: Group; vars: Var[] };

/**
 * Merges each eligible second pass C into the group G whose values it reads (see the file
 * comment) and puts a guard in C's place. `reductions` (absorbed full reductions per group) is
 * updated: C's move to G. `predicted` receives, per G, the scalars it reads as predictions.
 */
export function speculate(steps: readonly Step[], reductions: Map<Group, Node[]>, predicted: Map<Group, Var[]>): SpeculativeStep[] {
  // Where each value is defined: the index of its step (inputs and constants: −1).
  const defined = new Map<Var, number>();
  steps.forEach((s, i) => {
    const nodes = s.kind === "kernel" ? [s.node] : [...s.group.members, ...(reductions.get(s.group) ?? [])];
    for (const n of nodes) for (const o of n.outputs) defined.set(o, i);
  });
  const at = (v: Var) => defined.get(v) ?? -1;
  const out: SpeculativeStep[] = [...steps];
  steps.forEach((s, c) => {
    if (s.kind !== "fused" || s.group.shape.length === 0) return;
    const C = s.group;
    const inside = new Set<Var>();
    for (const m of C.members) m.outputs.forEach((o) => inside.add(o));
    const external = [...new Set(C.members.flatMap((m) => m.inputs.filter((a): a is Var => isVar(a) && !inside.has(a))))];
    // G: the fused group of C's shape that produces C's latest full-size operand; every other
    // operand must exist when G runs, but the rank-0 ones computed after it (K).
    const full = external.filter((v) => v.shape.length > 0);
    const g = Math.max(-1, ...full.map(at));
    const Gs = g >= 0 ? steps[g] : undefined;
    if (!Gs || Gs.kind !== "fused" || !shapeEquals(Gs.group.shape, C.shape) || out[g]!.kind !== "fused") return;
    const G = Gs.group;
    const K = external.filter((v) => v.shape.length === 0 && at(v) > g);
    if (K.length === 0) return;
    // A miss reruns everything from G to the guard: only elementwise groups and kernels with
    // rank-0 results (the scale arithmetic) may lie between, no matmul or data movement.
    for (let i = g + 1; i < c; i++) {
      const t = out[i]!;
      if (t.kind === "kernel" && t.node.outputs.some((o) => o.shape.length > 0)) return;
    }
    G.members.push(...C.members);
    C.members = [];
    const moved = reductions.get(C);
    if (moved) {
      reductions.set(G, [...(reductions.get(G) ?? []), ...moved]);
      reductions.delete(C);
      for (const n of moved) for (const o of n.outputs) defined.set(o, g);
    }
    for (const m of G.members) for (const o of m.outputs) defined.set(o, g);
    predicted.set(G, [...(predicted.get(G) ?? []), ...K]);
    out[c] = { kind: "guard", group: G, vars: K };
  });
  return out;
}
