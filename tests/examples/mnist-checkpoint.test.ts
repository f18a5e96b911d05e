// Checkpoints of MNIST runs: parameters and optimizer state (data and scales) are saved and
// reloaded bit for bit, and a resumed run continues the same loss curve exactly.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as sf from "../../index.js";
import { loadRun, saveRun, train } from "../../examples/mnist/train.js";

const SMALL = { hidden: 32, batch: 32, trainLimit: 256, testLimit: 64, evalTrainLimit: 64 } as const;
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "scalify-mnist-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Storage bytes of every tensor leaf (ScaledArrays opened into data and scale). */
const bits = (tree: unknown) => (sf.tree.leaves(tree) as sf.Tensor[]).map((t) => [t.dtype, [...t.shape], Array.from(t.bits() as ArrayLike<number>)]);

describe("MNIST checkpoints", () => {
  for (const mode of ["fp8", "f32"] as const) {
    it(`${mode}: save, reload and resume continue the same loss curve`, () => {
      const straight = train({ mode, seed: 3, epochs: 2, ...SMALL });
      const dir = tempDir();
      let saved = false;
      const first = train({ mode, seed: 3, epochs: 1, ...SMALL, onEpoch: (_m, s) => (saveRun(dir, s), (saved = true)) });
      expect(saved).toBe(true);

      const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
      expect(manifest.format).toBe("scalify-checkpoint");
      const loaded = loadRun(dir);
      expect(loaded.epoch).toBe(1);
      expect(loaded.step).toBe(first.step);
      expect(bits(loaded.params)).toEqual(bits(first.params));
      expect(bits(loaded.optState)).toEqual(bits(first.optState));
      if (mode === "fp8") {
        // Scaled f16 master weights and state: the data is f16 and each has its own scale.
        const w1 = (loaded.params as { w1: sf.ScaledArray }).w1;
        expect(w1).toBeInstanceOf(sf.ScaledArray);
        expect(w1.data.dtype).toBe("f16");
        expect((loaded.optState as { mu: { w1: sf.ScaledArray } }).mu.w1.data.dtype).toBe("f16");
      }

      const resumed = train({ mode, seed: 3, epochs: 2, ...SMALL, resume: loaded });
      expect(resumed.losses).toEqual(straight.losses);
      expect(resumed.epochs.map((e) => e.testAccuracy)).toEqual(straight.epochs.map((e) => e.testAccuracy));
      expect(bits(resumed.params)).toEqual(bits(straight.params));
    });
  }

  it("refuses to resume a different mode", () => {
    const dir = tempDir();
    train({ mode: "f16", seed: 0, epochs: 1, maxSteps: 1, ...SMALL, onEpoch: (_m, s) => saveRun(dir, s) });
    expect(() => train({ mode: "fp8", seed: 0, epochs: 2, ...SMALL, resume: loadRun(dir) })).toThrow(/mode f16/);
  });
});
