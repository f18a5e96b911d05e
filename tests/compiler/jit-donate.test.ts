// sf.jit's donateArgnums (JAX's donate_argnums): donated arguments are deleted after each call,
// their memory taken by later results, on both backends; a result that is the argument keeps it;
// under an enclosing transform nothing is deleted.
import { describe, expect, it } from "vitest";
import * as sf from "../../index.js";
import { ValidationError } from "../../ir/errors.js";
import { pooledBytes } from "../../runtime/buffer-pool.js";
import { nativeAddon } from "../../runtime/native/loader.js";
import type { Tensor } from "../../runtime/tensor.js";

const BACKENDS = ["native", "reference"] as const;
const vec = (xs: number[]) => sf.fromBits(Float32Array.from(xs), "f32", [xs.length]);
const values = (t: Tensor) => Array.from(t.storage as Float32Array);

describe("sf.jit donateArgnums", () => {
  for (const backend of BACKENDS)
    it(`deletes the donated arguments after the call and keeps the others (${backend})`, () => {
      const f = sf.jit((a: Tensor, b: Tensor) => sf.ops.add(sf.ops.mul(a, 2), b), { backend, donateArgnums: 0 });
      const a = vec([1, 2, 3]), b = vec([10, 20, 30]);
      const y = f(a, b) as Tensor;
      expect(values(y)).toEqual([12, 24, 36]);
      expect(a.isDeleted()).toBe(true);
      expect(b.isDeleted()).toBe(false);
      expect(() => f(a, b)).toThrow(/was deleted/);
    });

  it("deletes every tensor of a donated pytree argument", () => {
    const f = sf.jit((p: { w: Tensor; b: Tensor }, x: Tensor) => ({ w: sf.ops.sub(p.w, x), b: sf.ops.sub(p.b, x) }), { backend: "reference", donateArgnums: [0] });
    const p = { w: vec([5, 6]), b: vec([7, 8]) }, x = vec([1, 1]);
    const out = f(p, x) as { w: Tensor; b: Tensor };
    expect([values(out.w), values(out.b)]).toEqual([
      [4, 5],
      [6, 7],
    ]);
    expect([p.w.isDeleted(), p.b.isDeleted(), x.isDeleted()]).toEqual([true, true, false]);
  });

  for (const backend of BACKENDS)
    it(`keeps a donated argument that a result shares memory with (${backend})`, () => {
      const f = sf.jit((a: Tensor, b: Tensor) => [a, sf.ops.reshape(b, [2, 2]), sf.ops.neg(b)], { backend, donateArgnums: [0, 1] });
      const a = vec([1, 2]), b = vec([3, 4, 5, 6]);
      const [ra, rb, nb] = f(a, b) as Tensor[];
      expect(values(ra!)).toEqual([1, 2]);
      expect(values(rb!)).toEqual([3, 4, 5, 6]);
      expect(values(nb!)).toEqual([-3, -4, -5, -6]);
      // Whatever memory the backend shares between a result and an argument stays readable.
      for (const [arg, res] of [
        [a, ra],
        [b, rb],
      ] as const)
        if (!arg.isDeleted()) expect(arg.storage.buffer).toBe(res!.storage.buffer);
    });

  it("a loop x = f(x) of large tensors runs on two buffers, with no memory left to the garbage collector", () => {
    const N = 1 << 19; // 2 MiB: past the pools' 1 MiB threshold
    const f = sf.jit((x: Tensor) => sf.nn.relu(sf.ops.add(sf.ops.mul(x, 0.5), 1)), { backend: "native", donateArgnums: 0 });
    let x: Tensor = sf.fromBits(Float32Array.from({ length: N }, (_, i) => (i % 7) - 3), "f32", [N]);
    let want = Float32Array.from(x.storage as Float32Array);
    const step = (v: number) => Math.max(Math.fround(Math.fround(v * 0.5) + 1), 0);
    const pool = () => nativeAddon().outputPoolStats();
    let mappedAfterTwo = 0;
    for (let k = 0; k < 8; k++) {
      const prev = x;
      x = f(x) as Tensor;
      want = want.map(step);
      expect(prev.isDeleted()).toBe(true);
      expect((x.storage as Float32Array).every((v, i) => v === want[i])).toBe(true);
      if (k === 1) mappedAfterTwo = pool().mapped + pool().reused;
      // From the third call on, each result takes the memory the call before last donated.
      if (k >= 2) expect(pool().mapped + pool().reused).toBe(mappedAfterTwo);
      expect(pooledBytes()).toBe(N * 4);
    }
  });

  it("deletes nothing when traced inside another transform", () => {
    const inner = sf.jit((x: Tensor) => sf.ops.mul(x, x), { backend: "reference", donateArgnums: 0 });
    const x = vec([3]);
    const g = sf.grad((v: Tensor) => sf.ops.sum(inner(v) as Tensor));
    expect(values(g(x) as Tensor)).toEqual([6]);
    expect(x.isDeleted()).toBe(false);
  });

  it("rejects positions that are not argument indices", () => {
    expect(() => sf.jit((x: Tensor) => x, { donateArgnums: -1 })).toThrow(ValidationError);
    expect(() => sf.jit((x: Tensor) => x, { donateArgnums: [0.5] })).toThrow(/integers ≥ 0/);
    const f = sf.jit((x: Tensor) => sf.ops.neg(x), { backend: "reference", donateArgnums: [1] });
    expect(() => f(vec([1]))).toThrow(/donateArgnums names argument 1, but .* was called with 1/);
  });
});
