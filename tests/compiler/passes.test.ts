// dce and cse: what they remove and merge, what they keep, and that the programs they return
// verify and compute the same values as before.
import { describe, expect, it } from "vitest";
import { Literal, makeEquation, Program, Var } from "../../ir/program.js";
import { print } from "../../ir/print.js";
import { verify } from "../../ir/verify.js";
import { cse } from "../../compiler/passes/cse.js";
import { dce } from "../../compiler/passes/dce.js";
import { gradProgram } from "../../compiler/grad/backward.js";
import { customVjp } from "../../compiler/grad/custom-vjp.js";
import * as lax from "../../compiler/lax.js";
import * as nn from "../../compiler/nn.js";
import * as ops from "../../compiler/ops/index.js";
import { spec, trace } from "../../compiler/trace.js";
import { interpret } from "../../runtime/interpreter.js";
import { array, type Tensor } from "../../runtime/tensor.js";
import { prims, rng, uniform } from "./grad/helpers.js";

const x3 = spec("f32", [3]);
const inputsFor = (p: Program, seed = 1) => {
  const r = rng(seed);
  return p.inputs.map((v) => uniform(r, v.shape, 0.5, 2));
};
/** The pass keeps the program valid and its values (bit for bit) on random inputs. */
function expectSameProgram(before: Program, after: Program): void {
  verify(after);
  expect(after.inputs).toEqual(before.inputs);
  expect(after.inputNames).toEqual(before.inputNames);
  expect(after.outTree).toEqual(before.outTree);
  const args = inputsFor(before);
  const a = interpret(before, args);
  const b = interpret(after, args);
  expect(b.length).toBe(a.length);
  a.forEach((t, i) => expect(Array.from(b[i]!.bits() as ArrayLike<number>)).toEqual(Array.from(t.bits() as ArrayLike<number>)));
}

describe("dce", () => {
  it("removes dead equations and the constants only they used, keeps the outputs", () => {
    const table = array([1, 2, 3]);
    const p = trace((x: Tensor) => {
      ops.exp(ops.mul(x, table)); // dead, and so is `table`
      return ops.mul(x, 2);
    }, x3);
    expect(p.constants.length).toBe(1);
    const q = dce(p);
    expect(prims(q)).toEqual(["mul"]);
    expect(q.constants).toEqual([]);
    expectSameProgram(p, q);
  });

  it("keeps unused inputs (the signature does not change) and live constants", () => {
    const table = array([1, 2, 3]);
    const p = trace((x: Tensor, _unused: Tensor) => ops.add(x, table), x3, x3);
    const q = dce(p);
    expect(q.inputs.length).toBe(2);
    expect(q.constants.length).toBe(1);
    expectSameProgram(p, q);
  });

  it("keeps an equation when any of its outputs is live", () => {
    const p = trace((x: Tensor) => ops.mul(lax.getDataScale(x)[1], 3), x3);
    const q = dce(p);
    expect(prims(q)).toEqual(["get_data_scale", "mul"]);
    expectSameProgram(p, q);
  });

  it("keeps everything a live output needs, transitively, and returns literal outputs", () => {
    const p = trace((x: Tensor) => [ops.sum(ops.exp(ops.sin(x))), 1.5], x3);
    const q = dce(p);
    expect(prims(q)).toEqual(["sin", "exp", "reduce_sum"]);
    expect(q.outputs[1]).toBeInstanceOf(Literal);
    expectSameProgram(p, q);
  });

  it("cleans the bodies of custom_vjp", () => {
    const f = customVjp({
      fn: (x: Tensor) => {
        ops.cos(x); // dead inside the body
        return ops.sin(x);
      },
      fwd: (x: Tensor) => [ops.sin(x), ops.cos(x)] as [Tensor, Tensor],
      bwd: (c: Tensor, ct: Tensor) => [ops.mul(ct, c)],
    });
    const p = trace((x: Tensor) => ops.sum(f(x)), x3);
    const body = (q: Program) => (q.equations.find((e) => e.primitive === "custom_vjp")!.params as { call: Program }).call;
    expect(prims(body(p))).toEqual(["cos", "sin"]);
    const q = dce(p);
    expect(prims(body(q))).toEqual(["sin"]);
    expectSameProgram(p, q);
  });

  it("is idempotent", () => {
    const p = trace((x: Tensor) => {
      ops.exp(x);
      return ops.sum(ops.tanh(x));
    }, x3);
    expect(print(dce(dce(p)))).toBe(print(dce(p)));
  });
});

describe("cse", () => {
  it("merges duplicate equations, and then what depended on them", () => {
    const p = trace((x: Tensor) => ops.add(ops.sin(ops.exp(x)), ops.sin(ops.exp(x))), x3);
    expect(prims(p)).toEqual(["exp", "sin", "exp", "sin", "add"]);
    const q = cse(p);
    expect(prims(q)).toEqual(["exp", "sin", "add"]);
    expect(q.equations[2]!.inputs[0]).toBe(q.equations[2]!.inputs[1]);
    expectSameProgram(p, q);
  });

  it("merges equal constants (same dtype, shape and bytes) but not different ones", () => {
    const p = trace(
      (x: Tensor) => ops.add(ops.add(ops.mul(x, array([1, 2, 3])), ops.mul(x, array([1, 2, 3]))), ops.add(array([1, 2, 4]), array([1, 2, 3], { dtype: "i32" }))),
      x3,
    );
    expect(p.constants.length).toBe(4);
    const q = cse(p);
    expect(q.constants.length).toBe(3);
    expect(prims(q).filter((e) => e === "mul").length).toBe(1);
    expectSameProgram(p, q);
  });

  it("does not merge equations that differ in params, literals (0 vs −0) or operands", () => {
    const p = trace(
      (x: Tensor, y: Tensor) => [
        ops.sum(x, 0),
        ops.sum(ops.reshape(x, [1, 3]), 1),
        ops.mul(x, 0),
        ops.mul(x, -0),
        ops.mul(x, 2),
        ops.mul(y, 2),
        lax.cumsum(x, { axis: 0 }),
        lax.cumsum(x, { axis: 0, reverse: true }),
      ],
      x3,
      x3,
    );
    const q = cse(p);
    expect(q.equations.length).toBe(p.equations.length);
    expectSameProgram(p, q);
  });

  it("matches params whatever their key order", () => {
    const x = new Var({ dtype: "f32", shape: [4] });
    const idx = new Var({ dtype: "i32", shape: [2] });
    const [a, b, s] = [new Var({ dtype: "f32", shape: [2] }), new Var({ dtype: "f32", shape: [2] }), new Var({ dtype: "f32", shape: [2] })];
    const p = new Program(
      [x, idx],
      [],
      [
        makeEquation("gather", { axis: 0, mode: "clip" }, [x, idx], [a]),
        makeEquation("gather", { mode: "clip", axis: 0 } as never, [x, idx], [b]),
        makeEquation("add", {}, [a, b], [s]),
      ],
      [s],
      ["x", "idx"],
      { kind: "array", children: [{ kind: "leaf" }, { kind: "leaf" }] },
    );
    verify(p);
    const q = cse(p);
    expect(prims(q)).toEqual(["gather", "add"]);
    verify(q);
    const args = [array([1, 2, 3, 4]), array([3, 0], { dtype: "i32" })];
    expect(interpret(q, args)[0]!.toArray()).toEqual([8, 2]);
  });

  it("merges custom_vjp calls that share their body programs", () => {
    const f = customVjp({
      fn: (x: Tensor) => ops.sin(x),
      fwd: (x: Tensor) => [ops.sin(x), ops.cos(x)] as [Tensor, Tensor],
      bwd: (c: Tensor, ct: Tensor) => [ops.mul(ct, c)],
    });
    const p0 = trace((x: Tensor) => f(x), x3);
    const e = p0.equations[0]!;
    const out2 = new Var(e.outputs[0]!.aval);
    const sum = new Var(e.outputs[0]!.aval);
    const p = p0.with({
      equations: [e, { ...e, outputs: [out2] }, makeEquation("add", {}, [e.outputs[0]!, out2], [sum])],
      outputs: [sum],
    });
    verify(p);
    const q = cse(p);
    expect(prims(q)).toEqual(["custom_vjp", "add"]);
    expectSameProgram(p, q);
  });

  it("is idempotent, and cse then dce keeps verify passing on a gradient program", () => {
    const loss = (w: Tensor, x: Tensor) => nn.softmaxCrossEntropy(ops.matmul(nn.gelu(ops.matmul(x, w)), ops.transpose(w)), [0, 2]);
    const p = gradProgram(trace(loss, spec("f32", [4, 4]), spec("f32", [2, 4])), { argnums: [0, 1] });
    verify(p);
    const once = cse(p);
    expect(print(cse(once))).toBe(print(once));
    expect(once.equations.length).toBeLessThan(p.equations.length);
    expectSameProgram(p, once);
    const both = dce(once);
    expect(both.equations.length).toBeLessThan(once.equations.length);
    expectSameProgram(p, both);
  });
});
