// The examples of docs/ir-format.md are canonical IR: each ```ir block parses and prints back unchanged.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "../../ir/parse.js";
import { print } from "../../ir/print.js";
import { verify } from "../../ir/verify.js";

const doc = readFileSync(new URL("../../docs/ir-format.md", import.meta.url), "utf8");
const blocks = [...doc.matchAll(/```ir\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe("docs/ir-format.md examples", () => {
  it("has examples", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });
  blocks.forEach((text, i) => {
    it(`example ${i + 1} is canonical`, () => {
      const p = parse(text);
      verify(p);
      expect(print(p)).toBe(text);
    });
  });
});
