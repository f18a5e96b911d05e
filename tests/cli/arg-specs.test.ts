// cli/arg-specs.ts and cli/errors.ts in-process: --arg parsing, overrides by path, the one-line
// error format for each error type.
import * as sf from "scalify";
import { describe, expect, it } from "vitest";
import { override, parseArgOption, traceArgs, type Param } from "../../cli/arg-specs.js";
import { formatError, UsageError } from "../../cli/errors.js";

describe("--arg", () => {
  it("parses DTYPE[SHAPE], scalars and static numbers, with paths", () => {
    expect(parseArgOption("params.w1=f32[784, 128]")).toEqual({ text: "params.w1=f32[784, 128]", path: ["params", "w1"], type: { kind: "tensor", dtype: "f32", shape: [784, 128] } });
    expect(parseArgOption("s=bf16[]").type).toEqual({ kind: "tensor", dtype: "bf16", shape: [] });
    expect(parseArgOption("xs[1].w=i32[2]").path).toEqual(["xs", 1, "w"]);
    expect(parseArgOption("xs.0=i32[2]").path).toEqual(["xs", 0]);
    expect(parseArgOption("n=-3.5").type).toEqual({ kind: "static", value: -3.5 });
  });

  it.each(["x", "=f32[1]", "x=f64[2]", "x=f32[2", "x=abc", "1x=f32[1]", "x..y=f32[1]"])("rejects %s as a usage error", (text) => {
    expect(() => parseArgOption(text)).toThrow(UsageError);
  });

  it("fills what the types leave open and overrides what they give", () => {
    const params: Param[] = [
      { name: "p", type: { kind: "object", fields: { w: { kind: "tensor", dtype: "f32", shape: [2, 2] } } }, optional: false },
      { name: "xs", type: { kind: "missing", reason: "an array type has no fixed length" }, optional: false },
      { name: "eps", type: { kind: "missing", reason: "a number is a static argument", isStatic: true }, optional: true },
    ];
    const args = traceArgs(params, ["p.w=f16[3]", "xs[1]=i32[]", "xs[0]=f32[1]"].map(parseArgOption));
    expect(args).toEqual([{ w: sf.spec("f16", [3]) }, [sf.spec("f32", [1]), sf.spec("i32", [])]]); // eps left to its default
    expect(() => traceArgs(params, [parseArgOption("q=f32[1]")])).toThrow(/no parameter "q" \(parameters: p, xs, eps\)/);
    expect(() => traceArgs(params, [parseArgOption("xs[1]=f32[1]")])).toThrow(/xs\[0\] has no type/);
    expect(() => override({ kind: "tensor", dtype: "f32", shape: [] }, ["a"], { kind: "static", value: 1 }, ["x"])).toThrow(/x is not an object/);
  });
});

describe("formatError", () => {
  const { ParseError, ShapeError, ValidationError, VerifyError } = sf.errors;
  it.each([
    [new ParseError("expected ']'", 3, 7, "a.ir"), "a.ir:3:7: expected ']'"],
    [new VerifyError("bad", 2, "add", "a.ir:4:3"), "a.ir:4:3: equation 2 (add): bad"],
    [new VerifyError("bad", 2, "add"), "p.json: equation 2 (add): bad"],
    [new ShapeError("shapes differ", "add", "m.ts:9:17"), "m.ts:9:17: add: shapes differ"],
    [new ValidationError("unknown primitive", "program.equations[1].primitive"), "p.json: program.equations[1].primitive: unknown primitive"],
    [new Error("two\nlines"), "p.json: two lines"],
  ])("%s", (e, line) => {
    expect(formatError(e, "p.json")).toBe(line);
  });
});
