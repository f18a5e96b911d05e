// fromJSON: the path of each kind of bad field.
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../ir/errors.js";
import { fromJSON, toJSON } from "../../ir/json.js";
import { parse } from "../../ir/parse.js";
import { print } from "../../ir/print.js";

const TEXT = `func f(a: f32[3] "x", b: f16[3] "y") -> (f32[]) {
  in_tree [*, *]
  out_tree *
  const c: f32[3] = dense "AACAPwAAAEAAAEBA"
  d: f32[3] = add a c
  e: f32[] = reduce_sum[axes=[0]] d
  return e
}
`;
const VJP = `func g(a: f32[3] "x") -> (f32[3]) {
  in_tree *
  out_tree *
  b: f32[3] = custom_vjp[bwd={
    func bwd(a: f32[3] "ct") -> (f32[3]) {
      in_tree *
      out_tree *
      return a
    }
  }, call={
    func call(a: f32[3] "x") -> (f32[3]) {
      in_tree *
      out_tree *
      return a
    }
  }, fwd={
    func fwd(a: f32[3] "x") -> (f32[3]) {
      in_tree *
      out_tree *
      return a
    }
  }, num_residuals=0] a
  return b
}
`;

// A fresh, mutable plain-JSON copy each time.
type J = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const doc = (text = TEXT): J => JSON.parse(JSON.stringify(toJSON(parse(text))));

function validationError(obj: unknown): ValidationError {
  try {
    fromJSON(obj);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error("expected a ValidationError");
}

describe("fromJSON", () => {
  it("reads what toJSON writes", () => {
    expect(print(fromJSON(doc()))).toBe(TEXT);
    expect(print(fromJSON(doc(VJP)))).toBe(VJP);
  });

  it("writes the documented shape", () => {
    const d = doc();
    expect(d.format).toBe("scalify-ir");
    expect(d.version).toBe(1);
    expect(d.program.inputs[0]).toEqual({ var: "a", dtype: "f32", shape: [3], label: "x" });
    expect(d.program.constants[0]).toEqual({ var: "c", dtype: "f32", shape: [3], data: "AACAPwAAAEAAAEBA" });
    expect(d.program.equations[1]).toEqual({ primitive: "reduce_sum", params: { axes: [0] }, inputs: ["d"], outputs: [{ var: "e", dtype: "f32", shape: [] }] });
    expect(doc(VJP).program.equations[0].params.bwd.$program.name).toBe("bwd");
  });

  it("spells non-finite numbers and -0 as strings", () => {
    const d = doc(TEXT.replace("add a c", "add a nan:f32").replace("  const c: f32[3] = dense \"AACAPwAAAEAAAEBA\"\n", ""));
    expect(d.program.equations[0].inputs[1]).toEqual({ literal: "nan", dtype: "f32" });
    for (const [text, json] of [["inf", "inf"], ["-inf", "-inf"], ["-0.0", "-0.0"], ["0.5", 0.5]] as const) {
      const e = doc(TEXT.replace("add a c", `add a ${text}:f32`).replace("  const c: f32[3] = dense \"AACAPwAAAEAAAEBA\"\n", ""));
      expect(e.program.equations[0].inputs[1].literal).toBe(json);
    }
  });

  const cases: [string, (d: J) => unknown, string, RegExp?][] = [
    ["not an object", () => 42, "<root>"],
    ["wrong format", (d) => ((d.format = "onnx"), d), "format"],
    ["wrong version", (d) => ((d.version = 2), d), "version"],
    ["unknown top-level field", (d) => ((d.extra = 1), d), "extra", /unknown field/],
    ["missing field", (d) => (delete d.program.constants, d), "program.constants"],
    ["unknown dtype", (d) => ((d.program.inputs[0].dtype = "f64"), d), "program.inputs[0].dtype"],
    ["negative dim", (d) => ((d.program.inputs[1].shape = [-3]), d), "program.inputs[1].shape[0]"],
    ["bad param (primitive schema)", (d) => ((d.program.equations[1].params.axes = [-1]), d), "program.equations[1].params.axes[0]"],
    ["unknown param", (d) => ((d.program.equations[1].params.axis = 0), d), "program.equations[1].params.axis", /unknown param/],
    ["unknown primitive", (d) => ((d.program.equations[0].primitive = "addd"), d), "program.equations[0].primitive"],
    ["undefined variable", (d) => ((d.program.equations[0].inputs[1] = "zz"), d), "program.equations[0].inputs[1]", /undefined variable 'zz'/],
    ["use before definition", (d) => ((d.program.equations[0].inputs[0] = "e"), d), "program.equations[0].inputs[0]"],
    ["wrong operand count", (d) => (d.program.equations[0].inputs.pop(), d), "program.equations[0].inputs", /add takes 2 operands, got 1/],
    ["shape rule fails", (d) => ((d.program.equations[0].inputs[1] = "b"), d), "program.equations[0]", /operands must have one dtype/],
    ["declared type differs", (d) => ((d.program.equations[0].outputs[0].dtype = "f16"), d), "program.equations[0].outputs[0]"],
    ["redefinition", (d) => ((d.program.equations[0].outputs[0].var = "a"), d), "program.equations[0].outputs[0].var"],
    ["bad literal", (d) => ((d.program.equations[0].inputs[1] = { literal: "NaN", dtype: "f32" }), d), "program.equations[0].inputs[1].literal"],
    ["i32 literal out of range", (d) => ((d.program.outputs[0] = { literal: 2 ** 31, dtype: "i32" }), d), "program.outputs[0].literal"],
    ["malformed base64", (d) => ((d.program.constants[0].data = "AAAA*"), d), "program.constants[0].data", /malformed base64/],
    ["constant length", (d) => ((d.program.constants[0].shape = [4]), d), "program.constants[0].data", /12 bytes/],
    ["bad tree node", (d) => ((d.program.inTree.children[1] = { kind: "leaf", x: 1 }), d), "program.inTree.children[1].x"],
    ["tree leaf count", (d) => (d.program.inTree.children.pop(), d), "program.inTree"],
    ["out tree leaf count", (d) => ((d.program.outTree = { kind: "none" }), d), "program.outTree"],
    ["undefined output", (d) => ((d.program.outputs[0] = "zz"), d), "program.outputs[0]"],
  ];
  it.each(cases)("reports %s at its path", (_name, mutate, path, detail) => {
    const e = validationError(mutate(doc()));
    expect(e.path).toBe(path);
    if (detail) expect(e.detail).toMatch(detail);
    expect(e.message.startsWith(`${path}: `)).toBe(true);
  });

  it("reports errors inside nested programs with the nested path", () => {
    const d = doc(VJP);
    d.program.equations[0].params.bwd.$program.outputs[0] = "zz";
    expect(validationError(d).path).toBe("program.equations[0].params.bwd.$program.outputs[0]");
    const d2 = doc(VJP);
    d2.program.equations[0].params.fwd = { $program: 3 };
    expect(validationError(d2).path).toBe("program.equations[0].params.fwd.$program");
  });

  it("rejects hostile nesting and cycles with a ValidationError", () => {
    const d = doc();
    let deep: unknown = [0];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    d.program.equations[1].params.axes = deep;
    expect(validationError(d).detail).toMatch(/nested deeper/);
    const cyc = doc();
    const loop: unknown[] = [];
    loop.push(loop);
    cyc.program.equations[1].params.axes = loop;
    expect(validationError(cyc).detail).toMatch(/nested deeper/);
    const tree = doc();
    const t: J = { kind: "array", children: [] };
    t.children.push(t);
    tree.program.outTree = t;
    expect(validationError(tree).detail).toMatch(/nested deeper/);
  });

  it("does not let a __proto__ key through", () => {
    const d = JSON.parse(JSON.stringify(doc()).replace('"params":{"axes":[0]}', '"params":{"axes":[0],"__proto__":{"x":1}}'));
    expect(validationError(d).path).toBe("program.equations[1].params.__proto__");
  });
});
