// Golden gradient programs (after dce and cse, as passes.grad returns them) of the examples with a
// cross-entropy loss on top. Reviewed like code: a change in a gradient rule, the op library or the
// printer shows up here as a diff. Convention: compare with the committed file; with
// SCALIFY_UPDATE_GOLDEN=1 rewrite it; a missing file is written, except under CI where it fails.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "../../ir/parse.js";
import { print } from "../../ir/print.js";
import { verify } from "../../ir/verify.js";
import { grad, gradPass } from "../../compiler/grad/api.js";
import * as nn from "../../compiler/nn.js";
import * as ops from "../../compiler/ops/index.js";
import { flatten } from "../../compiler/pytree.js";
import { spec, trace } from "../../compiler/trace.js";
import { interpret } from "../../runtime/interpreter.js";
import type { Tensor } from "../../runtime/tensor.js";
import { attention, type AttentionParams } from "../../examples/attention.js";
import { mlp, type MlpParams } from "../../examples/mlp.js";
import { rng, uniform } from "../compiler/grad/helpers.js";
import { GOLDEN_DIR } from "../ir/goldens.js";

function checkGolden(name: string, text: string): void {
  const file = join(GOLDEN_DIR, name);
  if (process.env.SCALIFY_UPDATE_GOLDEN === "1" || (!existsSync(file) && !process.env.CI)) writeFileSync(file, text);
  if (!existsSync(file)) expect.fail(`golden ${name} is missing: run with SCALIFY_UPDATE_GOLDEN=1 and review the new file`);
  expect(text, `${name} differs: if the change is intended, run with SCALIFY_UPDATE_GOLDEN=1 and review the diff`).toBe(readFileSync(file, "utf8"));
}

/** The golden parses back to the same text, verifies, and computes what `grad` computes. */
function checkRoundTripAndValues(text: string, loss: (...a: any[]) => unknown, args: unknown[]): void {
  const back = parse(text);
  verify(back);
  expect(print(back)).toBe(text);
  const fromGolden = interpret(back, flatten(args)[0] as Tensor[]);
  const direct = flatten(grad(loss, { backend: "reference" })(...args))[0] as Tensor[];
  expect(fromGolden.length).toBe(direct.length);
  fromGolden.forEach((g, i) => {
    expect(Array.from(g.bits() as ArrayLike<number>)).toEqual(Array.from(direct[i]!.bits() as ArrayLike<number>));
    // The attention block masks scores with −inf: no NaN or inf may leak into a gradient.
    expect(Array.from(g.toFloat32Array()).every(Number.isFinite)).toBe(true);
  });
}

const r = rng(2024);
const f32 = (shape: number[]) => uniform(r, shape, -0.5, 0.5);
const labels = (shape: number[], n: number) => ops.astype(uniform(r, shape, 0, n), "i32");

describe("golden gradient programs", () => {
  it("grad_mlp.ir: softmax cross-entropy of examples/mlp.ts, w.r.t. the parameters", () => {
    const loss = (params: MlpParams, x: Tensor<"f32", [8, 784]>, y: Tensor) => nn.softmaxCrossEntropy(mlp(params, x), y);
    const specs = {
      params: { w1: spec("f32", [784, 128]), b1: spec("f32", [128]), w2: spec("f32", [128, 10]), b2: spec("f32", [10]) },
      x: spec("f32", [8, 784]),
      y: spec("i32", [8]),
    };
    const p = gradPass(trace(loss, specs.params, specs.x, specs.y));
    verify(p);
    expect(p.inputNames).toEqual(["params.b1", "params.b2", "params.w1", "params.w2", "x", "y"]);
    const text = print(p);
    checkGolden("grad_mlp.ir", text);
    const params = { w1: f32([784, 128]), b1: f32([128]), w2: f32([128, 10]), b2: f32([10]) } as MlpParams;
    checkRoundTripAndValues(text, loss, [params, f32([8, 784]), labels([8], 10)]);
  });

  it("grad_attention.ir: a linear readout of examples/attention.ts to 8 classes + cross-entropy", () => {
    interface Params {
      attn: AttentionParams;
      readout: Tensor;
    }
    const loss = (params: Params, x: Tensor<"f32", [2, 16, 64]>, y: Tensor) => nn.softmaxCrossEntropy(ops.matmul(attention(params.attn, x), params.readout), y);
    const w = spec("f32", [64, 64]);
    const p = gradPass(trace(loss, { attn: { wq: w, wk: w, wv: w, wo: w }, readout: spec("f32", [64, 8]) }, spec("f32", [2, 16, 64]), spec("i32", [2, 16])));
    verify(p);
    expect(p.inputNames).toEqual(["params.attn.wk", "params.attn.wo", "params.attn.wq", "params.attn.wv", "params.readout", "x", "y"]);
    const text = print(p);
    checkGolden("grad_attention.ir", text);
    const attn = { wq: f32([64, 64]), wk: f32([64, 64]), wv: f32([64, 64]), wo: f32([64, 64]) } as AttentionParams;
    checkRoundTripAndValues(text, loss, [{ attn, readout: f32([64, 8]) }, f32([2, 16, 64]), labels([2, 16], 8)]);
  });
});
