// Speculative rescaling (runtime/native/speculate.ts): a rescale's second pass runs inside its
// first with the scale the previous run had, and a guard reruns the pass when the scale changed.
// Whatever the prediction, every result and every cast count must be the reference's, bit for
// bit; the misses show in plan.reruns.
import { describe, expect, it } from "vitest";
import * as sf from "../../../index.js";
import { interpret, newCastStats } from "../../../runtime/interpreter.js";
import { compileNative, runNative } from "../../../runtime/native/backend.js";
import { nativeAddon } from "../../../runtime/native/loader.js";
import { lower } from "../../../runtime/native/lower.js";
import type { Tensor } from "../../../runtime/tensor.js";
import { disagreement } from "./gen.js";

/** An optimizer-like update: p − lr·g, rescaled by its max norm, stored as f16 (and a second state). */
function update(p: sf.ScaledArray, g: sf.ScaledArray) {
  const next = sf.ops.sub(p as unknown as sf.Tensor, sf.ops.mul(g as unknown as sf.Tensor, 0.25));
  const second = sf.ops.mul(g as unknown as sf.Tensor, g as unknown as sf.Tensor);
  return [sf.ops.astype(sf.scaling.dynamicRescaleMax(next) as sf.Tensor, "f16"), sf.ops.astype(sf.scaling.dynamicRescaleMax(second) as sf.Tensor, "f16")];
}

const SHAPE = [37, 300];

/** f16 data with values up to `amp` (and a few tiny ones, which flush in f16), scale `scale`. */
function scaled(seed: number, amp: number, scale: number): sf.ScaledArray {
  const n = SHAPE[0]! * SHAPE[1]!;
  const x = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    x[i] = ((s / 2 ** 32) * 2 - 1) * amp * (i % 97 === 0 ? 1e-9 : 1);
  }
  return new sf.ScaledArray(sf.ops.astype(sf.fromBits(x, "f32", SHAPE), "f16"), scale);
}

const flat = (args: sf.ScaledArray[]): Tensor[] => args.flatMap((a) => [a.data as Tensor, a.scale as Tensor]);

describe("speculative rescaling", () => {
  const staged = sf.scalify(update) as unknown as { lower: (...a: unknown[]) => sf.Program };
  const program = staged.lower(scaled(1, 1, 1), scaled(2, 1, 1));

  it("runs each rescale's second pass inside the first: no f32 intermediate reaches memory", () => {
    const on = lower(program);
    const off = lower(program, { speculate: false });
    expect(on.stats.speculated).toBe(2);
    expect(on.plan.instrs.filter((i) => i.prim === "speculation_guard")).toHaveLength(2);
    expect(on.stats.internalBytes).toBeLessThan(off.stats.internalBytes);
    const big = (l: typeof on) => l.plan.values.filter((v) => v.dtype === "f32" && v.shape.length > 0).length;
    expect(big(on)).toBe(0);
    expect(big(off)).toBeGreaterThan(0);
  });

  it("gives the reference's results and cast counts on hits and on misses", () => {
    const { plan } = compileNative(program);
    const before = plan.reruns;
    // The same scales twice (a hit), new data with other maxima (misses), then the same again.
    const runs: [number, number, number, number][] = [
      [1, 1, 1, 1],
      [3, 1, 4, 1],
      [5, 40, 6, 0.01],
      [7, 40, 8, 0.01],
      [9, 40, 10, 0.01],
      [11, 1e3, 12, 2 ** -20],
    ];
    let missesSeen = 0;
    runs.forEach(([sp, ap, sg, ag], k) => {
      const args = flat([scaled(sp, ap, 2 ** (k % 3)), scaled(sg, ag, 0.5)]);
      const wantStats = newCastStats();
      const want = interpret(program, args, { castStats: wantStats });
      const gotStats = newCastStats();
      const r0 = plan.reruns;
      const got = runNative(program, args, { castStats: gotStats });
      missesSeen += plan.reruns - r0;
      got.forEach((g, i) => expect(disagreement(g, want[i]!, "exact"), `run ${k} output ${i}`).toBeUndefined());
      expect(gotStats, `run ${k}`).toEqual(wantStats);
    });
    // The first run and each change of the data's maxima miss; repeated maxima hit.
    expect(missesSeen).toBeGreaterThan(0);
    expect(plan.reruns - before).toBeLessThan(runs.length * 2);
    const r0 = plan.reruns;
    runNative(program, flat([scaled(13, 40, 1), scaled(14, 0.01, 0.5)]));
    runNative(program, flat([scaled(15, 40, 1), scaled(16, 0.01, 0.5)]));
    expect(plan.reruns - r0, "same maxima, same scales: no rerun").toBeLessThanOrEqual(2);
  });

  it("agrees with the unspeculated plan", () => {
    const args = flat([scaled(21, 3, 1), scaled(22, 0.1, 1)]);
    const a = runNative(program, args);
    const b = runNative(program, args, { lowering: { speculate: false } });
    a.forEach((t, i) => expect(disagreement(t, b[i]!, "exact")).toBeUndefined());
  });

  it("the addon rejects a guard whose target reads no predictions, or of the wrong operands", () => {
    const { plan } = lower(program);
    const g = plan.instrs.findIndex((i) => i.prim === "speculation_guard");
    const guard = plan.instrs[g]!;
    const target = (guard.params as { target: number }).target;
    const bad = (params: Record<string, unknown>, ins = guard.ins) => {
      const instrs = plan.instrs.map((i, k) => (k === g ? { ...i, params, ins } : i));
      return () => new (nativeAddon().Plan)({ ...plan, instrs });
    };
    expect(bad({ target: target - 1, predicted: [0] })).toThrow(/reads no predicted scalars|speculation_guard/);
    expect(bad({ target, predicted: [99] })).toThrow(/predicted/);
    expect(bad({ target: g, predicted: [0] })).toThrow(/target/);
    expect(bad({ target, predicted: [0, 0] })).toThrow(/one operand per predicted scalar/);
  });
});

describe("speculative rescaling of a lazy rescale (sf.optim's rescale: \"lazy\")", () => {
  // A stored f16 tensor updated each step, keeping its scale while its data fits the window.
  const step = (p: sf.ScaledArray, g: sf.ScaledArray) => {
    const next = sf.ops.sub(sf.ops.astype(p as unknown as sf.Tensor, "f32"), sf.ops.mul(sf.ops.astype(g as unknown as sf.Tensor, "f32"), 0.25));
    return sf.ops.astype(sf.scaling.lazyRescale(next, p as unknown as sf.Tensor) as sf.Tensor, "f16");
  };
  const program = (sf.scalify(step) as unknown as { lower: (...a: unknown[]) => sf.Program }).lower(scaled(1, 1, 1), scaled(2, 1, 1));

  it("misses only when the stored scale changes; every step equals the reference bit for bit", () => {
    const lowered = lower(program);
    expect(lowered.stats.speculated).toBe(1);
    // The prediction is the stored scale, a program output.
    const guard = lowered.plan.instrs.find((i) => i.prim === "speculation_guard")!;
    expect(guard.ins).toHaveLength(1);
    expect(lowered.outputs.some((o) => o.kind === "plan" && lowered.plan.outputs[o.index] === guard.ins[0])).toBe(true);
    const { plan } = compileNative(program);
    let p = scaled(31, 1.5, 2 ** -4);
    let scaleChanges = 0;
    let misses = 0;
    // Gradients of growing size push the data out of the window now and then.
    for (let k = 0; k < 24; k++) {
      const args = flat([p, scaled(40 + k, k < 12 ? 0.5 : 40 * k, 2 ** -4)]);
      const want = interpret(program, args);
      const r0 = plan.reruns;
      const got = runNative(program, args);
      misses += plan.reruns - r0;
      got.forEach((g, i) => expect(disagreement(g, want[i]!, "exact"), `step ${k} output ${i}`).toBeUndefined());
      const next = new sf.ScaledArray(got[0]!, got[1]!);
      if (next.scale.item() !== p.scale.item()) scaleChanges++;
      p = next;
    }
    expect(scaleChanges).toBeGreaterThan(0);
    // The first run misses (no prediction yet); after it, a miss is a change of the stored scale,
    // which is what the guard checks (not the ratio of x's scale to it, which moves with g's).
    expect(misses).toBeLessThanOrEqual(scaleChanges + 1);
    expect(misses).toBeLessThan(24 / 2);
  });
});

