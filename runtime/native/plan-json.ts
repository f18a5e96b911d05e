// The plan format that runtime/native/lower.ts produces and the addon's compile step
// (src/addon.cpp plan_desc, validated in src/plan.cpp) reads.
import type { DType, Storage } from "../../ir/dtype.js";

/** A value: its aval and the slot (memory) it lives in. */
export interface ValueJSON {
  dtype: DType;
  shape: number[];
  slot: number;
}

/** Memory: arena memory reused by liveness, an argument, a result, or constant data. */
export type SlotJSON =
  | { kind: "internal"; bytes: number }
  | { kind: "input"; index: number }
  | { kind: "output"; index: number }
  | { kind: "constant"; data: Storage; dtype: DType };

/** A fused elementwise program: registers 0…nIn−1 are the inputs, nIn + j is op j's result. */
export interface FusedOpJSON {
  prim: string;
  params?: Record<string, unknown>;
  args?: number[];
  /** literal ops only */
  value?: number;
  /** literal and predicted ops */
  dtype?: DType;
  /** predicted ops: which of the kernel's predicted scalars (runtime/native/speculate.ts) */
  index?: number;
}

/** A full reduction of a register, computed as the blocks go (its result is a rank-0 output). */
export interface FusedReductionJSON {
  reg: number;
  op: "sum" | "max" | "min";
}

export interface FusedProgramJSON {
  ops: FusedOpJSON[];
  /** Registers stored as the instruction's outputs, followed by one output per reduction. */
  outputs: number[];
  reductions?: FusedReductionJSON[];
  /** The group shape: every operand and result has it or is rank 0. */
  shape: number[];
}

export interface InstrJSON {
  /** A primitive name, or "fused". */
  prim: string;
  /** The primitive's params (plus `alpha: true` for a folded scale), or the fused program. */
  params: Record<string, unknown> | FusedProgramJSON;
  ins: number[];
  outs: number[];
  /** Runs only when casts are counted; nothing reads its results (a cast folded into matmuls). */
  countOnly?: boolean;
}

export interface PlanJSON {
  values: ValueJSON[];
  slots: SlotJSON[];
  inputs: number[];
  constants: number[];
  outputs: number[];
  instrs: InstrJSON[];
}
