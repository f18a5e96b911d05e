// Tensor.delete() and the reuse of deleted memory by the native backend (runtime/buffer-pool.ts):
// a deleted tensor's memory is detached and unusable, later results of its size are written into
// it and still agree with the reference, and the addon refuses memory it must not write into.
import { describe, expect, it } from "vitest";
import * as sf from "../../../index.js";
import { ValidationError } from "../../../ir/errors.js";
import { makeEquation, Program, Var } from "../../../ir/program.js";
import { POOL_MIN_BYTES, pooledBytes, takeBuffer } from "../../../runtime/buffer-pool.js";
import { interpret } from "../../../runtime/interpreter.js";
import { compileNative, runNative } from "../../../runtime/native/backend.js";
import { Tensor } from "../../../runtime/tensor.js";

// relu(x·1.5 + 0.25) on 2^19 f32 (2 MiB: past the pool's threshold), as sf.jit traces it.
const N = 1 << 19;
const chain = (x: Tensor) => sf.nn.relu(sf.ops.add(sf.ops.mul(x, 1.5), 0.25));
const input = (seed: number) => sf.fromBits(Float32Array.from({ length: N }, (_, i) => Math.sin(i * 0.37 + seed) * 4), "f32", [N]);
const reference = (x: Tensor) => Float32Array.from(x.storage as Float32Array, (v) => Math.max(Math.fround(Math.fround(v * 1.5) + 0.25), 0));

/** A plan whose two outputs are x + 1 and x · 2 (f32[n]). */
function twoOutputs(n: number) {
  const x = new Var({ dtype: "f32", shape: [n] });
  const a = new Var({ dtype: "f32", shape: [n] });
  const b = new Var({ dtype: "f32", shape: [n] });
  const one = new Var({ dtype: "f32", shape: [] });
  const p = new Program([x, one], [], [makeEquation("add", {}, [x, one], [a]), makeEquation("mul", {}, [a, one], [b])], [a, b], ["x", "one"]);
  return compileNative(p).plan;
}

describe("Tensor.delete", () => {
  it("detaches the memory: the tensor and every view of its storage are empty, reading throws, deleting again does nothing", () => {
    const t = sf.fromBits(new Float32Array(8).fill(3), "f32", [2, 4]);
    const view = new Float32Array(t.storage.buffer);
    expect(t.isDeleted()).toBe(false);
    t.delete();
    expect(t.isDeleted()).toBe(true);
    expect(view.length).toBe(0);
    expect(() => t.storage).toThrow(/f32\[2,4\] tensor was deleted/);
    expect(() => t.toFloat32Array()).toThrow(/deleted/);
    expect(String(t)).toContain("<deleted>");
    t.delete();
    expect(t.isDeleted()).toBe(true);
  });

  it("a tensor sharing the deleted memory throws when read, on both backends", () => {
    const storage = new Float32Array(4).fill(2);
    const a = sf.fromBits(storage, "f32", [4]);
    const b = sf.fromBits(storage, "f32", [2, 2]);
    a.delete();
    expect(b.isDeleted()).toBe(false);
    expect(() => b.storage).toThrow(/deleted through another tensor sharing it/);
    expect(() => sf.jit((x: Tensor) => sf.ops.neg(x), { backend: "native" })(b)).toThrow(/deleted through another tensor/);
    expect(() => sf.jit((x: Tensor) => sf.ops.neg(x), { backend: "reference" })(b)).toThrow(/deleted through another tensor/);
  });

  it("deleting a result that is a constant of the function leaves the next call's result intact, on both backends", () => {
    for (const backend of ["native", "reference"] as const) {
      const c = sf.fromBits(Float32Array.of(1, 2, 3), "f32", [3]);
      const f = sf.jit((x: Tensor) => [sf.ops.neg(x), c], { backend });
      const x = sf.fromBits(Float32Array.of(4, 5, 6), "f32", [3]);
      (f(x) as Tensor[])[1]!.delete();
      expect(Array.from((f(x) as Tensor[])[1]!.storage as Float32Array), backend).toEqual([1, 2, 3]);
    }
  });

  it("only drops the reference of storage that is part of a larger buffer (other views keep their data)", () => {
    const whole = new Float32Array(16).fill(7);
    const t = sf.fromBits(whole.subarray(4, 12), "f32", [8]);
    t.delete();
    expect(t.isDeleted()).toBe(true);
    expect(whole.length).toBe(16);
    expect(whole[5]).toBe(7);
  });

  it("a deleted argument is refused by name on both backends", () => {
    const f = sf.jit((x: Tensor) => sf.ops.mul(x, 2), { backend: "native" });
    const g = sf.jit((x: Tensor) => sf.ops.mul(x, 2), { backend: "reference" });
    const x = sf.fromBits(new Float32Array(4), "f32", [4]);
    const program = f.lower(x);
    x.delete();
    expect(() => f(x)).toThrow(ValidationError);
    expect(() => f(x)).toThrow(/was deleted/);
    expect(() => g(x)).toThrow(/was deleted/);
    expect(() => interpret(program, [x])).toThrow(/was deleted/);
  });
});

describe("memory of deleted tensors reused by the native backend", () => {
  it("a result written into a deleted tensor's memory is right, and the memory leaves the pool", () => {
    const f = sf.jit(chain, { backend: "native" });
    const before = pooledBytes();
    const first = f(input(0));
    expect(first.storage.byteLength).toBeGreaterThanOrEqual(POOL_MIN_BYTES);
    first.delete();
    expect(pooledBytes()).toBe(before + 4 * N);
    for (const seed of [1, 2, 3]) {
      const x = input(seed);
      const y = f(x);
      expect(pooledBytes()).toBe(before);
      expect(Array.from(y.storage as Float32Array)).toEqual(Array.from(reference(x)));
      y.delete();
      expect(pooledBytes()).toBe(before + 4 * N);
    }
    takeBuffer(4 * N);
    expect(pooledBytes()).toBe(before);
  });

  it("small buffers are detached but not kept", () => {
    const before = pooledBytes();
    const t = sf.fromBits(new Float32Array(POOL_MIN_BYTES / 8), "f32", [POOL_MIN_BYTES / 8]);
    t.delete();
    expect(pooledBytes()).toBe(before);
  });

  it("the addon refuses reuse memory of the wrong size, overlapping an argument or another output, or of the wrong kind", () => {
    const n = 64;
    const plan = twoOutputs(n);
    const x = new Float32Array(n).fill(1);
    const one = Float32Array.of(1);
    const given = new ArrayBuffer(4 * n);
    const ok = plan.execute([x, one], undefined, undefined, [given, undefined]);
    expect(ok[0]!.buffer).toBe(given);
    expect(ok[1]!.buffer).not.toBe(given);
    expect(Array.from(ok[0] as Float32Array)).toEqual(new Array(n).fill(2));
    expect(Array.from(ok[1] as Float32Array)).toEqual(new Array(n).fill(2));
    expect(() => plan.execute([x, one], undefined, undefined, [new ArrayBuffer(4 * n - 4), undefined])).toThrow(/exactly 256 bytes/);
    expect(() => plan.execute([x, one], undefined, undefined, [x.buffer as ArrayBuffer, undefined])).toThrow(/overlaps/);
    const shared = new ArrayBuffer(4 * n);
    expect(() => plan.execute([x, one], undefined, undefined, [shared, shared])).toThrow(/overlaps/);
    expect(() => plan.execute([x, one], undefined, undefined, [undefined])).toThrow(/one entry per output/);
    expect(() => plan.execute([x, one], undefined, undefined, [new Float32Array(n) as unknown as ArrayBuffer, undefined])).toThrow(/ArrayBuffer or undefined/);
    const detached = new ArrayBuffer(4 * n);
    structuredClone(detached, { transfer: [detached] });
    expect(() => plan.execute([x, one], undefined, undefined, [detached, undefined])).toThrow(/exactly 256 bytes/);
    // The argument was not written by any refused call.
    expect(Array.from(x)).toEqual(new Array(n).fill(1));
  });

  it("runNative reuses the memory for a program run as well as sf.jit", () => {
    const x = new Var({ dtype: "f32", shape: [N] });
    const y = new Var({ dtype: "f32", shape: [N] });
    const p = new Program([x], [], [makeEquation("neg", {}, [x], [y])], [y], ["x"]);
    const before = pooledBytes();
    runNative(p, [input(4)])[0]!.delete();
    expect(pooledBytes()).toBe(before + 4 * N);
    const arg = input(5);
    const out = runNative(p, [arg])[0]!;
    expect(pooledBytes()).toBe(before);
    expect(Array.from(out.storage as Float32Array)).toEqual(Array.from(arg.storage as Float32Array, (v) => -v));
  });
});
