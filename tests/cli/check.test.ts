// `scalify check`, `print` and `transform` on program files: one-line errors with file:line:col.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as sf from "scalify";
import { describe, expect, it } from "vitest";
import { golden, scalify, tempDir } from "./cli.js";

const fixture = (name: string) => `tests/cli/fixtures/${name}`;

describe("scalify check", () => {
  it("accepts a good program in text and in JSON", async () => {
    const text = await scalify(["check", "tests/golden/mlp.ir"]);
    expect([text.code, text.stdout, text.stderr]).toEqual([0, "ok: 9 equations\n", ""]);
    const dir = tempDir();
    const json = join(dir, "mlp.json");
    await scalify(["print", "tests/golden/mlp.ir", "--format", "json", "-o", json]);
    expect((await scalify(["check", json])).stdout).toBe("ok: 9 equations\n");
  });

  // Each bad file differs from fixtures/small.ir in one place; the parser checks as it reads.
  it.each([
    ["unknown-primitive.ir", "5:17: unknown primitive 'plus'"],
    ["type-mismatch.ir", "6:3: mul: output 0 is declared f16[2,3], the shape rule gives f32[2,3]"],
    ["syntax-error.ir", "4:73: expected ',' or ']', got 'b'"],
    ["syntax-error.json", "67:24: invalid JSON: Expected double-quoted property name"],
  ])("reports %s at its file:line:col and exits 1", async (name, message) => {
    const r = await scalify(["check", fixture(name)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`${fixture(name)}:${message}\n`);
  });

  it("names the bad field of a JSON program", async () => {
    const r = await scalify(["check", fixture("type-mismatch.json")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${fixture("type-mismatch.json")}: program.equations[2].outputs[0]: mul: output 0 is declared f16[2,3], the shape rule gives f32[2,3]\n`);
  });

  it("a missing argument is a usage error (exit 2)", async () => {
    const r = await scalify(["check"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument 'file'");
  });
});

describe("scalify print", () => {
  it("converts JSON back to the same text, and text to dot", async () => {
    const dir = tempDir();
    const json = join(dir, "small.json");
    expect((await scalify(["print", fixture("small.ir"), "--format", "json", "-o", json])).code).toBe(0);
    expect(sf.print(sf.fromJSON(JSON.parse(readFileSync(json, "utf8"))))).toBe(readFileSync(fixture("small.ir"), "utf8"));
    const back = await scalify(["print", json]);
    expect(back.stdout).toBe(readFileSync(fixture("small.ir"), "utf8"));
    const dot = await scalify(["print", golden("attention.ir"), "--format", "dot"]);
    expect(dot.stdout.startsWith('digraph "attention" {')).toBe(true);
  });
});

describe("scalify transform", () => {
  it("applies a registered pass; an unknown pass is a usage error (exit 2)", async () => {
    const ok = await scalify(["transform", fixture("small.ir"), "--pass", "dce"]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("func ");
    const r = await scalify(["transform", fixture("small.ir"), "--pass", "bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("scalify transform: unknown pass bogus (passes: cse, dce, grad, scalify)\n");
  });
});
