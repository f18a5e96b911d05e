// The MNIST example trains in every mode on a small subset (reference backend): the loss falls,
// stays finite, and nothing non-finite appears in loss, gradients, parameters or optimizer state.
import { describe, expect, it } from "vitest";
import { head, loadMnist, TEST_SIZE, TRAIN_SIZE } from "../../examples/mnist/data.js";
import { MODES } from "../../examples/mnist/model.js";
import { comparisonTable, epochTable, summarise } from "../../examples/mnist/report.js";
import { median, train } from "../../examples/mnist/train.js";

// A narrower model and smaller batches than the recipe (784-512-512-10, batch 128) keep the
// reference interpreter fast; the mechanics (one traced step, scalify, fp8 casts) are the same.
const SMALL = { hidden: 64, batch: 32, trainLimit: 1152, testLimit: 500, evalTrainLimit: 500, maxSteps: 36, epochs: 1 } as const;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("MNIST data", () => {
  it("splits the 10 000 digits into a fixed 8 000 / 2 000", () => {
    const d = loadMnist();
    expect(d.train.count).toBe(TRAIN_SIZE);
    expect(d.test.count).toBe(TEST_SIZE);
    expect(d.train.images.length).toBe(TRAIN_SIZE * 784);
    // Every class is present in both parts, pixels are in [0, 1].
    for (const s of [d.train, d.test]) expect(new Set(s.labels).size).toBe(10);
    expect(Math.max(...head(d.test, 50).images)).toBeLessThanOrEqual(1);
    // Fixed: the first labels do not depend on anything but the package.
    expect(Array.from(d.test.labels.subarray(0, 8))).toEqual(Array.from(loadMnist().test.labels.subarray(0, 8)));
  });
});

describe("training the MLP", () => {
  for (const mode of MODES) {
    it(`${mode}: the loss falls and stays finite over ${SMALL.maxSteps} steps`, () => {
      const r = train({ mode, seed: 0, ...SMALL });
      expect(r.step).toBe(SMALL.maxSteps);
      expect(r.losses.every(Number.isFinite)).toBe(true);
      expect(r.nonFinite).toBe(0);
      const first = mean(r.losses.slice(0, 5));
      const lastFive = mean(r.losses.slice(-5));
      expect(first).toBeGreaterThan(2);
      expect(lastFive).toBeLessThan(first * 0.6);
      expect(r.epochs[0]!.testAccuracy).toBeGreaterThan(0.6);
      if (mode === "fp8") {
        // The fp8 casts ran (and are counted by dtype); the f32 mode casts nothing.
        expect(r.casts.f8e4m3fn).toBeDefined();
        expect(r.casts.f8e5m2).toBeDefined();
      }
      if (mode === "f32") expect(r.casts.total?.flushedToZero ?? 0).toBe(0);
      // Step times: the first step (tracing and compiling) apart, the median within the range.
      const e = r.epochs[0]!;
      expect(e.timedSteps).toBe(SMALL.maxSteps - 1);
      expect(e.medianStepMs).toBeGreaterThan(0);
      expect(e.medianStepMs).toBeLessThanOrEqual(e.seconds * 1000); // ≤ the sum of the timed steps
      expect(epochTable(r)[0]).toMatch(/ms\/step\s+median ms$/);
    });
  }

  it("is deterministic for a seed, and the seed changes initialisation and data order", () => {
    const opts = { ...SMALL, maxSteps: 3, evalTrainLimit: 32, testLimit: 32 };
    const a = train({ mode: "f32", seed: 1, ...opts });
    const b = train({ mode: "f32", seed: 1, ...opts });
    const c = train({ mode: "f32", seed: 2, ...opts });
    expect(a.losses).toEqual(b.losses);
    expect(a.losses).not.toEqual(c.losses);
  });
});

describe("MNIST reports", () => {
  it("median: the middle value, or the mean of the two middle ones", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it("compares the modes' median step times", () => {
    const epoch = (medianStepMs: number) => ({ epoch: 1, loss: 1, trainAccuracy: 0.9, testAccuracy: 0.9, seconds: 1, stepsPerSecond: 10, stepMs: 100, medianStepMs, steps: 10 });
    const run = (mode: "f32" | "fp8", seed: number, ms: number) => ({ mode, seed, epochs: [epoch(ms)], casts: {}, nonFinite: 0 }) as unknown as Parameters<typeof summarise>[0][number];
    const s = summarise([run("f32", 0, 8), run("f32", 1, 10), run("f32", 2, 30), run("fp8", 0, 9), run("fp8", 1, 11), run("fp8", 2, 12)]);
    expect(s.map((m) => [m.mode, m.medianStepMs, m.medianStepTimeRatio])).toEqual([
      ["f32", 10, 1],
      ["fp8", 11, 1.1],
    ]);
    expect(comparisonTable(s)[2]).toMatch(/^fp8 .* 11\.0\s+1\.10 /);
  });
});
