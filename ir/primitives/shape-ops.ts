// Shape and data-movement primitives (lax semantics).
import { z } from "zod";
import { size, shapeToString, type Aval } from "../shape.js";
import { checkAxes, def, isPermutation, noParams, shapeError, zAxes, zInt, zNat, zShape } from "./define.js";

export const shapeOps = {
  reshape: def({
    family: "shape",
    params: z.object({ new_sizes: zShape }).strict(),
    arity: 1,
    doc: "same elements in row-major order, new shape",
    abstractEval: (p, [x], op) => {
      if (size(p.new_sizes) !== size(x!.shape))
        shapeError(op, `cannot reshape ${shapeToString(x!.shape)} (${size(x!.shape)} elements) to ${shapeToString(p.new_sizes)}`);
      return [{ dtype: x!.dtype, shape: p.new_sizes }];
    },
  }),
  transpose: def({
    family: "shape",
    params: z.object({ permutation: zAxes }).strict(),
    arity: 1,
    doc: "out.shape[i] = x.shape[permutation[i]]",
    abstractEval: (p, [x], op) => {
      if (!isPermutation(p.permutation, x!.shape.length))
        shapeError(op, `permutation ${JSON.stringify(p.permutation)} is not a permutation of rank ${x!.shape.length}`);
      return [{ dtype: x!.dtype, shape: p.permutation.map((a) => x!.shape[a]!) }];
    },
  }),
  broadcast_in_dim: def({
    family: "shape",
    params: z.object({ shape: zShape, broadcast_dimensions: zAxes }).strict(),
    arity: 1,
    doc: "operand dim i goes to output dim broadcast_dimensions[i] (size equal or 1)",
    abstractEval: (p, [x], op) => {
      const bd = p.broadcast_dimensions;
      if (bd.length !== x!.shape.length) shapeError(op, `broadcast_dimensions ${JSON.stringify(bd)} must have one entry per operand dim (${shapeToString(x!.shape)})`);
      for (let i = 0; i < bd.length; i++) {
        const d = bd[i]!;
        if (d >= p.shape.length || (i > 0 && d <= bd[i - 1]!)) shapeError(op, `broadcast_dimensions ${JSON.stringify(bd)} must be increasing and below rank ${p.shape.length}`);
        const s = x!.shape[i]!;
        if (s !== 1 && s !== p.shape[d]) shapeError(op, `cannot broadcast ${shapeToString(x!.shape)} to ${shapeToString(p.shape)}: dim ${i} has size ${s}`);
      }
      return [{ dtype: x!.dtype, shape: p.shape }];
    },
  }),
  squeeze: def({
    family: "shape",
    params: z.object({ dimensions: zAxes }).strict(),
    arity: 1,
    doc: "remove the listed size-1 dims",
    abstractEval: (p, [x], op) => {
      checkAxes(op, p.dimensions, x!.shape.length, "dimensions");
      for (const d of p.dimensions) if (x!.shape[d] !== 1) shapeError(op, `dim ${d} of ${shapeToString(x!.shape)} has size ${x!.shape[d]}, not 1`);
      return [{ dtype: x!.dtype, shape: x!.shape.filter((_, i) => !p.dimensions.includes(i)) }];
    },
  }),
  expand_dims: def({
    family: "shape",
    params: z.object({ dimensions: zAxes }).strict(),
    arity: 1,
    doc: "insert size-1 dims at the listed output positions",
    abstractEval: (p, [x], op) => {
      const rank = x!.shape.length + p.dimensions.length;
      checkAxes(op, p.dimensions, rank, "dimensions");
      const out: number[] = [];
      let j = 0;
      for (let i = 0; i < rank; i++) out.push(p.dimensions.includes(i) ? 1 : x!.shape[j++]!);
      return [{ dtype: x!.dtype, shape: out }];
    },
  }),
  rev: def({
    family: "shape",
    params: z.object({ dimensions: zAxes }).strict(),
    arity: 1,
    doc: "reverse the listed dims",
    abstractEval: (p, [x], op) => {
      checkAxes(op, p.dimensions, x!.shape.length, "dimensions");
      return [x!];
    },
  }),
  slice: def({
    family: "shape",
    params: z
      .object({ start_indices: z.array(zNat), limit_indices: z.array(zNat), strides: z.array(z.number().int().positive()).nullable() })
      .strict(),
    arity: 1,
    doc: "static strided slice [start, limit) per dim",
    abstractEval: (p, [x], op) => {
      const r = x!.shape.length;
      if (p.start_indices.length !== r || p.limit_indices.length !== r || (p.strides && p.strides.length !== r))
        shapeError(op, `start/limit/strides need ${r} entries for ${shapeToString(x!.shape)}`);
      const shape = x!.shape.map((d, i) => {
        const s = p.start_indices[i]!;
        const l = p.limit_indices[i]!;
        if (s > l || l > d) shapeError(op, `slice [${s}, ${l}) out of range for dim ${i} of size ${d}`);
        const st = p.strides ? p.strides[i]! : 1;
        return Math.ceil((l - s) / st);
      });
      return [{ dtype: x!.dtype, shape }];
    },
  }),
  pad: def({
    family: "shape",
    params: z.object({ padding_config: z.array(z.tuple([zInt, zInt, zNat])) }).strict(),
    arity: 2,
    doc: "pad with a scalar value: (low, high, interior) per dim; negative low/high crop",
    abstractEval: (p, [x, v], op) => {
      if (v!.shape.length !== 0 || v!.dtype !== x!.dtype) shapeError(op, `padding value must be a ${x!.dtype} scalar, got ${v!.dtype}${shapeToString(v!.shape)}`);
      if (p.padding_config.length !== x!.shape.length) shapeError(op, `padding_config needs ${x!.shape.length} entries`);
      const shape = x!.shape.map((d, i) => {
        const [lo, hi, interior] = p.padding_config[i]!;
        const n = lo + hi + d + Math.max(0, d - 1) * interior;
        if (n < 0) shapeError(op, `padding ${JSON.stringify(p.padding_config[i])} gives a negative size for dim ${i}`);
        return n;
      });
      return [{ dtype: x!.dtype, shape }];
    },
  }),
  concatenate: def({
    family: "shape",
    params: z.object({ dimension: zNat }).strict(),
    arity: { min: 1 },
    doc: "join operands along one dim",
    abstractEval: (p, ins, op) => {
      const first = ins[0]!;
      const r = first.shape.length;
      if (p.dimension >= r) shapeError(op, `dimension ${p.dimension} out of range for rank ${r}`);
      let total = 0;
      for (const a of ins) {
        if (a.dtype !== first.dtype) shapeError(op, `operands must have one dtype, got ${ins.map((b) => b.dtype).join(", ")}`);
        if (a.shape.length !== r || a.shape.some((d, i) => i !== p.dimension && d !== first.shape[i]))
          shapeError(op, `operand shapes ${ins.map((b) => shapeToString(b.shape)).join(", ")} differ outside dim ${p.dimension}`);
        total += a.shape[p.dimension]!;
      }
      const shape = [...first.shape];
      shape[p.dimension] = total;
      return [{ dtype: first.dtype, shape } as Aval];
    },
  }),
  stop_gradient: def({
    family: "shape",
    params: noParams,
    arity: 1,
    doc: "identity whose gradient is zero",
    abstractEval: (_p, [x]) => [x!],
  }),
};
