// Program → native execution plan (runtime/native/plan-json.ts), validated again by the addon.
// Steps: inline custom_vjp bodies, fold scalar scales into dot_general / reduce_sum and fp8
// casts into the dot_generals that read them (graph.ts); group elementwise chains into fused
// instructions (fuse.ts), full reductions of a chain's value computed inside it
// (absorbReductions); give every value a slot of memory, reusing a slot once every value in it
// is dead (liveness), letting reshape-like results share their operand's memory and letting a
// fused chain or dynamic_update_slice write into an operand that dies there. Program outputs
// that are inputs, constants, literals or repeats are not computed by the plan: `outputs` says
// where each comes from.
import { encode } from "../numerics/codec.js";
import { isFloat, itemSize, type DType, type Storage } from "../../ir/dtype.js";
import { isVar, Literal, type Atom, type Program, type Var } from "../../ir/program.js";
import { shapeEquals, size } from "../../ir/shape.js";
import { flatten, foldCasts, foldScales, type Node } from "./graph.js";
import { fuse, type Group, type Step } from "./fuse.js";
import { speculate } from "./speculate.js";
import type { FusedOpJSON, FusedProgramJSON, FusedReductionJSON, InstrJSON, PlanJSON, SlotJSON, ValueJSON } from "./plan-json.js";

/** Where program output k comes from. */
export type OutputSource =
  | { kind: "plan"; index: number }
  | { kind: "input"; index: number }
  | { kind: "constant"; dtype: DType; shape: readonly number[]; storage: Storage }
  | { kind: "literal"; literal: Literal }
  | { kind: "repeat"; of: number };

export interface LoweringStats {
  instructions: number;
  fusedGroups: number;
  fusedEquations: number;
  /** Full reductions computed inside the fused chain that produces their operand. */
  fusedReductions: number;
  /** Second passes of rescales run inside their first pass on a predicted scale (speculate.ts). */
  speculated: number;
  foldedScales: number;
  /** Casts to fp8 done by the dot_generals that read them (kept count-only: see graph.ts foldCasts). */
  foldedCasts: number;
  internalSlots: number;
  internalBytes: number;
  /** Values placed in their operand's memory (reshape-like views and in-place writes). */
  sharedSlots: number;
}

export interface LoweredProgram {
  plan: PlanJSON;
  outputs: OutputSource[];
  stats: LoweringStats;
}

export interface LowerOptions {
  /** Group elementwise chains (default true; false gives one instruction per equation). */
  fusion?: boolean;
  /** Fold scalar scales into dot_general / reduce_sum (default true). */
  foldScales?: boolean;
  /**
   * Fold casts to fp8 into the dot_generals that read them (default true). The backend turns it
   * off on CPUs with bf16 dot products, where fp8 operands take the faster bf16 kernels.
   */
  foldCasts?: boolean;
  /** Reuse memory by liveness (default true; false gives every value its own slot). */
  reuse?: boolean;
  /** Run a rescale's second pass inside its first with a predicted scale (speculate.ts; default true with fusion). */
  speculate?: boolean;
}

const RESHAPE_LIKE = new Set(["reshape", "squeeze", "expand_dims", "stop_gradient"]);

function bytesOf(v: { dtype: DType; shape: readonly number[] }): number {
  return size(v.shape) * itemSize(v.dtype);
}

/** The lowered form of one step, before memory is assigned. */
interface Instr {
  prim: string;
  params: Record<string, unknown> | FusedProgramJSON;
  ins: Atom[];
  outs: Var[];
  group?: Group;
  countOnly?: boolean;
}

const FUSED_REDUCTION: Partial<Record<string, FusedReductionJSON["op"]>> = { reduce_sum: "sum", reduce_max: "max", reduce_min: "min" };

/**
 * Full float reductions (to rank 0, no folded scale) of a value a fused group produces at the
 * group's shape: they run inside the group's kernel, block by block, so the value need not reach
 * memory when nothing else reads it (max-norm rescales: reduce_max(abs(x)); non-finite checks).
 * Returns the steps without the absorbed reductions, and the reductions of each group.
 */
function absorbReductions(steps: Step[]): { steps: Step[]; reductions: Map<Group, Node[]> } {
  const groupOf = new Map<Var, Group>();
  for (const s of steps) if (s.kind === "fused") for (const m of s.group.members) for (const o of m.outputs) groupOf.set(o, s.group);
  const reductions = new Map<Group, Node[]>();
  const kept = steps.filter((s) => {
    if (s.kind !== "kernel" || !FUSED_REDUCTION[s.node.prim] || s.node.inputs.length !== 1) return true;
    const x = s.node.inputs[0]!;
    const g = isVar(x) ? groupOf.get(x) : undefined;
    const axes = (s.node.params as { axes: readonly number[] }).axes;
    if (!g || !isFloat(x.dtype) || size(x.shape) === 0 || !shapeEquals(x.shape, g.shape) || axes.length !== x.shape.length) return true;
    (reductions.get(g) ?? reductions.set(g, []).get(g)!).push(s.node);
    return false;
  });
  return { steps: kept, reductions };
}

/**
 * A fused group as a register program; `ins` are its external inputs (literals become ops), its
 * outputs the members' results that `materialise` asks for, then the absorbed reductions'.
 */
function fusedInstr(group: Group, reductions: readonly Node[], predicted: readonly Var[], materialise: (v: Var) => boolean): Instr {
  const produced = new Set<Var>(predicted);
  for (const m of group.members) m.outputs.forEach((o) => produced.add(o));
  const ins: Var[] = [];
  const seen = new Set<Var>();
  for (const m of group.members)
    for (const a of m.inputs)
      if (isVar(a) && !produced.has(a) && !seen.has(a)) {
        seen.add(a);
        ins.push(a);
      }
  const reg = new Map<Var, number>();
  ins.forEach((v, i) => reg.set(v, i));
  const ops: FusedOpJSON[] = [];
  const literals = new Map<string, number>();
  const literalReg = (l: Literal): number => {
    const key = `${l.dtype}|${Object.is(l.value, -0) ? "-0" : String(l.value)}`;
    let r = literals.get(key);
    if (r === undefined) {
      ops.push({ prim: "literal", value: l.value, dtype: l.dtype });
      r = ins.length + ops.length - 1;
      literals.set(key, r);
    }
    return r;
  };
  // A predicted scalar is an op that reads the prediction, not an operand.
  predicted.forEach((v, index) => {
    ops.push({ prim: "predicted", index, dtype: v.dtype });
    reg.set(v, ins.length + ops.length - 1);
  });
  const outs: Var[] = [];
  const outRegs: number[] = [];
  for (const m of group.members) {
    const args = m.inputs.map((a) => (isVar(a) ? reg.get(a)! : literalReg(a)));
    ops.push({ prim: m.prim, params: m.params, args });
    const r = ins.length + ops.length - 1;
    const o = m.outputs[0]!;
    reg.set(o, r);
    if (materialise(o)) {
      outs.push(o);
      outRegs.push(r);
    }
  }
  const params: FusedProgramJSON = { ops, outputs: outRegs, shape: [...group.shape] };
  if (reductions.length > 0) {
    params.reductions = reductions.map((n) => ({ reg: reg.get(n.inputs[0] as Var)!, op: FUSED_REDUCTION[n.prim]! }));
    for (const n of reductions) outs.push(n.outputs[0]!);
  }
  return { prim: "fused", params, ins, outs, group };
}

export function lower(program: Program, opts: LowerOptions = {}): LoweredProgram {
  const flat = flatten(program);
  const scaled = opts.foldScales === false ? { nodes: flat.nodes, folded: 0 } : foldScales(flat);
  const cast = opts.foldCasts === false ? { nodes: scaled.nodes, folded: 0 } : foldCasts(scaled.nodes, flat.outputs);
  const nodes = cast.nodes;
  const fusion = opts.fusion !== false;
  const fused = fusion ? absorbReductions(fuse(nodes)) : { steps: fuse(nodes, false), reductions: new Map<Group, Node[]>() };
  const { reductions } = fused;
  const predicted = new Map<Group, Var[]>();
  const steps = fusion && opts.speculate !== false ? speculate(fused.steps, reductions, predicted, new Set(flat.outputs.filter(isVar))) : fused.steps;
  const absorbed = new Set([...reductions.values()].flat());

  // Program outputs: which the plan computes.
  const inputIndex = new Map<Var, number>();
  flat.inputs.forEach((v, i) => inputIndex.set(v, i));
  const constantOf = new Map<Var, (typeof flat.constants)[number]>();
  for (const c of flat.constants) constantOf.set(c.variable, c);
  const planOutput = new Map<Var, number>();
  const outputs: OutputSource[] = flat.outputs.map((a, k) => {
    if (!isVar(a)) return { kind: "literal", literal: a };
    const first = flat.outputs.indexOf(a);
    if (first !== k) return { kind: "repeat", of: first };
    const i = inputIndex.get(a);
    if (i !== undefined) return { kind: "input", index: i };
    const c = constantOf.get(a);
    if (c) return { kind: "constant", dtype: c.value.dtype, shape: c.value.shape, storage: c.value.storage };
    const index = planOutput.size;
    planOutput.set(a, index);
    return { kind: "plan", index };
  });

  // Steps → instructions. A fused member's result is stored when anything outside the group
  // (a later step or the program's outputs) reads it.
  const readers = new Map<Var, Set<Node>>();
  for (const n of nodes) for (const a of n.inputs) if (isVar(a)) (readers.get(a) ?? readers.set(a, new Set()).get(a)!).add(n);
  const outputVars = new Set(flat.outputs.filter(isVar));
  const stepOf = new Map<Group, number>();
  steps.forEach((s, i) => s.kind === "fused" && stepOf.set(s.group, i));
  const instrs: Instr[] = steps.map((s) => {
    if (s.kind === "kernel") return { prim: s.node.prim, params: s.node.params, ins: s.node.inputs, outs: s.node.outputs, countOnly: s.node.countOnly };
    if (s.kind === "guard") {
      const all = predicted.get(s.group)!;
      return { prim: "speculation_guard", params: { target: stepOf.get(s.group)!, predicted: s.vars.map((v) => all.indexOf(v)) }, ins: s.vars, outs: [] };
    }
    const members = new Set(s.group.members);
    const inside = (r: Node) => members.has(r) || absorbed.has(r);
    return fusedInstr(s.group, reductions.get(s.group) ?? [], predicted.get(s.group) ?? [], (v) => outputVars.has(v) || [...(readers.get(v) ?? [])].some((r) => !inside(r)));
  });

  // Values and memory.
  const values: ValueJSON[] = [];
  const slots: SlotJSON[] = [];
  const slotEnd: number[] = []; // last instruction reading any value in the slot (Infinity: never freed)
  const valueId = new Map<Var, number>();
  const newValue = (v: { dtype: DType; shape: readonly number[] }, slot: number): number => {
    values.push({ dtype: v.dtype, shape: [...v.shape], slot });
    return values.length - 1;
  };
  const last = new Map<Var, number>();
  instrs.forEach((ins, i) => {
    for (const a of ins.ins) if (isVar(a)) last.set(a, i);
    for (const o of ins.outs) if (!last.has(o)) last.set(o, i);
  });
  // A guard may rerun its target and everything up to it: what they read stays until the guard.
  instrs.forEach((ins, q) => {
    if (ins.prim !== "speculation_guard") return;
    for (let i = (ins.params as { target: number }).target; i < q; i++)
      for (const a of instrs[i]!.ins) if (isVar(a)) last.set(a, Math.max(last.get(a)!, q));
  });
  for (const v of planOutput.keys()) last.set(v, Infinity);

  const inputs = flat.inputs.map((v, i) => {
    slots.push({ kind: "input", index: i });
    slotEnd.push(Infinity);
    const id = newValue(v.aval, slots.length - 1);
    valueId.set(v, id);
    return id;
  });
  const constants: number[] = [];
  for (const c of flat.constants) {
    slots.push({ kind: "constant", data: c.value.storage, dtype: c.value.dtype });
    slotEnd.push(Infinity);
    const id = newValue(c.variable.aval, slots.length - 1);
    valueId.set(c.variable, id);
    constants.push(id);
  }
  const literalIds = new Map<string, number>();
  const atomId = (a: Atom): number => {
    if (!(a instanceof Literal)) {
      const id = valueId.get(a);
      if (id === undefined) throw new Error(`internal error: native lowering reads a value of type ${a.dtype}[${a.shape}] before it is defined`);
      return id;
    }
    const key = `${a.dtype}|${Object.is(a.value, -0) ? "-0" : String(a.value)}`;
    let id = literalIds.get(key);
    if (id === undefined) {
      slots.push({ kind: "constant", data: encode([a.value], a.dtype), dtype: a.dtype });
      slotEnd.push(Infinity);
      id = newValue(a.aval, slots.length - 1);
      constants.push(id);
      literalIds.set(key, id);
    }
    return id;
  };

  const capacity: number[] = []; // internal slots only (index → bytes)
  const free: number[] = [];
  let shared = 0;
  const reuse = opts.reuse !== false;
  const allocate = (bytes: number): number => {
    if (reuse && free.length > 0) {
      // Best fit: the smallest free slot that is large enough, else grow the largest.
      let best = -1;
      for (let j = 0; j < free.length; j++) {
        const c = capacity[free[j]!]!;
        if (c >= bytes && (best < 0 || c < capacity[free[best]!]!)) best = j;
      }
      if (best < 0) for (let j = 0; j < free.length; j++) if (best < 0 || capacity[free[j]!]! > capacity[free[best]!]!) best = j;
      const s = free.splice(best, 1)[0]!;
      capacity[s] = Math.max(capacity[s]!, bytes);
      return s;
    }
    slots.push({ kind: "internal", bytes: 0 });
    slotEnd.push(-1);
    capacity[slots.length - 1] = bytes;
    return slots.length - 1;
  };

  const planInstrs: InstrJSON[] = instrs.map((ins, i) => {
    const inIds = ins.ins.map(atomId);
    const taken = new Set<number>();
    const outIds = ins.outs.map((o, j) => {
      let slot: number;
      const end = last.get(o) ?? i;
      const out = planOutput.get(o);
      if (out !== undefined) {
        slots.push({ kind: "output", index: out });
        slotEnd.push(Infinity);
        slot = slots.length - 1;
      } else {
        const viewOf = RESHAPE_LIKE.has(ins.prim) && j === 0 ? values[inIds[0]!]!.slot : undefined;
        const inPlace = reuse ? inPlaceSlot(ins, o, inIds, i, taken) : undefined;
        if (viewOf !== undefined) {
          slot = viewOf;
          shared++;
        } else if (inPlace !== undefined) {
          slot = inPlace;
          shared++;
        } else {
          slot = allocate(bytesOf(o));
        }
        slotEnd[slot] = Math.max(slotEnd[slot]!, end);
      }
      taken.add(slot);
      const id = newValue(o.aval, slot);
      valueId.set(o, id);
      return id;
    });
    // Slots whose every value is now dead become free (after this instruction's outputs are placed).
    if (reuse) {
      for (const id of [...inIds, ...outIds]) {
        const s = values[id]!.slot;
        if (slots[s]!.kind === "internal" && slotEnd[s]! <= i && !free.includes(s)) {
          free.push(s);
          slotEnd[s] = -1;
        }
      }
    }
    return { prim: ins.prim, params: ins.params as InstrJSON["params"], ins: inIds, outs: outIds, ...(ins.countOnly ? { countOnly: true } : {}) };
  });

  /** An input slot that output `o` may overwrite: it dies here, is internal and has o's size. */
  function inPlaceSlot(ins: Instr, o: Var, inIds: number[], i: number, taken: Set<number>): number | undefined {
    const candidates: number[] = [];
    if (ins.prim === "fused") {
      ins.ins.forEach((a, k) => {
        if (isVar(a) && a.shape.length > 0 && shapeEquals(a.shape, o.shape) && itemSize(a.dtype) === itemSize(o.dtype)) candidates.push(inIds[k]!);
      });
      if (o.shape.length === 0) return undefined;
    } else if (ins.prim === "dynamic_update_slice") {
      candidates.push(inIds[0]!);
    } else {
      return undefined;
    }
    for (const id of candidates) {
      const s = values[id]!.slot;
      // Every operand in that memory must be one the kernel may overwrite (a reshape view of a
      // candidate can share its slot).
      const sharers = inIds.filter((k) => values[k]!.slot === s);
      if (sharers.some((k) => !candidates.includes(k))) continue;
      if (slots[s]!.kind === "internal" && slotEnd[s] === i && !taken.has(s) && capacity[s]! >= bytesOf(o)) return s;
    }
    return undefined;
  }

  slots.forEach((s, i) => {
    if (s.kind === "internal") s.bytes = capacity[i]!;
  });
  const plan: PlanJSON = {
    values,
    slots,
    inputs,
    constants,
    outputs: [...planOutput.keys()].map((v) => valueId.get(v)!),
    instrs: planInstrs,
  };
  const internal = slots.filter((s): s is Extract<SlotJSON, { kind: "internal" }> => s.kind === "internal");
  const fusedSteps = steps.filter((s): s is Extract<Step, { kind: "fused" }> => s.kind === "fused");
  const speculated = steps.filter((s) => s.kind === "guard").length;
  return {
    plan,
    outputs,
    stats: {
      instructions: planInstrs.length,
      fusedGroups: fusedSteps.filter((s) => s.group.members.length > 1).length,
      fusedEquations: fusedSteps.reduce((n, s) => n + (s.group.members.length > 1 ? s.group.members.length : 0), 0),
      fusedReductions: absorbed.size,
      speculated,
      foldedScales: scaled.folded,
      foldedCasts: cast.folded,
      internalSlots: internal.length,
      internalBytes: internal.reduce((n, s) => n + s.bytes, 0),
      sharedSlots: shared,
    },
  };
}
