// ir/dot.ts: one node per input, constant, equation and output; edges along data flow; stable text.
import * as sf from "scalify";
import { describe, expect, it } from "vitest";
import { toDot } from "../../ir/dot.js";

describe("toDot", () => {
  const program = sf.trace((x: sf.Tensor, y: sf.Tensor) => sf.ops.sub(sf.ops.mul(x, 2), y), sf.spec("f32", [3]), sf.spec("f32", [3]));

  it("draws inputs, equations with their types, literals and ordered operands", () => {
    expect(toDot(program)).toBe(
      [
        'digraph "main" {',
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=8];',
        '  in0 [shape=box, style=rounded, label="x\\nf32[3]"];',
        '  in1 [shape=box, style=rounded, label="y\\nf32[3]"];',
        '  eq0 [shape=ellipse, label="mul\\nf32[3]"];',
        '  in0 -> eq0 [label="0"];',
        '  lit0 [shape=plaintext, label="2.0:f32"];',
        '  lit0 -> eq0 [label="1"];',
        '  eq1 [shape=ellipse, label="sub\\nf32[3]"];',
        '  eq0 -> eq1 [label="0"];',
        '  in1 -> eq1 [label="1"];',
        '  out0 [shape=box, style=bold, label="out0\\nf32[3]"];',
        "  eq1 -> out0;",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("is the same for a program and its parsed print", () => {
    expect(toDot(sf.parse(sf.print(program)))).toBe(toDot(program));
  });
});
