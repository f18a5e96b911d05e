// `scalify train mnist`: a tiny run writes metrics.json, the charts and a checkpoint, and
// --resume continues from it; bad options are usage errors.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nativeAvailable } from "../../runtime/native/loader.js";
import { scalify, tempDir } from "./cli.js";

describe("scalify train mnist", () => {
  it("trains, reports, writes metrics, charts and a checkpoint, and resumes", async () => {
    const out = tempDir();
    const args = ["train", "mnist", "--mode", "fp8", "--limit", "128", "--test-limit", "500", "--hidden", "32", "--out", out];
    const r = await scalify([...args, "--epochs", "1"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/fp8 seed 0: epoch 1\/1 {2}loss \d/);
    expect(r.stdout).toContain("train acc %");
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(metrics.config.rescale).toBe("lazy");
    // The default backend: native where the addon is built (as for `run` and `sf.jit`).
    expect(metrics.runs[0]).toMatchObject({ mode: "fp8", seed: 0, backend: nativeAvailable() ? "native" : "reference", steps: 1, nonFinite: 0 });
    expect(metrics.runs[0].epochs[0]).toHaveProperty("testAccuracy");
    expect(metrics.runs[0].casts.f8e4m3fn).toHaveProperty("saturated");
    expect(readFileSync(join(out, "mnist.svg"), "utf8")).toMatch(/^<svg/);
    expect(readFileSync(join(out, "mnist.png")).subarray(1, 4).toString()).toBe("PNG");
    expect(existsSync(join(out, "checkpoints", "fp8-seed0", "manifest.json"))).toBe(true);

    const resumed = await scalify([...args, "--epochs", "2", "--resume"]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain("fp8 seed 0: resuming after epoch 1 (step 1)");
    const again = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(again.runs[0].steps).toBe(2);
    expect(again.runs[0].losses[0]).toBe(metrics.runs[0].losses[0]);
  });

  it("rejects a bad mode or rescale with a usage error", async () => {
    const r = await scalify(["train", "mnist", "--mode", "fp4"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--mode fp4: expected f32, f16, fp8/);
    const bad = await scalify(["train", "mnist", "--rescale", "l3"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--rescale.*l3.*lazy, max/);
  });
});
