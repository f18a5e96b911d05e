// The examples' traced IR against the committed goldens (tests/golden/NAME.ir, the output of
// `scalify trace examples/NAME.ts --fn NAME`). `npm run golden:update` rewrites them; a missing
// golden is written locally but fails under CI, where goldens must be committed.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as sf from "scalify";
import { describe, expect, it } from "vitest";
import { attention } from "../../examples/attention.js";
import { mlp } from "../../examples/mlp.js";
import { GOLDEN_DIR } from "../ir/goldens.js";

const f32 = (...shape: number[]) => sf.spec("f32", shape);

/** Written out by hand (not read from the types): the CLI test checks that both agree. */
const EXAMPLES: Record<string, () => sf.Program> = {
  mlp: () => sf.trace(mlp, { w1: f32(784, 128), b1: f32(128), w2: f32(128, 10), b2: f32(10) }, f32(8, 784)),
  attention: () => sf.trace(attention, { wq: f32(64, 64), wk: f32(64, 64), wv: f32(64, 64), wo: f32(64, 64) }, f32(2, 16, 64)),
};

describe("example goldens", () => {
  for (const [name, traced] of Object.entries(EXAMPLES)) {
    it(`${name}.ir`, () => {
      const text = sf.print(traced());
      const file = join(GOLDEN_DIR, `${name}.ir`);
      const update = process.env.SCALIFY_UPDATE_GOLDEN === "1" || !existsSync(file);
      if (update && !process.env.CI) {
        writeFileSync(file, text);
        return;
      }
      if (!existsSync(file)) throw new Error(`missing golden tests/golden/${name}.ir: run \`npm run golden:update\` and commit it`);
      expect(text).toBe(readFileSync(file, "utf8"));
    });
  }
});
