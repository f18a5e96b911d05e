// matmul and dot with NumPy semantics, checked against a naive f64 matmul.
import { describe, expect, it } from "vitest";
import { ShapeError } from "../../ir/errors.js";
import * as ops from "../../compiler/ops/index.js";
import { spec, trace } from "../../compiler/trace.js";
import { array, type Tensor } from "../../runtime/tensor.js";
import { callerLine, eagerAndTraced, expectClose, prims, t, thrown } from "./op-helpers.js";

/** A tensor of `shape` with deterministic small values. */
function filled(shape: number[], seed = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return array(Float32Array.from({ length: n }, (_, i) => ((i * 7 + seed * 3) % 11) / 4 - 1), { shape });
}

/** f64 reference of a @ b for stacks of matrices with already-equal batch dims. */
function refMatmul(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, bBatched = true): number[] {
  const out: number[] = [];
  for (let z = 0; z < batch; z++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += a[z * m * k + i * k + q]! * b[(bBatched ? z * k * n : 0) + q * n + j]!;
        out.push(s);
      }
  return out;
}

describe("matmul", () => {
  it("2-D @ 2-D", () => {
    const a = filled([3, 4]);
    const b = filled([4, 2], 2);
    const { program, out } = eagerAndTraced((x, y) => ops.matmul(x, y), a, b);
    expect(out.shape).toEqual([3, 2]);
    expect(prims(program)).toEqual(["dot_general"]);
    expectClose(out, refMatmul(a.toFloat32Array(), b.toFloat32Array(), 1, 3, 4, 2), 1e-6);
  });

  it("1-D operands act as vectors and are dropped from the result", () => {
    const v = filled([4]);
    const m = filled([4, 3], 2);
    expect(ops.matmul(v, m).shape).toEqual([3]);
    expectClose(ops.matmul(v, m), refMatmul(v.toFloat32Array(), m.toFloat32Array(), 1, 1, 4, 3), 1e-6);
    expect(ops.matmul(ops.transpose(m), v).shape).toEqual([3]);
    expect(ops.matmul(v, v).shape).toEqual([]);
    expectClose(ops.matmul(v, v), [Array.from(v.toFloat32Array()).reduce((s, x) => s + x * x, 0)], 1e-6);
    expect(ops.matmul(v, filled([2, 4, 3])).shape).toEqual([2, 3]);
  });

  it("batched with broadcasting of batch dims", () => {
    const a = filled([2, 1, 3, 4]);
    const b = filled([5, 4, 2], 3);
    const { program, out } = eagerAndTraced((x, y) => ops.matmul(x, y), a, b);
    expect(out.shape).toEqual([2, 5, 3, 2]);
    const dg = program.equations.find((e) => e.primitive === "dot_general")!;
    expect(dg.params).toEqual({ dimension_numbers: [[[3], [2]], [[0, 1], [0, 1]]], preferred_element_type: null });
    // reference: broadcast explicitly
    const A = ops.broadcastTo(a, [2, 5, 3, 4]).toFloat32Array();
    const B = ops.broadcastTo(b, [2, 5, 4, 2]).toFloat32Array();
    expectClose(out, refMatmul(A, B, 10, 3, 4, 2), 1e-6);
  });

  it("N-D @ 2-D and 2-D @ N-D need no broadcast", () => {
    const a = filled([2, 3, 4]);
    const w = filled([4, 5], 2);
    expect(prims(trace(ops.matmul, a, w))).toEqual(["dot_general"]);
    expectClose(ops.matmul(a, w), refMatmul(a.toFloat32Array(), w.toFloat32Array(), 2, 3, 4, 5, false), 1e-6);
    const m = filled([3, 4]);
    const b = filled([2, 4, 5], 4);
    const { program, out } = eagerAndTraced((x, y) => ops.matmul(x, y), m, b);
    expect(prims(program)).toEqual(["dot_general", "transpose"]);
    expect(out.shape).toEqual([2, 3, 5]);
    const M = ops.broadcastTo(m, [2, 3, 4]).toFloat32Array();
    expectClose(out, refMatmul(M, b.toFloat32Array(), 2, 3, 4, 5), 1e-6);
  });

  it("dtypes: mixed floats go to dot_general as they are; fp8 gives f32; preferredElementType wins", () => {
    expect(trace(ops.matmul, spec("f16", [2, 3]), spec("f16", [3, 2])).outputAvals[0]!.dtype).toBe("f16");
    const p = trace(ops.matmul, spec("f8e4m3fn", [2, 3]), spec("f8e5m2", [3, 2]));
    expect(prims(p)).toEqual(["dot_general"]);
    expect(p.outputAvals[0]!.dtype).toBe("f32");
    const q = trace((a, b) => ops.matmul(a, b, { preferredElementType: "bf16" }), spec("f8e4m3fn", [2, 3]), spec("f8e4m3fn", [3, 2]));
    expect(q.outputAvals[0]!.dtype).toBe("bf16");
    const r = trace(ops.matmul, spec("i32", [2, 3]), spec("f16", [3, 2]));
    expect(prims(r)).toEqual(["convert_element_type", "dot_general"]);
    expect(r.outputAvals[0]!.dtype).toBe("f16");
  });

  it("mismatched contracting dims and scalars are ShapeErrors at the caller's line", () => {
    const a = filled([2, 3]);
    const b = filled([4, 2]);
    const [e, line] = [thrown(() => ops.matmul(a, b)), callerLine()];
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.op).toBe("matmul");
    expect(e.callSite).toContain(`ops-linalg.test.ts:${line}:`);
    expect(thrown(() => ops.matmul(t(1), b))).toBeInstanceOf(ShapeError);
    expect(thrown(() => ops.matmul(filled([2, 2, 3]), filled([3, 3, 2]))).message).toMatch(/broadcast/);
  });
});

describe("dot", () => {
  it("contracts a's last axis with b's second-to-last, without batching", () => {
    const a = filled([2, 3]);
    const b = filled([4, 3, 5], 2);
    const out = ops.dot(a, b);
    expect(out.shape).toEqual([2, 4, 5]);
    // out[i, z, j] = Σ_q a[i, q] b[z, q, j]
    const A = a.toFloat32Array();
    const B = b.toFloat32Array();
    const want: number[] = [];
    for (let i = 0; i < 2; i++)
      for (let z = 0; z < 4; z++)
        for (let j = 0; j < 5; j++) {
          let s = 0;
          for (let q = 0; q < 3; q++) s += A[i * 3 + q]! * B[z * 15 + q * 5 + j]!;
          want.push(s);
        }
    expectClose(out, want, 1e-6);
    expectClose(ops.dot(t([1, 2]), t([3, 4])), [11]);
    expectClose(ops.dot(t(2), t([3, 4])), [6, 8]);
  });
});
