// Every IR golden (tests/golden/**/*.ir) is in canonical form: parse → print gives the file back.
// None yet is not a failure.
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "../../ir/parse.js";
import { print } from "../../ir/print.js";
import { verify } from "../../ir/verify.js";
import { GOLDEN_DIR, goldenIrFiles } from "./goldens.js";

describe("IR goldens", () => {
  const files = goldenIrFiles();
  it(`are found (${files.length} today)`, () => {
    expect(files.every((f) => f.endsWith(".ir"))).toBe(true);
  });
  for (const file of files) {
    const name = relative(GOLDEN_DIR, file);
    it(`${name} round-trips`, () => {
      const text = readFileSync(file, "utf8");
      const p = parse(text, { file: name });
      verify(p);
      expect(print(p)).toBe(text);
    });
  }
});
