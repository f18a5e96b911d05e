// The native backend's pool of large outputs (runtime/native/src/output_memory.cpp): memory of a
// result the garbage collector frees goes back to the pool and the next result of its size is
// written into it; a live result's memory is never handed out again; results cross threads and
// are freed there; SCALIFY_OUTPUT_POOL=0 turns it off.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import * as sf from "../../../index.js";
import { nativeAddon, nativeAddonPath } from "../../../runtime/native/loader.js";
import type { Tensor } from "../../../runtime/tensor.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const stats = () => nativeAddon().outputPoolStats();

// relu(x·1.5 + 0.25) on 2^19 f32: a 2 MiB result, past the pool's 1 MiB threshold.
const N = 1 << 19;
const chain = sf.jit((x: Tensor) => sf.nn.relu(sf.ops.add(sf.ops.mul(x, 1.5), 0.25)), { backend: "native" });
const input = (seed: number) => sf.fromBits(Float32Array.from({ length: N }, (_, i) => Math.sin(i * 0.37 + seed) * 4), "f32", [N]);
const expected = (x: Tensor) => Float32Array.from(x.storage as Float32Array, (v) => Math.max(Math.fround(Math.fround(v * 1.5) + 0.25), 0));
/** The first index where y differs from the chain of x, or -1 (toEqual on 2^19 elements takes seconds). */
const mismatch = (y: Tensor, x: Tensor) => {
  const [a, b] = [y.storage as Float32Array, expected(x)];
  return a.length !== b.length ? -2 : a.findIndex((v, i) => !Object.is(v, b[i]));
};

/** Collects garbage until the pool holds at least `bytes` idle, 20 rounds at most (V8 may sweep array buffers on another thread). */
async function collectUntilIdle(bytes: number): Promise<void> {
  for (let i = 0; i < 20 && stats().idleBytes < bytes; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("the native backend's pool of large outputs", () => {
  it("takes back a collected result's memory and writes the next result of its size into it", async () => {
    const x1 = input(1), x2 = input(2);
    let y: Tensor | undefined = chain(x1);
    expect(mismatch(y, x1)).toBe(-1);
    const mappedBefore = stats().mapped;
    y = undefined;
    await collectUntilIdle(N * 4);
    const before = stats();
    expect(before.idleBytes).toBeGreaterThanOrEqual(N * 4);
    const y2 = chain(x2);
    const after = stats();
    expect(after.reused).toBe(before.reused + 1);
    expect(after.mapped).toBe(mappedBefore);
    expect(after.idleBytes).toBe(before.idleBytes - N * 4);
    expect(mismatch(y2, x2)).toBe(-1);
  });

  it("never hands out the memory of a live result", async () => {
    const x1 = input(3), x2 = input(4);
    const kept = [chain(x1), chain(x2)];
    const buffers = new Set<ArrayBufferLike>(kept.map((t) => t.storage.buffer));
    for (let i = 0; i < 6; i++) {
      const y = chain(i % 2 ? x1 : x2);
      expect(buffers.has(y.storage.buffer)).toBe(false);
      gc();
    }
    expect(mismatch(kept[0]!, x1)).toBe(-1);
    expect(mismatch(kept[1]!, x2)).toBe(-1);
  });

  it("a result moved to a worker thread is read and freed there", async () => {
    const x = input(5);
    const y = chain(x);
    const want = expected(x).reduce((s, v) => s + v, 0);
    const buffer = y.storage.buffer as ArrayBuffer;
    const worker = new Worker(
      `const { parentPort } = require("node:worker_threads");
       parentPort.once("message", (b) => { const a = new Float32Array(b); let s = 0; for (const v of a) s += v; parentPort.postMessage(s); });`,
      { eval: true },
    );
    worker.postMessage(buffer, [buffer]);
    const sum = await new Promise<number>((resolve, reject) => worker.once("message", resolve).once("error", reject));
    await worker.terminate();
    expect(() => y.storage).toThrow(/deleted/); // transferred away: the tensor is empty
    expect(sum).toBeCloseTo(want, 0);
    gc();
    expect(mismatch(chain(x), x)).toBe(-1);
  });

  it("results made in a worker's isolate outlive it when moved out, and go back to the pool when it ends", async () => {
    const live = () => stats().mappedBytes - stats().idleBytes;
    await collectUntilIdle(Infinity); // earlier tests' garbage
    const liveBefore = live();
    const worker = new Worker(
      `const { parentPort } = require("node:worker_threads");
       const addon = require(${JSON.stringify(nativeAddonPath())});
       const t = { dtype: "f32", shape: [${N}], data: new Float32Array(${N}).fill(2) };
       const [moved] = addon.runPrimitive("mul", {}, [t, t]);
       globalThis.kept = addon.runPrimitive("add", {}, [t, t]);
       parentPort.postMessage(moved.data.buffer, [moved.data.buffer]);`,
      { eval: true },
    );
    const buffer = await new Promise<ArrayBuffer>((resolve, reject) => worker.once("message", resolve).once("error", reject));
    await worker.terminate();
    for (let i = 0; i < 20 && live() > liveBefore + N * 4; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(live()).toBe(liveBefore + N * 4); // `moved` only: `kept` went back with the worker
    const moved = new Float32Array(buffer);
    expect(moved.length === N && moved.every((v) => v === 4)).toBe(true);
  });

  it("keeps at most SCALIFY_OUTPUT_POOL_IDLE bytes idle, unmapping the oldest first", () => {
    // Results of 2, 3 and 1.5 MiB dropped in turn under a 5 MiB cap: the third evicts the first.
    const script = `
      import * as sf from "./index.ts";
      import { nativeAddon } from "./runtime/native/loader.ts";
      const f = sf.jit((v) => sf.ops.neg(v), { backend: "native" });
      const make = (mib) => f(sf.fromBits(new Float32Array(mib * 262144), "f32", [mib * 262144]));
      const stats = () => nativeAddon().outputPoolStats();
      const settle = async (idle, mapped) => {
        for (let i = 0; i < 50 && (stats().idleBytes !== idle || stats().mappedBytes !== mapped); i++) { gc(); await new Promise((r) => setTimeout(r, 5)); }
        return stats();
      };
      const out = [];
      for (const [mib, idle, mapped] of [[2, 2, 2], [3, 5, 5], [1.5, 4.5, 4.5], [6, 4.5, 4.5]]) { make(mib); out.push(await settle(idle * 1048576, mapped * 1048576)); }
      make(2); out.push(stats());
      make(3); out.push(stats());
      console.log(JSON.stringify(out));`;
    const out = JSON.parse(
      execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", script], {
        cwd: fileURLToPath(new URL("../../..", import.meta.url)),
        env: { ...process.env, SCALIFY_OUTPUT_POOL: "1", SCALIFY_OUTPUT_POOL_IDLE: String(5 << 20) },
        encoding: "utf8",
      }),
    ) as { idleBytes: number; mappedBytes: number; reused: number; mapped: number }[];
    const MiB = 1 << 20;
    expect(out.map((s) => s.idleBytes / MiB)).toEqual([2, 5, 4.5, 4.5, 4.5, 1.5]);
    expect(out.map((s) => s.mappedBytes / MiB)).toEqual([2, 5, 4.5, 4.5, 6.5, 6.5]);
    // The 2 MiB block was evicted (a fresh mapping), the 3 MiB one is still there (reused).
    expect(out.map((s) => [s.mapped, s.reused])).toEqual([
      [1, 0],
      [2, 0],
      [3, 0],
      [4, 0],
      [5, 0],
      [5, 1],
    ]);
  });

  it("SCALIFY_OUTPUT_POOL=0 leaves large outputs to Node's allocator", () => {
    const script = `
      import * as sf from "./index.ts";
      import { nativeAddon } from "./runtime/native/loader.ts";
      const x = sf.fromBits(new Float32Array(${N}).fill(2), "f32", [${N}]);
      const y = sf.jit((v) => sf.ops.mul(v, 3), { backend: "native" })(x);
      console.log(JSON.stringify({ first: y.storage[0], stats: nativeAddon().outputPoolStats() }));`;
    const run = (env: Record<string, string>) =>
      JSON.parse(
        execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
          cwd: fileURLToPath(new URL("../../..", import.meta.url)),
          env: { ...process.env, ...env },
          encoding: "utf8",
        }),
      ) as { first: number; stats: { mapped: number } };
    const off = run({ SCALIFY_OUTPUT_POOL: "0" });
    const on = run({ SCALIFY_OUTPUT_POOL: "1" });
    expect(off).toEqual({ first: 6, stats: { idleBytes: 0, mappedBytes: 0, reused: 0, mapped: 0 } });
    expect(on.first).toBe(6);
    expect(on.stats.mapped).toBe(1);
  });
});
