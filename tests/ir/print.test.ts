// The printer's canonical spellings: numbers, names, params, nesting, edge-case programs.
import { describe, expect, it } from "vitest";
import { parse } from "../../ir/parse.js";
import { formatLiteral, print } from "../../ir/print.js";
import { formatFloat, formatParamNumber, KEYWORDS, NameGenerator, quoteIfNeeded } from "../../ir/syntax.js";
import { verify } from "../../ir/verify.js";
import { Builder, lit } from "./builder.js";

describe("number spellings", () => {
  it.each([
    [1, "1.0"],
    [0.5, "0.5"],
    [1e-8, "1e-8"],
    [1.5e30, "1.5e+30"],
    [1e21, "1e+21"],
    [1e20, "100000000000000000000.0"],
    [Math.fround(0.1), "0.10000000149011612"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
    [NaN, "nan"],
    [-0, "-0.0"],
    [-2, "-2.0"],
  ])("float %s prints as %s", (x, s) => {
    expect(formatFloat(x)).toBe(s);
  });

  it("spells literals by dtype", () => {
    expect(formatLiteral(3, "i32")).toBe("3");
    expect(formatLiteral(-0, "i32")).toBe("0");
    expect(formatLiteral(1, "bool")).toBe("true");
    expect(formatLiteral(0, "bool")).toBe("false");
    expect(formatLiteral(3, "f16")).toBe("3.0");
  });

  it("prints integral params as integers and the rest as floats", () => {
    expect(formatParamNumber(3)).toBe("3");
    expect(formatParamNumber(-1)).toBe("-1");
    expect(formatParamNumber(-0)).toBe("-0.0");
    expect(formatParamNumber(0.25)).toBe("0.25");
    expect(formatParamNumber(2 ** 60)).toBe("1152921504606847000.0");
  });
});

describe("names", () => {
  it("go a…z, ba…bz, ca… and skip keywords and bool", () => {
    const gen = new NameGenerator();
    const names = Array.from({ length: 20000 }, () => gen.fresh());
    expect(names.slice(0, 3)).toEqual(["a", "b", "c"]);
    expect(names[25]).toBe("z");
    expect(names[26]).toBe("ba");
    expect(names[27]).toBe("bb");
    expect(new Set(names).size).toBe(names.length);
    for (const k of [...KEYWORDS, "bool"]) expect(names).not.toContain(k);
    expect(names.every((n) => /^[a-z]+$/.test(n))).toBe(true);
  });

  it("quotes strings that are not bare words", () => {
    expect(quoteIfNeeded("clip")).toBe("clip");
    expect(quoteIfNeeded("f8e4m3fn")).toBe("f8e4m3fn");
    expect(quoteIfNeeded("inf")).toBe('"inf"');
    expect(quoteIfNeeded("a b")).toBe('"a b"');
    expect(quoteIfNeeded("")).toBe('""');
    expect(quoteIfNeeded("$x")).toBe('"$x"');
  });
});

describe("programs", () => {
  it("prints the format of docs/ir-format.md", () => {
    const b = new Builder();
    const x = b.input("f32", [2, 3], "x");
    const s = b.op("reduce_sum", { axes: [1] }, b.op("max", {}, x, lit(0)));
    const p = b.build([s, lit(-0.0)], { name: "f" });
    expect(print(p)).toBe(
      [
        'func f(a: f32[2,3] "x") -> (f32[2], f32[]) {',
        "  in_tree *",
        "  out_tree [*, *]",
        "  b: f32[2,3] = max a 0.0:f32",
        "  c: f32[2] = reduce_sum[axes=[1]] b",
        "  return c, -0.0:f32",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("quotes a program name that is not a bare word", () => {
    const b = new Builder();
    const p = b.build([b.input("i32", [], "n")], { name: "my model" });
    const text = print(p);
    expect(text.startsWith('func "my model"(a: i32[] "n") -> (i32[]) {')).toBe(true);
    expect(parse(text).name).toBe("my model");
  });

  it("prints equations without outputs and an empty return", () => {
    // custom_vjp whose body returns nothing: the equation has no outputs.
    const call = new Builder();
    call.input("f32", [3], "x");
    const callP = call.build([], { name: "call", outTree: { kind: "none" } });
    const bwd = new Builder();
    const z = bwd.op("broadcast_in_dim", { shape: [3], broadcast_dimensions: [] }, lit(0));
    const bwdP = bwd.build([z], { name: "bwd", inTree: { kind: "array", children: [] } });
    const b = new Builder();
    const x = b.input("f32", [3], "x");
    b.eqn("custom_vjp", { call: callP, fwd: callP, bwd: bwdP, num_residuals: 0 }, [x]);
    const p = b.build([], { outTree: { kind: "none" } });
    verify(p);
    const text = print(p);
    expect(text).toContain("\n  = custom_vjp[bwd={\n    func bwd() -> (f32[3]) {\n");
    expect(text).toContain("\n  return\n}\n");
    expect(print(parse(text))).toBe(text);
  });

  it("names a variable it meets before its definition instead of failing (debug printing)", () => {
    const b = new Builder();
    const x = b.input("f32", [], "x");
    const stray = new Builder().input("f32", [], "y");
    b.op("add", {}, x, stray);
    expect(print(b.build([x]))).toContain("b: f32[] = add a c");
  });
});
