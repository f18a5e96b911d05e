// docs/operators.md is generated from the rule table (compiler/scalify/coverage.ts): the committed
// file must equal the generated text (run `npm run docs` after changing a rule or a primitive).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as sf from "../../../index.js";
import { operatorsMarkdown, scalifyDoc } from "../../../compiler/scalify/coverage.js";
import { PLAIN_ONLY, SCALIFY_RULES } from "../../../compiler/scalify/scalify-rules.js";

const committed = readFileSync(new URL("../../../docs/operators.md", import.meta.url), "utf8");

describe("docs/operators.md", () => {
  it("equals the text generated from the rule table (run `npm run docs` to update it)", () => {
    expect(committed).toBe(operatorsMarkdown());
  });
  it("has one row per primitive, with its scaled rule", () => {
    const rows = committed.split("\n").filter((l) => l.startsWith("| `"));
    expect(rows.map((r) => /^\| `([a-z_0-9]+)`/.exec(r)![1]).sort()).toEqual([...sf.PRIMITIVES]);
    for (const p of sf.PRIMITIVES) {
      const doc = scalifyDoc(p);
      expect(doc.length, p).toBeGreaterThan(10);
      const row = rows.find((r) => r.startsWith(`| \`${p}\` |`))!;
      expect(row.endsWith(`| ${doc.replace(/\|/g, "\\|")} |`), p).toBe(true);
      expect(doc.startsWith("plain only"), p).toBe(SCALIFY_RULES[p] === PLAIN_ONLY);
    }
  });
  it("the generator is deterministic", () => {
    expect(operatorsMarkdown()).toBe(operatorsMarkdown());
  });
});
