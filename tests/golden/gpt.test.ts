// Golden scalified programs of the GPT decoder (examples/gpt.ts), issue #4:
//   gpt_scalify_fwd.ir      passes.scalify(trace(gpt), {scaledInputs: the parameters})
//   gpt_scalify_bwd.ir      passes.scalify(passes.grad(trace(gpt), {withValue}), {scaledInputs: the parameters})
//   gpt_fp8_scalify_bwd.ir  scalify(valueAndGrad(gptFp8)) on f16 ScaledArray parameters: the program
//                           tests/e2e/gpt-scalify.test.ts runs (FP8 matmuls, e5m2 gradients)
// Reviewed like code: a change in a scalify or gradient rule, the op library or the printer shows up
// here as a diff. Compare with the committed file; with SCALIFY_UPDATE_GOLDEN=1 rewrite it; a
// missing file is written, except under CI where it fails.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as sf from "scalify";
import type { Tensor } from "scalify";
import { describe, expect, it } from "vitest";
import { gpt, gptFp8, type GptParams } from "../../examples/gpt.js";
import { interpret } from "../../runtime/interpreter.js";
import { gptInputs, namedLeaves, relL2, scaledParams, type Tokens } from "../e2e/gpt-helpers.js";

const GOLDEN_DIR = fileURLToPath(new URL("./", import.meta.url));

function checkGolden(name: string, text: string): void {
  const file = GOLDEN_DIR + name;
  if (process.env.SCALIFY_UPDATE_GOLDEN === "1" || (!existsSync(file) && !process.env.CI)) writeFileSync(file, text);
  if (!existsSync(file)) expect.fail(`golden ${name} is missing: run with SCALIFY_UPDATE_GOLDEN=1 and review the new file`);
  expect(text, `${name} differs: if the change is intended, run with SCALIFY_UPDATE_GOLDEN=1 and review the diff`).toBe(readFileSync(file, "utf8"));
}

/** The golden parses back to a program that verifies and prints identically. */
function parseBack(text: string): sf.Program {
  const back = sf.parse(text);
  sf.verify(back);
  expect(sf.print(back)).toBe(text);
  return back;
}

/** Written out by hand (the CLI reads the same from GptParams' types). */
function paramSpecs(leaf: (shape: number[]) => unknown): unknown {
  const layer = () => ({
    ln1Scale: leaf([64]),
    ln1Bias: leaf([64]),
    wq: leaf([64, 64]),
    wk: leaf([64, 64]),
    wv: leaf([64, 64]),
    wo: leaf([64, 64]),
    ln2Scale: leaf([64]),
    ln2Bias: leaf([64]),
    w1: leaf([64, 256]),
    b1: leaf([256]),
    w2: leaf([256, 64]),
    b2: leaf([64]),
  });
  return { embed: leaf([64, 64]), pos: leaf([16, 64]), layers: [layer(), layer()], lnfScale: leaf([64]), lnfBias: leaf([64]), unembed: leaf([64, 64]) };
}

const tokenSpec = sf.spec("i32", [2, 16]);
const traced = () => sf.trace(gpt, paramSpecs((s) => sf.spec("f32", s)), tokenSpec, tokenSpec);
const paramNames = (p: sf.Program) => p.inputNames.filter((n) => n.startsWith("params."));

/** Program inputs of a `scaledInputs` program: each parameter's data, then its scale, then tokens and targets. */
function pairedLeaves(params: GptParams, tokens: Tokens, targets: Tokens): Tensor[] {
  const pairs = namedLeaves(scaledParams(params, "f32")).flatMap(([, s]) => [(s as sf.ScaledArray).data, (s as sf.ScaledArray).scale]);
  return [...pairs, tokens, targets];
}

describe("golden scalified GPT programs", () => {
  const { params, tokens, targets } = gptInputs(0);

  it("gpt_scalify_fwd.ir: the forward pass with scaled parameters", () => {
    const p = traced();
    const scaled = sf.passes.scalify(p, { scaledInputs: paramNames(p) });
    sf.verify(scaled);
    expect(scaled.inputNames.slice(0, 2)).toEqual(["params.embed.data", "params.embed.scale"]);
    const text = sf.print(scaled);
    checkGolden("gpt_scalify_fwd.ir", text);
    const back = parseBack(text);
    expect(text).toMatch(/in_tree \[\{embed: ScaledArray\(\*, \*\)/);
    expect(text).toMatch(/out_tree ScaledArray\(\*, \*\)/);
    // f32 data: the scaled loss is the f32 loss up to rounding.
    const [data, scale] = interpret(back, pairedLeaves(params, tokens, targets));
    const loss = sf.jit(gpt, { backend: "reference" })(params, tokens, targets) as Tensor;
    expect(relL2(sf.asarray(new sf.ScaledArray(data!, scale!), "f32"), loss)).toBeLessThan(1e-5);
  });

  it("gpt_scalify_bwd.ir: value and gradients with scaled parameters", () => {
    const p = traced();
    const scaled = sf.passes.scalify(sf.passes.grad(p, { argnums: 0, withValue: true }), { scaledInputs: paramNames(p) });
    sf.verify(scaled);
    const text = sf.print(scaled);
    checkGolden("gpt_scalify_bwd.ir", text);
    const back = parseBack(text);
    expect(text).toMatch(/out_tree \[ScaledArray\(\*, \*\), \{embed: ScaledArray\(\*, \*\)/);
    // f32 data: loss and gradients are f32's up to rounding.
    const outs = interpret(back, pairedLeaves(params, tokens, targets));
    const [loss, grads] = sf.valueAndGrad(gpt, { backend: "reference" })(params, tokens, targets) as [Tensor, GptParams];
    const ref = [loss, ...(sf.tree.leaves(grads) as Tensor[])];
    expect(outs.length).toBe(2 * ref.length);
    ref.forEach((r, i) => expect(relL2(sf.asarray(new sf.ScaledArray(outs[2 * i]!, outs[2 * i + 1]!), "f32"), r)).toBeLessThan(1e-4));
  });

  it("gpt_fp8_scalify_bwd.ir: FP8 matmuls on f16 ScaledArray parameters", () => {
    const fn = sf.scalify(sf.valueAndGrad(gptFp8));
    const p = fn.lower(paramSpecs((s) => sf.scaledSpec("f16", s)), tokenSpec, tokenSpec);
    sf.verify(p);
    const text = sf.print(p);
    checkGolden("gpt_fp8_scalify_bwd.ir", text);
    const back = parseBack(text);
    expect(text).toContain("f8e4m3fn");
    expect(text).toContain("f8e5m2");
    // The parsed golden computes, bit for bit, what the program it was printed from computes.
    const args = sf.tree.leaves([scaledParams(params, "f16"), tokens, targets]) as Tensor[];
    const fromGolden = interpret(back, args);
    const direct = interpret(p, args);
    expect(fromGolden.length).toBe(direct.length);
    fromGolden.forEach((t, i) => expect(Array.from(t.bits() as ArrayLike<number>)).toEqual(Array.from(direct[i]!.bits() as ArrayLike<number>)));
  });
});
