// Small gradients derived by hand, the shape of what grad/valueAndGrad/vjp return, what the
// gradient programs contain, custom_vjp, and the errors (their class, message and call site).
import { afterEach, describe, expect, it } from "vitest";
import { DTypeError, ShapeError } from "../../../ir/errors.js";
import { parse } from "../../../ir/parse.js";
import { print } from "../../../ir/print.js";
import { verify } from "../../../ir/verify.js";
import { grad, gradPass, valueAndGrad, vjp } from "../../../compiler/grad/api.js";
import { customVjp } from "../../../compiler/grad/custom-vjp.js";
import { gradProgram } from "../../../compiler/grad/backward.js";
import { GRAD_RULES, NON_DIFFERENTIABLE } from "../../../compiler/grad/grad-rules.js";
import { cse } from "../../../compiler/passes/cse.js";
import { dce } from "../../../compiler/passes/dce.js";
import * as lax from "../../../compiler/lax.js";
import * as nn from "../../../compiler/nn.js";
import * as ops from "../../../compiler/ops/index.js";
import { spec, trace } from "../../../compiler/trace.js";
import { interpret } from "../../../runtime/interpreter.js";
import { array, Tensor, type NestedNumbers } from "../../../runtime/tensor.js";
import { containsPrimitive, prims } from "./helpers.js";

const t = (v: NestedNumbers, dtype: "f32" | "i32" = "f32") => array(v, { dtype });
const vals = (x: unknown) => (x as Tensor).toArray();
const close = (x: unknown, want: number[], tol = 1e-6) => {
  const got = Array.from((x as Tensor).toFloat32Array());
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]!), `element ${i}: ${g} vs ${want[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]!))));
};
/** The gradient program of `f` at specs (verified). */
const gradProgramOf = (f: (...a: any[]) => unknown, ...args: unknown[]) => {
  const p = gradPass(trace(f, ...args));
  verify(p);
  return p;
};
const THIS_FILE = "hand.test.ts";

describe("hand-derived gradients", () => {
  it("d/dx Σ x·y = y and d/dy = x", () => {
    const [x, y] = [t([1, 2, 3]), t([4, -5, 6])];
    const [gx, gy] = grad((a: Tensor, b: Tensor) => ops.sum(ops.mul(a, b)), { argnums: [0, 1] })(x, y) as Tensor[];
    expect(vals(gx)).toEqual([4, -5, 6]);
    expect(vals(gy)).toEqual([1, 2, 3]);
  });

  it("matmul: dA = G·Bᵀ, dB = Aᵀ·G for L = Σ W ⊙ (A·B)", () => {
    const A = t([[1, 2, 3], [4, 5, 6]]);
    const B = t([[1, 0], [0, 2], [-1, 1]]);
    const W = t([[1, 2], [3, 4]]);
    const [dA, dB] = grad((a: Tensor, b: Tensor) => ops.sum(ops.mul(ops.matmul(a, b), W)), { argnums: [0, 1] })(A, B) as Tensor[];
    // G = W. dA = W·Bᵀ = [[1,4,1],[3,8,1]]; dB = Aᵀ·W = [[13,18],[17,24],[21,30]].
    expect(vals(dA)).toEqual([[1, 4, 1], [3, 8, 1]]);
    expect(vals(dB)).toEqual([[13, 18], [17, 24], [21, 30]]);
  });

  it("softmax cross-entropy: d/dlogits = (softmax − onehot) / batch", () => {
    const logits = t([[1, 2, 0.5, -1], [0, 0, 3, 1], [2, -2, 0, 0.25]]);
    const labels = t([1, 2, 0], "i32");
    const g = grad((z: Tensor) => nn.softmaxCrossEntropy(z, labels))(logits) as Tensor;
    const rows = logits.toArray() as number[][];
    const want = rows.flatMap((row, i) => {
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v, j) => (v / s - (j === [1, 2, 0][i] ? 1 : 0)) / 3);
    });
    close(g, want, 1e-6);
  });

  it("relu's gradient at 0 is 0", () => {
    expect(vals(grad((x: Tensor) => ops.sum(nn.relu(x)))(t([-1, 0, 2])))).toEqual([0, 0, 1]);
  });

  it("max/min ties split the cotangent 0.5/0.5 (and the winner takes it all otherwise)", () => {
    const [x, y] = [t([1, 2, 3]), t([1, 5, 0])];
    for (const op of [ops.maximum, ops.minimum]) {
      const [gx, gy] = grad((a: Tensor, b: Tensor) => ops.sum(op(a, b)), { argnums: [0, 1] })(x, y) as Tensor[];
      const xWins = op === ops.maximum ? [0.5, 0, 1] : [0.5, 1, 0];
      expect(vals(gx)).toEqual(xWins);
      expect(vals(gy)).toEqual(xWins.map((v) => 1 - v));
    }
  });

  it("max with a rank-0 operand: the scalar collects its share over the broadcast", () => {
    const g = grad((s: Tensor, x: Tensor) => ops.sum(lax.max(s, x)), { argnums: [0, 1] })(t(2), t([1, 2, 3, 2])) as Tensor[];
    expect(vals(g[0])).toBe(2); // 0 + 0.5 + 0 + 0.5 + the ties only
    expect(vals(g[1])).toEqual([0, 0.5, 1, 0.5]);
  });

  it("reduce_max/min ties split equally among the extremes", () => {
    const x = t([[1, 3, 3, 2], [5, 5, 5, 0]]);
    expect(vals(grad((a: Tensor) => ops.sum(ops.max(a, 1)))(x))).toEqual([[0, 0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3, 0]].map((r) => r.map(Math.fround)));
    expect(vals(grad((a: Tensor) => ops.min(a))(t([2, -1, 4, -1])))).toEqual([0, 0.5, 0, 0.5]);
  });

  it("gather's gradient is a scatter_add (duplicates accumulate)", () => {
    const f = (x: Tensor) => ops.sum(ops.mul(ops.take(x, [2, 0, 2], 0, { mode: "clip" }), t([1, 2, 3])));
    const p = gradProgramOf(f, spec("f32", [4]));
    expect(prims(p)).toContain("scatter_add");
    expect(prims(p)).not.toContain("gather");
    expect(vals(interpret(p, [t([9, 9, 9, 9])])[0])).toEqual([2, 0, 4, 0]);
  });

  it("dynamic_slice's gradient is a dynamic_update_slice into zeros", () => {
    const f = (x: Tensor, i: Tensor) => ops.sum(ops.dynamicSlice(x, [i], [2]));
    const p = gradProgramOf(f, spec("f32", [5]), spec("i32", []));
    expect(prims(p)).toContain("dynamic_update_slice");
    expect(vals(interpret(p, [t([0, 0, 0, 0, 0]), t(1, "i32")])[0])).toEqual([0, 1, 1, 0, 0]);
    expect(vals(interpret(p, [t([0, 0, 0, 0, 0]), t(9, "i32")])[0])).toEqual([0, 0, 0, 1, 1]); // clamped like the slice
  });

  it("stop_gradient gives zero, and its zero is symbolic: nothing of the stopped path is emitted", () => {
    const f = (x: Tensor) => ops.sum(ops.exp(lax.stopGradient(x)));
    expect(vals(grad(f)(t([1, 2])))).toEqual([0, 0]);
    expect(prims(gradProgramOf(f, spec("f32", [2])))).toEqual(["broadcast_in_dim"]);
  });

  it("grad runs cse and dce: its program has no duplicate or dead equation", () => {
    const f = (x: Tensor) => ops.add(ops.sum(ops.exp(ops.mul(x, x))), ops.sum(ops.exp(ops.mul(x, x))));
    const p = grad(f).lower(spec("f32", [3]));
    verify(p);
    expect(print(cse(p))).toBe(print(p));
    expect(print(dce(p))).toBe(print(p));
    expect(prims(p).filter((q) => q === "exp").length).toBe(1);
    expect(p.equations.length).toBeLessThan(gradProgram(trace(f, spec("f32", [3]))).equations.length);
  });

  it("an argument the loss does not use gets zeros", () => {
    const [gx, gy] = grad((x: Tensor, _y: Tensor) => ops.sum(x), { argnums: [0, 1] })(t([1, 2]), t([[1, 2, 3]])) as Tensor[];
    expect(vals(gx)).toEqual([1, 1]);
    expect(vals(gy)).toEqual([[0, 0, 0]]);
  });

  it("cotangents of one variable are summed in the wider dtype (an fp8 one yields to f32)", () => {
    // x8 = fp8(x) feeds a dot (cotangent in f32: 0.0625) and a cast back to f32 (cotangent cast
    // to fp8: 3). Summed in f32: 3.0625; in e4m3fn it would round to 3.
    const w = t([0.0625, 0.0625]);
    const f = (x: Tensor) => {
      const x8 = lax.convertElementType(x, { newDtype: "f8e4m3fn" });
      const d = lax.dotGeneral(x8, w, { dimensionNumbers: [[[0], [0]], [[], []]] });
      return ops.add(d, ops.sum(ops.mul(lax.convertElementType(x8, { newDtype: "f32" }), 3)));
    };
    expect(vals(grad(f)(t([1, 1])))).toEqual([3.0625, 3.0625]);
  });

  it("a variable used many times accumulates its cotangents: d/dx x·x·x = 3x²", () => {
    close(grad((x: Tensor) => ops.sum(ops.mul(ops.mul(x, x), x)))(t([1, -2, 0.5])), [3, 12, 0.75]);
  });
});

describe("argnums, hasAux, pytrees, valueAndGrad, vjp", () => {
  const f = (a: Tensor, b: Tensor) => ops.sum(ops.mul(ops.mul(a, a), b));
  const [a, b] = [t([1, 2]), t([3, 4])];

  it("argnums as a number returns one gradient, as an array a list", () => {
    expect(vals(grad(f)(a, b))).toEqual([6, 16]);
    expect(vals(grad(f, { argnums: 1 })(a, b))).toEqual([1, 4]);
    const both = grad(f, { argnums: [1, 0] })(a, b) as Tensor[];
    expect(both.map(vals)).toEqual([[1, 4], [6, 16]]);
    expect((grad(f, { argnums: [1] })(a, b) as Tensor[]).map(vals)).toEqual([[1, 4]]);
  });

  it("gradients come back in the pytree structure of the parameters", () => {
    const params = { w: t([[1, 2], [3, 4]]), layers: [{ b: t([1, -1]) }, { b: t([0.5, 0.5]) }] };
    const loss = (p: typeof params, x: Tensor) => {
      let h = ops.matmul(x, p.w);
      for (const l of p.layers) h = ops.add(h, l.b);
      return ops.sum(ops.mul(h, h));
    };
    const x = t([[1, 0]]);
    const g = grad(loss)(params, x) as typeof params;
    expect(Object.keys(g).sort()).toEqual(["layers", "w"]);
    expect(Array.isArray(g.layers) && g.layers.length === 2).toBe(true);
    // h = [1, 2] + [1,-1] + [0.5,0.5] = [2.5, 1.5]; dL/dh = 2h = [5, 3]
    expect(vals(g.layers[0]!.b)).toEqual([5, 3]);
    expect(vals(g.layers[1]!.b)).toEqual([5, 3]);
    expect(vals(g.w)).toEqual([[5, 3], [0, 0]]);
  });

  it("hasAux: [grads, aux], the aux passed through", () => {
    const [g, aux] = grad((x: Tensor) => [ops.sum(ops.mul(x, x)), { mean: ops.mean(x), n: ops.argmax(x) }], { hasAux: true })(t([1, 3])) as [
      Tensor,
      { mean: Tensor; n: Tensor },
    ];
    expect(vals(g)).toEqual([2, 6]);
    expect(vals(aux.mean)).toBe(2);
    expect(vals(aux.n)).toBe(1);
  });

  it("valueAndGrad → [value, grads] (with hasAux: [[value, aux], grads])", () => {
    const [v, g] = valueAndGrad(f, { argnums: [0, 1] })(a, b) as [Tensor, Tensor[]];
    expect(vals(v)).toBe(3 + 16);
    expect(g.map(vals)).toEqual([[6, 16], [1, 4]]);
    const [[v2, aux], g2] = valueAndGrad((x: Tensor) => [ops.sum(ops.exp(x)), ops.neg(x)], { hasAux: true })(t([0, 0])) as [[Tensor, Tensor], Tensor];
    expect(vals(v2)).toBe(2);
    expect(vals(aux)).toEqual([-0, -0]);
    expect(vals(g2)).toEqual([1, 1]);
  });

  it("vjp with a non-scalar output and an explicit cotangent, one cotangent per primal", () => {
    const x = t([1, 2, 3]);
    const W = t([[1, 0], [2, 1], [0, -1]]);
    const [out, back] = vjp((a: Tensor, w: Tensor) => ops.matmul(ops.mul(a, a), w), x, W);
    expect(vals(out)).toEqual([9, -5]); // x² = [1,4,9]; x²·W = [1+8, 4-9]
    const [gx, gw] = back(t([1, 10]));
    // d/dx: 2x ⊙ (W·ct) = 2x ⊙ [1, 12, -10]; d/dW: x² ⊗ ct
    expect(vals(gx)).toEqual([2, 48, -60]);
    expect(vals(gw)).toEqual([[1, 10], [4, 40], [9, 90]]);
  });

  it("vjp over a pytree output: the cotangent has the output's structure", () => {
    const [out, back] = vjp((x: Tensor) => ({ s: ops.sum(x), d: ops.mul(x, 2) }), t([1, 2]));
    expect(vals((out as { s: Tensor }).s)).toBe(3);
    const [gx] = back({ d: t([1, -1]), s: t(5) });
    expect(vals(gx)).toEqual([7, 3]);
  });
});

describe("custom_vjp", () => {
  const clipGrad = customVjp({
    fn: (x: Tensor) => ops.mul(x, x),
    fwd: (x: Tensor) => [ops.mul(x, x), x] as [Tensor, Tensor],
    // Deliberately not the true derivative (2x): grad must use this rule, not differentiate fn.
    bwd: (x: Tensor, ct: Tensor) => [ops.mul(ops.mul(ct, x), 10)],
  });

  it("grad uses the user's bwd", () => {
    expect(vals(grad((x: Tensor) => ops.sum(clipGrad(x)))(t([1, -2])))).toEqual([10, -20]);
    // the value is fn's
    const [v] = valueAndGrad((x: Tensor) => ops.sum(clipGrad(x)))(t([1, -2])) as [Tensor];
    expect(vals(v)).toBe(5);
  });

  it("composes with the rest of the function (chain rule around the custom rule)", () => {
    // L = Σ 3·c(x+1) → dL/dx = 3·10·(x+1)
    expect(vals(grad((x: Tensor) => ops.sum(ops.mul(clipGrad(ops.add(x, 1)), 3)))(t([0, 1])))).toEqual([30, 60]);
  });

  it("a program with custom_vjp prints and parses back identically, and its gradient verifies", () => {
    const p = trace((x: Tensor, y: Tensor) => ops.sum(ops.mul(clipGrad(x), y)), spec("f32", [3]), spec("f32", [3]));
    expect(containsPrimitive(p, "custom_vjp")).toBe(true);
    verify(p);
    const text = print(p);
    expect(text).toContain("custom_vjp");
    const back = parse(text);
    verify(back);
    expect(print(back)).toBe(text);
    const g = gradPass(back, { argnums: [0, 1] });
    verify(g);
    const [gx, gy] = interpret(g, [t([1, 2, 3]), t([1, 1, 2])]);
    expect(vals(gx)).toEqual([10, 20, 60]);
    expect(vals(gy)).toEqual([1, 4, 9]);
  });
});

describe("errors", () => {
  const saved = { sin: GRAD_RULES.sin };
  afterEach(() => {
    GRAD_RULES.sin = saved.sin;
  });

  it("grad with respect to an integer input: DTypeError naming the input and the call site", () => {
    const g = grad((x: Tensor, n: Tensor) => ops.sum(ops.mul(x, n)), { argnums: [0, 1] });
    let err: unknown;
    try {
      g(t([1, 2]), t([1, 2], "i32"));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DTypeError);
    const e = err as DTypeError;
    expect(e.message).toMatch(/differentiate with respect to n of type i32\[2\]/);
    expect(e.callSite).toContain(THIS_FILE);
  });

  it("grad of a non-scalar output: ShapeError naming the primitive, its line and the grad call", () => {
    let err: unknown;
    try {
      grad((x: Tensor) => ops.mul(x, 2))(t([1, 2]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ShapeError);
    const e = err as ShapeError;
    expect(e.message).toMatch(/scalar output, got f32\[2\] \(the output of mul at .*hand\.test\.ts:\d+:\d+\)/);
    expect(e.message).toMatch(/reduce it first/);
    expect(e.callSite).toContain(THIS_FILE);
  });

  it("grad of several outputs without hasAux is a ShapeError; so is hasAux without [loss, aux]", () => {
    expect(() => grad((x: Tensor) => [ops.sum(x), ops.sum(x)])(t([1]))).toThrow(/use hasAux/);
    expect(() => grad((x: Tensor) => ops.sum(x), { hasAux: true })(t([1]))).toThrow(ShapeError);
  });

  it("passes.grad names the user's call site too", () => {
    const p = trace((x: Tensor) => ops.exp(x), spec("f32", [2]));
    expect(() => gradPass(p)).toThrow(new RegExp(`output of exp.*${THIS_FILE}`));
  });

  it("a primitive without a rule, or marked non-differentiable, is named with the user's line", () => {
    const f = (x: Tensor) => ops.sum(ops.sin(x));
    delete (GRAD_RULES as Partial<typeof GRAD_RULES>).sin;
    expect(() => grad(f)(t([1]))).toThrow(/sin: has no gradient rule \(at .*hand\.test\.ts:\d+:\d+\)/);
    GRAD_RULES.sin = NON_DIFFERENTIABLE;
    expect(() => grad(f)(t([2]))).toThrow(/sin: is not differentiable/);
  });
});
