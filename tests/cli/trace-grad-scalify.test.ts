// `scalify trace --grad --scalify` (issue #4): the scaled backward program of a model, with the
// parameters (the first argument) as ScaledArrays; --grad without --fn picks the `…Loss` export.
import * as sf from "scalify";
import { describe, expect, it } from "vitest";
import { firstArgFloatInputs } from "../../cli/passes.js";
import { mlpLoss } from "../../examples/mlp.js";
import { scalify } from "./cli.js";

const f32 = (...shape: number[]) => sf.spec("f32", shape);
const mlpSpecs = [{ w1: f32(784, 128), b1: f32(128), w2: f32(128, 10), b2: f32(10) }, f32(8, 784), sf.spec("i32", [8])] as const;

describe("scalify trace --grad --scalify", () => {
  it("examples/mlp.ts: prints the scaled gradient program of mlpLoss", async () => {
    const r = await scalify(["trace", "examples/mlp.ts", "--grad", "--scalify"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^func scalify_grad_mlpLoss\(/);
    expect(r.stdout).toContain("\n  in_tree [{b1: ScaledArray(*, *), b2: ScaledArray(*, *), w1: ScaledArray(*, *), w2: ScaledArray(*, *)}, *, *]\n");
    expect(r.stdout).toContain("\n  out_tree {b1: ScaledArray(*, *), b2: ScaledArray(*, *), w1: ScaledArray(*, *), w2: ScaledArray(*, *)}\n");
    const p = sf.parse(r.stdout);
    sf.verify(p);
    // The same as the passes applied in-process: grad w.r.t. argument 0, then scalify of its floats.
    const traced = sf.trace(mlpLoss, ...mlpSpecs);
    const expected = sf.passes.scalify(sf.passes.grad(traced, { argnums: 0 }), { scaledInputs: [0, 1, 2, 3] });
    expect(r.stdout).toBe(sf.print(expected));
  });

  it("--grad alone: the plain gradient program; --grad on a non-scalar function is an error", async () => {
    const [grad, logits] = await Promise.all([
      scalify(["trace", "examples/mlp.ts", "--grad"]),
      scalify(["trace", "examples/mlp.ts", "--fn", "mlp", "--grad"]),
    ]);
    expect(grad.code).toBe(0);
    expect(grad.stdout).toBe(sf.print(sf.passes.grad(sf.trace(mlpLoss, ...mlpSpecs), { argnums: 0 })));
    expect(logits.code).toBe(1);
    expect(logits.stderr).toMatch(/grad needs a scalar output, got f32\[8,10\]/);
  });
});

describe("firstArgFloatInputs (what --scalify scales)", () => {
  it("the float leaves of the first argument only, skipping integer leaves and existing ScaledArrays", () => {
    const p = sf.trace(
      (params: { w: sf.Tensor; n: sf.Tensor; s: sf.ScaledArray }, x: sf.Tensor) => sf.ops.add(sf.ops.mul(x, params.w), sf.ops.astype(params.n, "f32")),
      { w: f32(3), n: sf.spec("i32", [3]), s: sf.scaledSpec("f32", [3]) },
      f32(3),
    );
    expect(p.inputNames).toEqual(["params.n", "params.s.data", "params.s.scale", "params.w", "x"]);
    expect(firstArgFloatInputs(p)).toEqual([3]);
  });
});
