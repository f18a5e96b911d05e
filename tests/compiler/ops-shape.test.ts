// Shape, data-movement and creation ops.
import { describe, expect, it } from "vitest";
import { ShapeError } from "../../ir/errors.js";
import { Literal } from "../../ir/program.js";
import * as ops from "../../compiler/ops/index.js";
import { spec, trace } from "../../compiler/trace.js";
import { callerLine, eagerAndTraced, flat, prims, t, thrown } from "./op-helpers.js";

const x23 = () => t([[1, 2, 3], [4, 5, 6]]);

describe("reshape transpose broadcastTo", () => {
  it("reshape infers one -1", () => {
    expect(ops.reshape(x23(), [3, -1]).shape).toEqual([3, 2]);
    expect(flat(ops.reshape(x23(), [-1]))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ops.ravel(x23()).shape).toEqual([6]);
    const [e, line] = [thrown(() => ops.reshape(x23(), [-1, -1])), callerLine()];
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.op).toBe("reshape");
    expect(e.callSite).toContain(`ops-shape.test.ts:${line}:`);
    expect(thrown(() => ops.reshape(x23(), [4, -1]))).toBeInstanceOf(ShapeError);
  });

  it("transpose reverses by default; negative axes count from the end", () => {
    expect(flat(ops.transpose(x23()))).toEqual([1, 4, 2, 5, 3, 6]);
    const y = t([[[1, 2]], [[3, 4]]]); // [2,1,2]
    expect(ops.transpose(y, [-1, 0, 1]).shape).toEqual([2, 2, 1]);
    expect(prims(trace((a) => ops.transpose(a, [0, 1]), spec("f32", [2, 2])))).toEqual([]);
    eagerAndTraced((a) => ops.transpose(a), x23());
  });

  it("broadcastTo", () => {
    expect(flat(ops.broadcastTo(t([1, 2, 3]), [2, 3]))).toEqual([1, 2, 3, 1, 2, 3]);
    expect(flat(ops.broadcastTo(t([[1], [2]]), [2, 2]))).toEqual([1, 1, 2, 2]);
    expect(flat(ops.broadcastTo(5, [2]))).toEqual([5, 5]);
    expect(thrown(() => ops.broadcastTo(t([1, 2]), [3]))).toBeInstanceOf(ShapeError);
  });
});

describe("concatenate stack squeeze expandDims", () => {
  it("concatenate promotes and joins", () => {
    const out = ops.concatenate([x23(), t([[7, 8, 9]], "f16")], 0);
    expect(out.dtype).toBe("f32");
    expect(out.shape).toEqual([3, 3]);
    expect(flat(ops.concatenate([x23(), x23()], -1)).slice(0, 6)).toEqual([1, 2, 3, 1, 2, 3]);
    eagerAndTraced((a, b) => ops.concatenate([a, b], 1), x23(), t([[0], [0]]));
    expect(thrown(() => ops.concatenate([t(1), t(2)]))).toBeInstanceOf(ShapeError);
  });

  it("stack adds an axis", () => {
    const s = ops.stack([t([1, 2]), t([3, 4])], 1);
    expect(s.shape).toEqual([2, 2]);
    expect(flat(s)).toEqual([1, 3, 2, 4]);
  });

  it("squeeze all or given size-1 axes; expandDims at result positions", () => {
    const y = t([[[1], [2]]]); // [1,2,1]
    expect(ops.squeeze(y).shape).toEqual([2]);
    expect(ops.squeeze(y, -1).shape).toEqual([1, 2]);
    expect(thrown(() => ops.squeeze(y, 1))).toBeInstanceOf(ShapeError);
    expect(ops.expandDims(t([1, 2]), -1).shape).toEqual([2, 1]);
    expect(ops.expandDims(t([1, 2]), [0, 2]).shape).toEqual([1, 2, 1]);
  });
});

describe("slice pad flip", () => {
  it("slice with strides and negative indices", () => {
    expect(flat(ops.slice(x23(), [0, 1], [2, 3]))).toEqual([2, 3, 5, 6]);
    expect(flat(ops.slice(x23(), [0, 0], [2, 3], [1, 2]))).toEqual([1, 3, 4, 6]);
    expect(flat(ops.slice(x23(), [-1, 0], [2, -1]))).toEqual([4, 5]);
  });

  it("pad with [lo, hi] or [lo, hi, interior] and a value", () => {
    expect(flat(ops.pad(t([1, 2]), [[1, 2]]))).toEqual([0, 1, 2, 0, 0]);
    expect(flat(ops.pad(t([1, 2]), [[0, 0, 2]], -1))).toEqual([1, -1, -1, 2]);
    const { program } = eagerAndTraced((a) => ops.pad(a, [[1, 0], [0, 1]], 9), t([[1, 2]], "bf16"));
    const v = program.equations[0]!.inputs[1] as Literal;
    expect(v).toBeInstanceOf(Literal);
    expect([v.dtype, v.value]).toEqual(["bf16", 9]);
  });

  it("flip", () => {
    expect(flat(ops.flip(x23()))).toEqual([6, 5, 4, 3, 2, 1]);
    expect(flat(ops.flip(x23(), 1))).toEqual([3, 2, 1, 6, 5, 4]);
  });
});

describe("creation and casts", () => {
  it("full zeros ones and their _like forms are broadcasts of a literal", () => {
    const p = trace(() => ops.full([2, 2], 0.5, "f16"));
    expect(prims(p)).toEqual(["broadcast_in_dim"]);
    expect(p.equations[0]!.inputs[0]).toBeInstanceOf(Literal);
    expect(flat(ops.zeros([3]))).toEqual([0, 0, 0]);
    expect(ops.ones([2], "i32").dtype).toBe("i32");
    const a = t([1, 2], "bf16");
    expect(ops.zerosLike(a).dtype).toBe("bf16");
    expect(flat(ops.onesLike(a))).toEqual([1, 1]);
    expect(flat(ops.fullLike(a, 3, "f32"))).toEqual([3, 3]);
    expect(flat(ops.full([2], t(4)))).toEqual([4, 4]);
  });

  it("arange is an i32 iota", () => {
    const r = ops.arange(4);
    expect(r.dtype).toBe("i32");
    expect(flat(r)).toEqual([0, 1, 2, 3]);
    expect(flat(ops.arange(2, "f32"))).toEqual([0, 1]);
  });

  it("astype converts (saturating fp8 on request) and is free when the dtype matches", () => {
    const big = t([500, -1000, 1]);
    expect(flat(ops.astype(big, "f8e4m3fn")).slice(0, 2).every(Number.isNaN)).toBe(true);
    expect(flat(ops.astype(big, "f8e4m3fn", { saturate: true }))).toEqual([448, -448, 1]);
    expect(flat(ops.astype(t([2.7, -2.7]), "i32"))).toEqual([2, -2]);
    expect(prims(trace((a) => ops.astype(a, "f32"), spec("f32", [2])))).toEqual([]);
  });
});
