// Indexing primitives. gather/scatter_add follow jnp.take along one axis (DESIGN.md "The IR").
import { z } from "zod";
import { avalToString, shapeEquals, shapeToString, type Aval } from "../shape.js";
import { def, dtypeError, shapeError, zNat, zShape } from "./define.js";

const zMode = z.enum(["clip", "fill"]);

function requireScalarIndices(op: string, idx: readonly Aval[], rank: number): void {
  if (idx.length !== rank) shapeError(op, `needs ${rank} start indices, got ${idx.length}`);
  for (const a of idx) if (a.dtype !== "i32" || a.shape.length !== 0) dtypeError(op, `start indices must be i32 scalars, got ${avalToString(a)}`);
}

function takeShape(x: Aval, idx: Aval, axis: number): number[] {
  return [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
}

export const indexing = {
  dynamic_slice: def({
    family: "indexing",
    params: z.object({ slice_sizes: zShape }).strict(),
    arity: { min: 1 },
    doc: "slice of static size at runtime i32 starts, clamped into range",
    abstractEval: (p, [x, ...idx], op) => {
      requireScalarIndices(op, idx, x!.shape.length);
      if (p.slice_sizes.length !== x!.shape.length || p.slice_sizes.some((s, i) => s > x!.shape[i]!))
        shapeError(op, `slice_sizes ${shapeToString(p.slice_sizes)} do not fit ${shapeToString(x!.shape)}`);
      return [{ dtype: x!.dtype, shape: p.slice_sizes }];
    },
  }),
  dynamic_update_slice: def({
    family: "indexing",
    params: z.object({}).strict(),
    arity: { min: 2 },
    doc: "write update into operand at runtime i32 starts, clamped into range",
    abstractEval: (_p, [x, u, ...idx], op) => {
      requireScalarIndices(op, idx, x!.shape.length);
      if (u!.dtype !== x!.dtype) dtypeError(op, `update ${avalToString(u!)} must have the operand's dtype ${x!.dtype}`);
      if (u!.shape.length !== x!.shape.length || u!.shape.some((s, i) => s > x!.shape[i]!))
        shapeError(op, `update ${shapeToString(u!.shape)} does not fit ${shapeToString(x!.shape)}`);
      return [x!];
    },
  }),
  gather: def({
    family: "indexing",
    params: z.object({ axis: zNat, mode: zMode }).strict(),
    arity: 2,
    doc: "jnp.take(x, indices, axis): clip clamps indices; fill gives NaN (floats), INT_MIN (i32), true (bool) out of range",
    abstractEval: (p, [x, idx], op) => {
      if (p.axis >= x!.shape.length) shapeError(op, `axis ${p.axis} out of range for ${shapeToString(x!.shape)}`);
      if (idx!.dtype !== "i32") dtypeError(op, `indices must be i32, got ${avalToString(idx!)}`);
      return [{ dtype: x!.dtype, shape: takeShape(x!, idx!, p.axis) }];
    },
  }),
  scatter_add: def({
    family: "indexing",
    params: z.object({ axis: zNat, mode: zMode }).strict(),
    arity: 3,
    doc: "transpose of gather: out = x; out[.., idx, ..] += updates (clip clamps, fill drops out-of-range)",
    abstractEval: (p, [x, idx, upd], op) => {
      if (p.axis >= x!.shape.length) shapeError(op, `axis ${p.axis} out of range for ${shapeToString(x!.shape)}`);
      if (idx!.dtype !== "i32") dtypeError(op, `indices must be i32, got ${avalToString(idx!)}`);
      if (upd!.dtype !== x!.dtype) dtypeError(op, `updates ${avalToString(upd!)} must have the operand's dtype ${x!.dtype}`);
      const want = takeShape(x!, idx!, p.axis);
      if (!shapeEquals(upd!.shape, want)) shapeError(op, `updates shape ${shapeToString(upd!.shape)} must be ${shapeToString(want)}`);
      return [x!];
    },
  }),
};
