// sf.saveCheckpoint / sf.loadCheckpoint: pytrees of Tensors and ScaledArrays round-trip bit for bit.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as sf from "../../index.js";

const dir = mkdtempSync(join(tmpdir(), "scalify-ckpt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("checkpoints", () => {
  it("round-trips tensors of every dtype, ScaledArrays, nesting and metadata", () => {
    const tree = {
      w: new sf.ScaledArray(sf.array([[1.5, -2], [0.25, 3]], { dtype: "f16" }), 0.125),
      codes: [sf.array([1, -448, 0.5], { dtype: "f8e4m3fn" }), sf.array([3, 4], { dtype: "bf16" })],
      count: sf.array(7, { dtype: "i32" }),
      mask: sf.array([true, false], { dtype: "bool" }),
      zero: new sf.ScaledArray(sf.zeros("f16", [3]), 0),
      note: "kept",
    };
    const sub = join(dir, "a");
    sf.saveCheckpoint(sub, tree, { step: 12 });
    const c = sf.loadCheckpoint(sub);
    expect(c.metadata).toEqual({ step: 12 });
    expect(c.tree.note).toBe("kept");
    const bits = (t: unknown) => (sf.tree.leaves(t) as unknown[]).map((l) => (l instanceof sf.Tensor ? [l.dtype, [...l.shape], Array.from(l.bits() as ArrayLike<number>)] : l));
    expect(bits(c.tree)).toEqual(bits(tree));
    expect(c.tree.w).toBeInstanceOf(sf.ScaledArray);
    expect(c.tree.zero.scale.item()).toBe(0);
    const manifest = JSON.parse(readFileSync(join(sub, "manifest.json"), "utf8"));
    expect(manifest.tensors.map((t: { path: string }) => t.path)).toEqual(["w", "codes.0", "codes.1", "count", "mask", "zero"]);
    expect(manifest.tensors[0].files).toEqual(["w.data.npy", "w.scale.npy"]);
  });

  it("names the manifest field that is wrong", () => {
    const sub = join(dir, "b");
    sf.saveCheckpoint(sub, { x: sf.array([1]) });
    const m = JSON.parse(readFileSync(join(sub, "manifest.json"), "utf8"));
    writeFileSync(join(sub, "manifest.json"), JSON.stringify({ ...m, version: 99 }));
    expect(() => sf.loadCheckpoint(sub)).toThrow(/version/);
    writeFileSync(join(sub, "manifest.json"), JSON.stringify({ ...m, tensors: [{ ...m.tensors[0], shape: [2] }] }));
    expect(() => sf.loadCheckpoint(sub)).toThrow(/manifest says f32\[2\]/);
  });
});
