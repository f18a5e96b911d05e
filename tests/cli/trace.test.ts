// `scalify trace`: argument specs from the model's TypeScript types, the three output forms, -o,
// and errors from the command line and from the model.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as sf from "scalify";
import { describe, expect, it } from "vitest";
import { golden, scalify, tempDir } from "./cli.js";

describe("scalify trace", () => {
  it("reads the specs from the parameter types: the MLP's IR equals the golden, no --arg needed", async () => {
    const r = await scalify(["trace", "examples/mlp.ts", "--fn", "mlp"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(golden("mlp.ir"), "utf8"));
  });

  it("the attention block's IR equals the golden", async () => {
    const r = await scalify(["trace", "examples/attention.ts", "--fn", "attention"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(golden("attention.ir"), "utf8"));
  });

  it("--format json is the JSON form of the same program", async () => {
    const r = await scalify(["trace", "examples/mlp.ts", "--fn", "mlp", "--format", "json"]);
    expect(r.code).toBe(0);
    expect(sf.print(sf.fromJSON(JSON.parse(r.stdout)))).toBe(readFileSync(golden("mlp.ir"), "utf8"));
  });

  it("--format dot is a Graphviz digraph; -o writes it atomically", async () => {
    const dir = tempDir();
    const out = join(dir, "mlp.dot");
    const r = await scalify(["trace", "examples/mlp.ts", "--fn", "mlp", "--format", "dot", "-o", out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(readFileSync(out, "utf8")).toMatch(/^digraph "mlp" \{\n/);
    expect(readdirSync(dir)).toEqual(["mlp.dot"]); // no temp file left behind
  });

  it("usage errors exit 2 (unknown option, several exported functions); --grad of a non-scalar exits 1", async () => {
    const unknown = await scalify(["trace", "examples/mlp.ts", "--bogus"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--bogus'");
    const several = await scalify(["trace", "examples/mlp.ts"]);
    expect(several.code).toBe(2);
    expect(several.stderr).toBe("scalify trace: examples/mlp.ts exports several functions (initMlp, mlp, mlpLoss): choose one with --fn\n");
    const grad = await scalify(["trace", "examples/mlp.ts", "--fn", "mlp", "--grad"]);
    expect(grad.code).toBe(1);
    expect(grad.stderr).toContain("grad needs a scalar output");
  });
});

// A model in a scratch folder (no package.json, so tsx would load it as CommonJS) that imports
// "scalify", which is not installed there: the CLI provides both.
const MODEL = `import * as sf from "scalify";
import type { Tensor } from "scalify";
type Row = Tensor<"f32", [3]>;
interface Base { w: Tensor<"f32", [3, 4]> }
interface Params extends Base { pair: [Row, Tensor<"i32", []>] }
export function f(p: Params, x: Tensor<"f32", [2, 3]>, k: number, unused = 1): Tensor {
  return sf.ops.mul(sf.ops.matmul(sf.ops.add(x, p.pair[0]), p.w), k);
}
export function bad(x: Tensor<"f32", [2, 3]>, y: Tensor<"f32", [4]>): Tensor {
  return sf.ops.add(x, y);
}
export function broken(x: Tensor<"f32", [2, 3]>): Tensor {
  throw new Error("model bug");
}
`;

describe("scalify trace on a model outside the project", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "model.ts"), MODEL);
  const trace = (...args: string[]) => scalify(["trace", "model.ts", ...args], { cwd: dir });

  it("a number parameter needs --arg; the error points at it and exits 2", async () => {
    const r = await trace("--fn", "f");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("model.ts:6:59: k: a number is a static argument: pass --arg k=VALUE\n");
  });

  it("reads interfaces with extends, aliases and tuples; --arg gives statics and overrides by path", async () => {
    const r = await trace("--fn", "f", "--arg", "k=3", "--arg", "p.w=f32[3,5]");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const p = sf.parse(r.stdout);
    expect(p.inputNames).toEqual(["p.pair[0]", "p.pair[1]", "p.w", "x"]);
    expect(p.inputs.map((v) => `${v.dtype}[${v.shape}]`)).toEqual(["f32[3]", "i32[]", "f32[3,5]", "f32[2,3]"]);
    expect(p.outputs[0]!.shape).toEqual([2, 5]);
  });

  it("--arg for a field the type does not have is a usage error", async () => {
    const r = await trace("--fn", "f", "--arg", "k=3", "--arg", "p.q=f32[1]");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('scalify trace: --arg p.q: p has no field "q" (fields: pair, w)\n');
  });

  it("a shape error in the model is reported at the model's line, exit 1", async () => {
    const r = await trace("--fn", "bad");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("model.ts:10:17: add: shapes [2,3], [4] cannot be broadcast together\n");
  });

  it("any other error thrown by the model points at its line; --debug adds the stack", async () => {
    const r = await trace("--fn", "broken");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("model.ts:13:9: model bug\n");
    const debug = await trace("--fn", "broken", "--debug");
    expect(debug.stderr.split("\n").length).toBeGreaterThan(3);
  });

  it("a syntax error in the model is one line at its position, exit 1", async () => {
    writeFileSync(join(dir, "syntax.ts"), 'import * as sf from "scalify";\nexport const f = (x: sf.Tensor) =>\n  sf.ops.neg(x;\n');
    const r = await scalify(["trace", "syntax.ts"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('syntax.ts:3:15: Expected ")" but found ";"\n');
  });

  it("a missing model file is one line, exit 1", async () => {
    const r = await scalify(["trace", "nope.ts"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("nope.ts: no such file\n");
    expect(existsSync(join(dir, "nope.ts"))).toBe(false);
  });
});
