// `scalify run`: inputs from .npy (with sidecars and ScaledArray pairs) and .json, outputs as .npy,
// equal bit for bit to sf.run in the test's own process.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as sf from "scalify";
import { describe, expect, it } from "vitest";
import { initMlp } from "../../examples/mlp.js";
import { readNpy, readScaledNpy, writeNpy, writeScaledNpy } from "../../runtime/npy.js";
import { golden, scalify, tempDir } from "./cli.js";

const bits = (t: sf.Tensor) => Array.from(t.bits() as ArrayLike<number>);

describe("scalify run", () => {
  it("runs the MLP golden on .npy and .json inputs and writes what sf.run computes", async () => {
    const dir = tempDir();
    const params = initMlp(sf.random.key(0));
    const x = sf.random.uniform(sf.random.key(1), [8, 784]);
    for (const [k, t] of Object.entries(params)) if (k !== "b2") writeNpy(join(dir, `${k}.npy`), t);
    writeFileSync(join(dir, "b2.json"), JSON.stringify(params.b2.toArray())); // a flat list fills the shape
    writeFileSync(join(dir, "x.json"), JSON.stringify(x.toArray()));
    const inputs = ["x=x.json", "params.w1=w1.npy", "params.b1=b1.npy", "params.w2=w2.npy", "params.b2=b2.json"].flatMap((i) => ["--input", i]);
    const r = await scalify(["run", golden("mlp.ir"), ...inputs, "--out", "out"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^out0: f32\[8,10\] \[[-\d., …]+\] → out\/out0\.npy\n$/);
    const program = sf.parse(readFileSync(golden("mlp.ir"), "utf8"));
    const expected = sf.run(program, [params, x]) as sf.Tensor;
    expect(bits(readNpy(join(dir, "out", "out0.npy")))).toEqual(bits(expected));
  });

  it("reads and writes ScaledArrays as NAME.data.npy + NAME.scale.npy, and bf16 with its sidecar", async () => {
    const dir = tempDir();
    const fn = (s: sf.ScaledArray, h: sf.Tensor) => ({
      scaled: new sf.ScaledArray(sf.ops.mul(s.data, 2), s.scale),
      sum: sf.ops.add(sf.ops.astype(h, "f32"), s.scale),
    });
    const program = sf.trace(fn, sf.scaledSpec("f8e4m3fn", [4]), sf.spec("bf16", [4]));
    writeFileSync(join(dir, "p.ir"), sf.print(program));
    const s = new sf.ScaledArray(sf.array([1, -2, 0.5, 448], { dtype: "f8e4m3fn" }), 0.25);
    const h = sf.array([1.5, 2, -3, 1e-3], { dtype: "bf16" });
    writeScaledNpy(join(dir, "s"), s);
    writeNpy(join(dir, "h.npy"), h);
    const r = await scalify(["run", "p.ir", "--input", "s=s", "--input", "h=h.npy", "--out", "o"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(readdirSync(join(dir, "o")).sort()).toEqual(["scaled.data.npy", "scaled.data.npy.json", "scaled.scale.npy", "sum.npy"]);
    const want = sf.run(program, [s, h]) as { scaled: sf.ScaledArray; sum: sf.Tensor };
    const got = readScaledNpy(join(dir, "o", "scaled"));
    expect(got.dtype).toBe("f8e4m3fn");
    expect(bits(got.data)).toEqual(bits(want.scaled.data));
    expect(bits(got.scale)).toEqual(bits(want.scaled.scale));
    expect(bits(readNpy(join(dir, "o", "sum.npy")))).toEqual(bits(want.sum));
  });

  it("a missing or unknown input is a usage error; a wrong shape is an error naming the input", async () => {
    const dir = tempDir();
    writeNpy(join(dir, "v.npy"), sf.array([1, 2, 3]));
    const missing = await scalify(["run", golden("mlp.ir"), "--input", "x=v.npy"], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("scalify run: missing --input for params.b1, params.b2, params.w1, params.w2\n");
    const unknown = await scalify(["run", golden("mlp.ir"), "--input", "y=v.npy"], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('the program has no input "y"');
    const small = join(dir, "small.ir");
    writeFileSync(small, sf.print(sf.trace((x: sf.Tensor) => sf.ops.neg(x), sf.spec("f32", [2]))));
    const shape = await scalify(["run", small, "--input", "x=v.npy"], { cwd: dir });
    expect(shape.code).toBe(1);
    expect(shape.stderr).toBe("small.ir: args.x: x must be f32[2], got f32[3]\n");
  });
});
