// The verifier: one test per kind of broken invariant, and the context its errors carry.
import { describe, expect, it } from "vitest";
import { VerifyError } from "../../ir/errors.js";
import { parse } from "../../ir/parse.js";
import { Literal, Program, Var, makeEquation, type Equation } from "../../ir/program.js";
import { verify } from "../../ir/verify.js";
import { Builder, lit } from "./builder.js";

function verifyError(p: Program): VerifyError {
  try {
    verify(p);
  } catch (e) {
    expect(e).toBeInstanceOf(VerifyError);
    return e as VerifyError;
  }
  throw new Error("expected a VerifyError");
}

/** x: f32[3], h: f16[3]; y = neg x; s = reduce_sum[axes=[0]] y; returns s. */
function base() {
  const b = new Builder();
  const x = b.input("f32", [3], "x");
  const h = b.input("f16", [3], "h");
  const y = b.op("neg", {}, x);
  const s = b.op("reduce_sum", { axes: [0] }, y);
  return { b, x, h, y, s, p: b.build([s], { inTree: { kind: "array", children: [{ kind: "leaf" }, { kind: "leaf" }] } }) };
}

/** base() with equation `i` replaced. */
function withEquation(i: number, f: (e: Equation, parts: ReturnType<typeof base>) => Equation): Program {
  const parts = base();
  const eqs = [...parts.p.equations];
  eqs[i] = f(eqs[i]!, parts);
  return parts.p.with({ equations: eqs });
}

describe("verify", () => {
  it("accepts a valid program", () => {
    expect(() => verify(base().p)).not.toThrow();
  });

  it("names the equation, primitive and call site", () => {
    const p = parse(`func f(a: f32[3] "x", b: f16[3] "y") -> (f32[3]) {
  in_tree [*, *]
  out_tree *
  c: f32[3] = neg a
  d: f32[3] = add c c
  return d
}
`);
    // Swap an operand for one of another dtype after parsing, as a buggy pass might.
    const [e0, e1] = p.equations;
    const bad = { ...e1!, inputs: [e0!.outputs[0]!, p.inputs[1]!] };
    const e = verifyError(p.with({ equations: [e0!, bad] }));
    expect(e.equationIndex).toBe(1);
    expect(e.primitive).toBe("add");
    expect(e.callSite).toBe("<input>:5:3");
    expect(e.message).toBe("<input>:5:3: equation 1 (add): operands must have one dtype, got f32[3], f16[3]");
  });

  const cases: [string, () => Program, RegExp, number?][] = [
    ["use before definition", () => withEquation(0, (e, { s }) => ({ ...e, inputs: [s] })), /operand 0 uses a variable that is not defined before it/, 0],
    ["use of a foreign variable", () => withEquation(0, (e) => ({ ...e, inputs: [new Var({ dtype: "f32", shape: [3] })] })), /not defined before it/, 0],
    ["a variable defined twice", () => withEquation(1, (_e, { y }) => makeEquation("neg", {}, [y], [y])), /output 0 is defined twice/, 1],
    ["an input listed twice", () => ((q) => q.p.with({ inputs: [q.x, q.x] }))(base()), /input 1 is defined twice/],
    ["unknown primitive", () => withEquation(0, (e) => ({ ...e, primitive: "negate" as never })), /unknown primitive "negate"/, 0],
    ["wrong operand count", () => withEquation(0, (e, { x }) => ({ ...e, inputs: [x, x] })), /takes 1 operand, got 2/, 0],
    ["params rejected by the schema", () => withEquation(1, (e) => ({ ...e, params: { axes: [0], keepdims: true } as never })), /bad params for reduce_sum: keepdims: unknown param/, 1],
    ["shape rule fails", () => withEquation(1, (e) => ({ ...e, params: { axes: [1] } })), /^axes \[1\] out of range for rank 1/, 1],
    ["declared output differs", () => withEquation(0, (e) => ({ ...e, outputs: [new Var({ dtype: "f16", shape: [3] })] })), /output 0 is declared f16\[3\], the shape rule gives f32\[3\]/, 0],
    ["i32 literal not an integer", () => withEquation(0, () => makeEquation("neg", {}, [lit(1.5, "i32")], [new Var({ dtype: "i32", shape: [] })])), /1.5 is not an i32/, 0],
    ["i32 literal out of range", () => withEquation(0, () => makeEquation("neg", {}, [lit(2 ** 31, "i32")], [new Var({ dtype: "i32", shape: [] })])), /is not an i32/, 0],
    ["bool literal not 0 or 1", () => withEquation(0, () => makeEquation("not", {}, [lit(2, "bool")], [new Var({ dtype: "bool", shape: [] })])), /bool literal must be 0 or 1/, 0],
    [
      "literal of rank > 0",
      () =>
        withEquation(0, (e, { x }) => {
          const l = lit(1);
          (l as { aval: unknown }).aval = { dtype: "f32", shape: [3] };
          return makeEquation("add", {}, [x, l], e.outputs);
        }),
      /literals are rank 0/,
      0,
    ],
    ["constant storage of the wrong type", () => base().p.with({ constants: [{ variable: new Var({ dtype: "f16", shape: [2] }), value: { dtype: "f16", shape: [2], storage: new Float32Array(2) } }] }), /constant 0: storage does not hold 2 f16 values/],
    ["constant storage of the wrong length", () => base().p.with({ constants: [{ variable: new Var({ dtype: "f32", shape: [2] }), value: { dtype: "f32", shape: [2], storage: new Float32Array(3) } }] }), /storage does not hold 2 f32 values/],
    ["constant value differs from its variable", () => base().p.with({ constants: [{ variable: new Var({ dtype: "f32", shape: [3] }), value: { dtype: "f32", shape: [2], storage: new Float32Array(2) } }] }), /constant 0 holds f32\[2\], its variable is f32\[3\]/],
    ["undefined program output", () => base().p.with({ outputs: [new Var({ dtype: "f32", shape: [] })] }), /program output 0 uses a variable that is not defined/],
    ["bad shape", () => base().p.with({ inputs: [new Var({ dtype: "f32", shape: [-1] }), base().h] }), /input 0: bad shape \[-1\]/],
    ["bad dtype", () => base().p.with({ inputs: [new Var({ dtype: "f64" as never, shape: [3] }), base().h] }), /input 0: unknown dtype f64/],
    ["input names count", () => base().p.with({ inputNames: ["x"] }), /1 input names for 2 inputs/],
    ["in_tree leaves", () => base().p.with({ inTree: { kind: "leaf" } }), /in_tree has 1 leaves, the program has 2 inputs/],
    ["out_tree leaves", () => base().p.with({ outTree: { kind: "none" } }), /out_tree has 0 leaves, the program has 1 outputs/],
    ["malformed tree", () => base().p.with({ outTree: { kind: "node", type: "Scaled Array", children: [{ kind: "leaf" }] } }), /out_tree: node type "Scaled Array" is not an identifier/],
    ["object tree with missing children", () => base().p.with({ outTree: { kind: "object", keys: ["a", "b"], children: [{ kind: "leaf" }] } }), /an object needs one child per key/],
  ];
  it.each(cases)("rejects %s", (_name, make, detail, index) => {
    const e = verifyError(make());
    expect(e.detail).toMatch(detail);
    expect(e.equationIndex).toBe(index);
  });

  it("checks nested programs recursively", () => {
    const body = new Builder();
    const a = body.input("f32", [3], "x");
    const good = body.build([body.op("sin", {}, a)], { name: "call" });
    const bad = good.with({ outputs: [new Var({ dtype: "f32", shape: [3] })], name: "bwd" });
    const b = new Builder();
    const x = b.input("f32", [3], "x");
    const out = new Var({ dtype: "f32", shape: [3] });
    b.equations.push(makeEquation("custom_vjp", { call: good, fwd: good, bwd: bad, num_residuals: 0 }, [x], [out], "m.ir:7:3"));
    const e = verifyError(b.build([out]));
    expect(e.equationIndex).toBe(0);
    expect(e.primitive).toBe("custom_vjp");
    expect(e.callSite).toBe("m.ir:7:3");
    expect(e.detail).toMatch(/^in bwd: program output 0 uses a variable that is not defined before it$/);
  });

  it("accepts literals anywhere an operand or output may be", () => {
    const b = new Builder();
    const x = b.input("f32", [3], "x");
    const y = b.op("max", {}, x, new Literal(-Infinity, "f32"));
    expect(() => verify(b.build([y, lit(NaN), lit(-2147483648, "i32"), lit(1, "bool")]))).not.toThrow();
  });
});
