// Promotion (DESIGN.md "Types and promotion"), NumPy broadcasting, and errors that name the op
// and point at the user's line.
import { describe, expect, it } from "vitest";
import type { DType } from "../../ir/dtype.js";
import { DTypeError, ShapeError } from "../../ir/errors.js";
import { Literal } from "../../ir/program.js";
import * as ops from "../../compiler/ops/index.js";
import { spec, trace } from "../../compiler/trace.js";
import { callerLine, eagerAndTraced, flat, prims, t, thrown } from "./op-helpers.js";

const FILE = "tests/compiler/ops-promotion.test.ts";

describe("promotion table", () => {
  const cases: [DType, DType, DType][] = [
    ["f16", "f32", "f32"],
    ["bf16", "f32", "f32"],
    ["f16", "bf16", "f32"],
    ["i32", "f16", "f16"],
    ["bool", "f32", "f32"],
    ["bool", "bf16", "bf16"],
    ["bool", "i32", "i32"],
    ["f8e4m3fn", "f8e4m3fn", "f8e4m3fn"],
  ];
  for (const [a, b, want] of cases) {
    it(`${a} + ${b} → ${want}`, () => {
      const p = trace(ops.add, spec(a, [2]), spec(b, [2]));
      expect(p.outputAvals[0]!.dtype).toBe(want);
      // converts are inserted only for the operands that need them
      const converts = p.equations.filter((e) => e.primitive === "convert_element_type");
      expect(converts.length).toBe((a === want ? 0 : 1) + (b === want ? 0 : 1));
      expect(ops.add(t([1, 0], a), t([1, 1], b)).dtype).toBe(want);
    });
  }

  it("computes i32 + f16 in f16", () => {
    expect(flat(ops.mul(t([3, 2049], "i32"), t([0.5, 1], "f16")))).toEqual([1.5, 2048]); // 2049 rounds in f16
  });
});

describe("weak JS numbers", () => {
  it("take the tensor's dtype, rounded into it", () => {
    const p = trace((x) => ops.add(x, 0.1), spec("f16", [2]));
    expect(prims(p)).toEqual(["add"]);
    const lit = p.equations[0]!.inputs[1] as Literal;
    expect(lit).toBeInstanceOf(Literal);
    expect(lit.dtype).toBe("f16");
    expect(lit.value).toBe(0.0999755859375);
    expect(ops.mul(t([1, 2], "bf16"), 3).dtype).toBe("bf16");
  });

  it("keep fp8 dtypes (no error)", () => {
    const out = ops.mul(t([1, 2], "f8e4m3fn"), 2);
    expect(out.dtype).toBe("f8e4m3fn");
    expect(flat(out)).toEqual([2, 4]);
  });

  it("with integers: an integer stays i32, a fraction gives f32", () => {
    expect(ops.add(t([1, 2], "i32"), 1).dtype).toBe("i32");
    expect(ops.add(t([1, 2], "i32"), 1.5).dtype).toBe("f32");
    expect(flat(ops.add(t([1, 2], "i32"), 1.5))).toEqual([2.5, 3.5]);
    expect(ops.add(t([true], "bool"), 1).dtype).toBe("i32");
  });

  it("two numbers give f32", () => {
    expect(ops.add(1, 2).dtype).toBe("f32");
    expect(ops.where(t([true, false], "bool"), 1, 0).dtype).toBe("f32");
  });
});

describe("fp8 mixing", () => {
  it("is a DTypeError naming the op and the caller's line", () => {
    const a = t([1], "f8e4m3fn");
    const b = t([1], "f16");
    const [e, line] = [thrown(() => ops.add(a, b)), callerLine()];
    expect(e).toBeInstanceOf(DTypeError);
    expect(e.op).toBe("add");
    expect(e.callSite).toContain(`${FILE}:${line}:`);
    expect(e.message).toMatch(/astype/);
  });

  it("also between the two fp8 formats and under tracing", () => {
    const [e, line] = [thrown(() => trace((x, y) => ops.maximum(x, y), spec("f8e4m3fn", [2]), spec("f8e5m2", [2]))), callerLine()];
    expect(e).toBeInstanceOf(DTypeError);
    expect(e.op).toBe("maximum");
    expect(e.callSite).toContain(`${FILE}:${line}:`);
  });

  it("astype resolves it", () => {
    const out = ops.add(ops.astype(t([1.5], "f8e4m3fn"), "f32"), t([1], "f32"));
    expect(flat(out)).toEqual([2.5]);
  });
});

describe("broadcasting", () => {
  it("follows NumPy rules", () => {
    const out = ops.add(t([[1], [2]]), t([10, 20, 30]));
    expect(out.shape).toEqual([2, 3]);
    expect(flat(out)).toEqual([11, 21, 31, 12, 22, 32]);
    expect(ops.mul(t([[[1, 2]]]), t([[1], [2], [3]])).shape).toEqual([1, 3, 2]);
  });

  it("broadcasts only the operands that need it; rank-0 operands stay rank-0", () => {
    const p = trace(ops.add, spec("f32", [4, 3]), spec("f32", [3]));
    expect(prims(p)).toEqual(["broadcast_in_dim", "add"]);
    expect(p.equations[0]!.params).toEqual({ shape: [4, 3], broadcast_dimensions: [1] });
    const q = trace(ops.add, spec("f32", [4, 3]), spec("f32", []));
    expect(prims(q)).toEqual(["add"]);
    eagerAndTraced(ops.sub, t([[1, 2, 3]]), t(5));
    eagerAndTraced(ops.sub, t([[1], [2]]), t([1, 2, 3]));
  });

  it("incompatible shapes are a ShapeError naming the op and the caller's line", () => {
    const a = t([1, 2, 3]);
    const b = t([1, 2]);
    const [e, line] = [thrown(() => ops.mul(a, b)), callerLine()];
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.op).toBe("mul");
    expect(e.callSite).toContain(`${FILE}:${line}:`);
    expect(e.message).toContain("[3], [2]");
  });

  it("errors from primitive shape rules carry the call site too", () => {
    const x = t([1, 2, 3, 4]);
    const [e, line] = [thrown(() => ops.reshape(x, [3])), callerLine()];
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.op).toBe("reshape");
    expect(e.callSite).toContain(`${FILE}:${line}:`);
  });
});
