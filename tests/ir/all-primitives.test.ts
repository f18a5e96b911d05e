// Round trips of the all-primitives program through text and JSON, and that it stays complete.
import { describe, expect, it } from "vitest";
import { fromJSON, toJSON } from "../../ir/json.js";
import { parse } from "../../ir/parse.js";
import { PRIMITIVES } from "../../ir/primitives/catalogue.js";
import { print } from "../../ir/print.js";
import { Literal, Program, type Equation } from "../../ir/program.js";
import { verify } from "../../ir/verify.js";
import { allPrimitivesProgram } from "./all-primitives.js";

function primitivesUsed(p: Program, into = new Set<string>()): Set<string> {
  for (const e of p.equations as Equation[]) {
    into.add(e.primitive);
    for (const v of Object.values(e.params)) if (v instanceof Program) primitivesUsed(v, into);
  }
  return into;
}

describe("the all-primitives program", () => {
  const p = allPrimitivesProgram();
  const text = print(p);

  it("uses every primitive of the catalogue", () => {
    const used = primitivesUsed(p);
    expect(PRIMITIVES.filter((q) => !used.has(q))).toEqual([]);
  });

  it("verifies", () => {
    expect(() => verify(p)).not.toThrow();
  });

  it("prints deterministically", () => {
    expect(print(allPrimitivesProgram())).toBe(text);
    expect(print(p)).toBe(text);
  });

  it("round-trips through the text form", () => {
    const q = parse(text);
    verify(q);
    expect(print(q)).toBe(text);
  });

  it("round-trips through the JSON form", () => {
    const json = toJSON(p);
    expect(print(fromJSON(json))).toBe(text);
    const viaString = JSON.parse(JSON.stringify(json)) as unknown;
    expect(viaString).toEqual(json);
    const q = fromJSON(viaString);
    verify(q);
    expect(print(q)).toBe(text);
    expect(toJSON(q)).toEqual(json);
  });

  it("keeps special floats and constant bits", () => {
    const q = fromJSON(JSON.parse(JSON.stringify(toJSON(p))));
    const values = q.equations.flatMap((e) => e.inputs).flatMap((a) => (a instanceof Literal ? [a.value] : []));
    expect(values.some((v) => Number.isNaN(v))).toBe(true);
    expect(values).toContain(Infinity);
    expect(values).toContain(-Infinity);
    expect(values.some((v) => Object.is(v, -0))).toBe(true);
    expect(Array.from(q.constants[1]!.value.storage)).toEqual([0x3c00, 0x4000, 0x7c00, 0x8000]);
    expect(Array.from(q.constants[2]!.value.storage)).toEqual([-1, 2147483647]);
  });

  it("prints call sites only when asked", () => {
    const q = parse(text, { file: "all.ir" });
    expect(q.equations[0]!.callSite).toMatch(/^all\.ir:\d+:3$/);
    expect(print(q)).not.toContain("#");
    const withSites = print(q, { callSites: true });
    expect(withSites).toContain(`  # ${q.equations[0]!.callSite}`);
    expect(print(parse(withSites))).toBe(text);
  });
});
