// The parser: what it accepts beyond the canonical layout, and where it reports each error.
import { describe, expect, it } from "vitest";
import { ParseError } from "../../ir/errors.js";
import { parse } from "../../ir/parse.js";
import { print } from "../../ir/print.js";
import { verify } from "../../ir/verify.js";

const BASE = `func f(a: f32[3] "x", b: f16[3] "y") -> (f32[3]) {
  in_tree [*, *]
  out_tree *
  c: f32[3] = add a a
  return c
}
`;

/** BASE with its equation line (line 4) replaced. */
const withEqn = (line: string) => BASE.replace("  c: f32[3] = add a a", line);

function parseError(text: string, file?: string): ParseError {
  try {
    parse(text, file === undefined ? {} : { file });
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error("expected a ParseError");
}

describe("parse accepts", () => {
  it("the canonical text", () => {
    expect(print(parse(BASE))).toBe(BASE);
  });

  it("any layout, comments and non-canonical names", () => {
    const text = `# a comment
      func   f ( x_1 : f32 [ 3 ] "x" , $y: f16[3] "y" ) -> ( f32[3] ) {  # trailing
      in_tree [ * , * ] out_tree *
      tmp: f32[3] = add x_1
        x_1 return tmp }`;
    const p = parse(text);
    verify(p);
    expect(print(p)).toBe(BASE);
  });

  it("non-canonical numbers, which print canonically", () => {
    const p = parse(withEqn("  c: f32[3] = add a 1:f32\n  d: f32[3] = mul c 2.50e0:f32\n  e: f32[3] = max d -0:f32").replace("return c", "return e"));
    expect(print(p)).toContain("add a 1.0:f32");
    expect(print(p)).toContain("mul c 2.5:f32");
    expect(print(p)).toContain("max d -0.0:f32");
  });

  it("sets each equation's call site", () => {
    expect(parse(BASE).equations[0]!.callSite).toBe("<input>:4:3");
    expect(parse(BASE, { file: "m.ir" }).equations[0]!.callSite).toBe("m.ir:4:3");
  });
});

describe("parse errors point at the offending token", () => {
  const cases: [string, string, number, number, RegExp][] = [
    ["unknown primitive", withEqn("  c: f32[3] = addd a a"), 4, 15, /unknown primitive 'addd'/],
    ["type mismatch (shape rule)", withEqn("  c: f32[3] = add a b"), 4, 3, /add: operands must have one dtype, got f32\[3\], f16\[3\]/],
    ["declared type differs", withEqn("  c: f16[3] = add a a"), 4, 3, /output 0 is declared f16\[3\], the shape rule gives f32\[3\]/],
    ["syntax error", withEqn("  c: f32[3] add a a"), 4, 13, /expected ',' or '='/],
    ["undefined variable", withEqn("  c: f32[3] = add a zz"), 4, 21, /undefined variable 'zz'/],
    ["use before definition", withEqn("  c: f32[3] = add a c"), 4, 21, /undefined variable 'c'/],
    ["redefinition", withEqn("  a: f32[3] = add a a"), 4, 3, /redefinition of variable 'a'/],
    ["unknown dtype", withEqn("  c: f64[3] = add a a"), 4, 6, /expected a dtype, got 'f64'/],
    ["bad dimension", withEqn("  c: f32[3.5] = add a a"), 4, 10, /expected a dimension size/],
    ["bad param value", withEqn("  c: f32[] = reduce_sum[axes=[-1]] a"), 4, 25, /bad params for reduce_sum: axes\[0\]/],
    ["unknown param", withEqn("  c: f32[] = reduce_sum[axes=[0], extra=1] a"), 4, 35, /extra: unknown param/],
    ["missing param", withEqn("  c: f32[] = reduce_sum a"), 4, 14, /bad params for reduce_sum: axes/],
    ["duplicate param", withEqn("  c: f32[] = reduce_sum[axes=[0], axes=[0]] a"), 4, 35, /duplicate param 'axes'/],
    ["wrong operand count", withEqn("  c: f32[3] = add a"), 4, 15, /add takes 2 operands, got 1/],
    ["i32 literal not an integer", withEqn("  c: f32[3] = add a 1.5:i32"), 4, 21, /1.5 is not an i32/],
    ["bool literal spelled as a number", withEqn("  c: f32[3] = add a 1:bool"), 4, 21, /a bool literal is true or false/],
    ["true as a float", withEqn("  c: f32[3] = add a true:f32"), 4, 21, /'true' is not a f32 value/],
    ["keyword as a variable", withEqn("  nan: f32[3] = add a a"), 4, 3, /keyword 'nan' cannot be a variable name/],
    ["malformed base64", withEqn('  const c: f32[1] = dense "AAA*"'), 4, 27, /malformed base64/],
    ["constant of the wrong length", withEqn('  const c: f32[3] = dense "AACAPw=="'), 4, 27, /4 bytes, f32 × 3 needs 12/],
    ["unterminated string", withEqn('  const c: f32[3] = dense "AACAPw=='), 4, 27, /unterminated or malformed string/],
    ["unexpected character", withEqn("  c: f32[3] = add a a;"), 4, 22, /unexpected character ";"/],
    ["in_tree leaf count", BASE.replace("in_tree [*, *]", "in_tree [*]"), 2, 3, /in_tree has 1 leaves, the program has 2 inputs/],
    ["out_tree leaf count", BASE.replace("out_tree *", "out_tree [*, *]"), 3, 3, /out_tree has 2 leaves, the program returns 1 values/],
    ["return type differs from the header", BASE.replace("-> (f32[3])", "-> (f16[3])"), 5, 3, /returns \(f32\[3\]\) but the header declares \(f16\[3\]\)/],
    ["truncated input", BASE.slice(0, BASE.indexOf("return")), 5, 3, /expected an equation or 'return', got end of input/],
    ["text after the program", `${BASE}func`, 7, 1, /expected end of input after the program/],
  ];
  it.each(cases)("%s", (_name, text, line, col, detail) => {
    const e = parseError(text);
    expect(e.detail).toMatch(detail);
    expect([e.line, e.col]).toEqual([line, col]);
  });

  it("names the file in the message", () => {
    const e = parseError(withEqn("  c: f32[3] = addd a a"), "model.ir");
    expect(e.message).toBe("model.ir:4:15: unknown primitive 'addd'");
    expect(e.file).toBe("model.ir");
  });

  it("rejects hostile nesting with a ParseError, not a stack overflow", () => {
    const deep = withEqn(`  c: f32[] = reduce_sum[axes=${"[".repeat(100_000)}] a`);
    expect(parseError(deep).detail).toMatch(/nesting deeper than/);
    const deepTree = BASE.replace("out_tree *", `out_tree ${"[".repeat(100_000)}`);
    expect(parseError(deepTree).detail).toMatch(/nesting deeper than/);
  });

  it("reports errors inside nested programs at their own position", () => {
    const text = `func f(a: f32[3] "x") -> (f32[3]) {
  in_tree *
  out_tree *
  b: f32[3] = custom_vjp[bwd={
    func bwd(a: f32[3] "ct") -> (f32[3]) {
      in_tree *
      out_tree *
      return zz
    }
  }, call={ func call(a: f32[3] "x") -> (f32[3]) { in_tree * out_tree * return a } },
  fwd={ func fwd(a: f32[3] "x") -> (f32[3]) { in_tree * out_tree * return a } }, num_residuals=0] a
  return b
}
`;
    const e = parseError(text);
    expect([e.line, e.col, e.detail]).toEqual([8, 14, "undefined variable 'zz'"]);
    expect(print(parse(text.replace("return zz", "return a")))).toContain("    func bwd(a: f32[3] \"ct\") -> (f32[3]) {\n");
  });
});
