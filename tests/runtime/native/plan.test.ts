// The compiled plan: elementwise chains fused into one instruction, scalar scales folded into
// dot_general and reduce_sum, memory reused by liveness (bounded for long programs), views and
// in-place writes, cast statistics (per dtype too), and the backend switch of sf.run / sf.jit.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as sf from "../../../index.js";
import type { DType } from "../../../ir/dtype.js";
import type { Params, Primitive } from "../../../ir/primitives/catalogue.js";
import { Literal, makeEquation, Program, Var, type Atom, type Equation } from "../../../ir/program.js";
import { interpret, newCastStats } from "../../../runtime/interpreter.js";
import { compileNative, runNative } from "../../../runtime/native/backend.js";
import { nativeAddon } from "../../../runtime/native/loader.js";
import { lower } from "../../../runtime/native/lower.js";
import { Tensor } from "../../../runtime/tensor.js";
import { disagreement, randomTensor, rng } from "./gen.js";

const v = (dtype: DType, shape: number[]) => new Var({ dtype, shape });
const lit = (value: number, dtype: DType = "f32") => new Literal(value, dtype);
function eqn<P extends Primitive>(prim: P, params: Params<P>, inputs: Atom[], out: Var): Equation {
  return makeEquation(prim, params, inputs, [out]);
}
const program = (inputs: Var[], equations: Equation[], outputs: Atom[]) => new Program(inputs, [], equations, outputs, inputs.map((_, i) => `x${i}`));
const dot = { dimension_numbers: [[[1], [0]], [[], []]] as [[number[], number[]], [number[], number[]]], preferred_element_type: null };

describe("fusion", () => {
  it("a 30-equation elementwise chain over mixed dtypes is one instruction and matches the reference", () => {
    const x = v("f32", [1000]);
    const eqs: Equation[] = [];
    let cur = x;
    for (let i = 0; i < 30; i++) {
      const dtype: DType = i % 3 === 0 ? "bf16" : "f32";
      const cast = v(dtype, [1000]);
      eqs.push(eqn("convert_element_type", { new_dtype: dtype, saturate: false }, [cur], cast));
      const next = v(dtype, [1000]);
      eqs.push(eqn(i % 2 ? "mul" : "add", {}, [cast, lit(1.25, dtype)], next));
      cur = next;
    }
    const p = program([x], eqs, [cur]);
    expect(lower(p).stats).toMatchObject({ instructions: 1, fusedGroups: 1, fusedEquations: 60 });
    const arg = randomTensor(rng(1), x.aval);
    expect(disagreement(runNative(p, [arg])[0]!, interpret(p, [arg])[0]!, "exact")).toBeUndefined();
  });

  it("a broadcast operand is read in the fused kernel, not materialised (bias add + relu is one instruction)", () => {
    const x = v("f32", [4, 6]);
    const b = v("bf16", [6]);
    const bb = v("bf16", [4, 6]);
    const bf = v("f32", [4, 6]);
    const y = v("f32", [4, 6]);
    const z = v("f32", [4, 6]);
    const p = program(
      [x, b],
      [
        eqn("broadcast_in_dim", { shape: [4, 6], broadcast_dimensions: [1] }, [b], bb),
        eqn("convert_element_type", { new_dtype: "f32", saturate: false }, [bb], bf),
        eqn("add", {}, [x, bf], y),
        eqn("max", {}, [y, lit(0)], z),
      ],
      [z],
    );
    expect(lower(p).stats).toMatchObject({ instructions: 1, internalSlots: 0 });
    const args = [randomTensor(rng(5), x.aval), randomTensor(rng(6), b.aval)];
    expect(disagreement(runNative(p, args)[0]!, interpret(p, args)[0]!, "exact")).toBeUndefined();
  });

  it("a value read outside its group is stored; a group never runs before a value it reads", () => {
    const x = v("f32", [4, 3]);
    const a = v("f32", [4, 3]);
    const t = v("f32", [3, 4]);
    const b = v("f32", [3, 4]);
    const c = v("f32", [4, 3]);
    const p = program(
      [x],
      [eqn("exp", {}, [x], a), eqn("transpose", { permutation: [1, 0] }, [a], t), eqn("neg", {}, [t], b), eqn("add", {}, [a, x], c)],
      [b, c],
    );
    const arg = randomTensor(rng(2), x.aval);
    const got = runNative(p, [arg]);
    const want = interpret(p, [arg]);
    got.forEach((g, k) => expect(disagreement(g, want[k]!, "ulp")).toBeUndefined());
  });
});

describe("scale folding", () => {
  it("mul(dot_general(a, b), s) and mul(s, reduce_sum(x)) fold into the producer, with the reference's values", () => {
    const a = v("f32", [8, 16]);
    const b = v("f32", [16, 4]);
    const s = v("f32", []);
    const d = v("f32", [8, 4]);
    const m = v("f32", [8, 4]);
    const r = v("f32", [8]);
    const m2 = v("f32", [8]);
    const p = program([a, b, s], [eqn("dot_general", dot, [a, b], d), eqn("mul", {}, [d, s], m), eqn("reduce_sum", { axes: [1] }, [m], r), eqn("mul", {}, [lit(0.5), r], m2)], [m2]);
    const low = lower(p);
    expect(low.stats.foldedScales).toBe(2);
    expect(low.plan.instrs.map((i) => i.prim)).toEqual(["dot_general", "reduce_sum"]);
    const g = rng(3);
    const args = [a, b].map((x) => new Tensor("f32", x.shape, Float32Array.from({ length: x.shape[0]! * x.shape[1]! }, () => Math.round((g() - 0.5) * 16) / 4)));
    args.push(new Tensor("f32", [], Float32Array.of(0.125)));
    // Small dyadic values: every sum is exact, so folded and unfolded results are identical.
    expect(Array.from(runNative(p, args)[0]!.storage as Float32Array)).toEqual(Array.from(interpret(p, args)[0]!.storage as Float32Array));
  });

  it("does not fold when the product is read elsewhere or has another dtype", () => {
    const a = v("bf16", [2, 2]);
    const d = v("bf16", [2, 2]);
    const m = v("bf16", [2, 2]);
    expect(lower(program([a], [eqn("dot_general", dot, [a, a], d), eqn("mul", {}, [d, lit(2, "bf16")], m)], [m])).stats.foldedScales).toBe(0);
    const x = v("f32", [2, 2]);
    const e = v("f32", [2, 2]);
    const n = v("f32", [2, 2]);
    expect(lower(program([x], [eqn("dot_general", dot, [x, x], e), eqn("mul", {}, [e, lit(2)], n)], [n, e])).stats.foldedScales).toBe(0);
  });
});

describe("memory", () => {
  /** A chain of `len` steps alternating a kernel (transpose) and an elementwise op. */
  function chain(len: number): Program {
    const x = v("f32", [64, 64]);
    const eqs: Equation[] = [];
    let cur = x;
    for (let i = 0; i < len; i++) {
      const t = v("f32", [64, 64]);
      eqs.push(eqn("transpose", { permutation: [1, 0] }, [cur], t));
      const n = v("f32", [64, 64]);
      eqs.push(eqn("mul", {}, [t, lit(1.0001)], n));
      cur = n;
    }
    return program([x], eqs, [cur]);
  }
  it("a long program reuses a bounded set of buffers", () => {
    const bytes = 64 * 64 * 4;
    const reused = lower(chain(200)).stats;
    expect(reused.internalBytes).toBeLessThanOrEqual(2 * bytes);
    expect(lower(chain(200), { reuse: false }).stats.internalBytes).toBeGreaterThanOrEqual(300 * bytes);
    expect(compileNative(chain(200)).plan.arenaBytes).toBe(reused.internalBytes);
  });
  it("reshape-like results share their operand's memory; an elementwise op writes into an operand that dies", () => {
    const x = v("f32", [6]);
    const t = v("f32", [2, 3]);
    const a = v("f32", [2, 3]);
    const b = v("f32", [6]);
    const c = v("f32", [6]);
    const p = program([x], [eqn("exp", {}, [x], c), eqn("reshape", { new_sizes: [2, 3] }, [c], t), eqn("neg", {}, [t], a), eqn("reshape", { new_sizes: [6] }, [a], b)], [b]);
    const low = lower(p);
    expect(low.stats.sharedSlots).toBeGreaterThanOrEqual(1);
    const arg = randomTensor(rng(4), x.aval);
    expect(disagreement(runNative(p, [arg])[0]!, interpret(p, [arg])[0]!, "ulp")).toBeUndefined();
  });
  it("outputs larger than the caches (streamed past them) hold the same values, f32 and i32 alike", () => {
    // 2^24 lanes = 64 MiB per f32 output: above the addon's streaming threshold.
    const n = 1 << 24;
    const x = v("f32", [n]);
    const [m, s, r, h] = [v("f32", [n]), v("f32", [n]), v("f32", [n]), v("i32", [n])];
    const p = program(
      [x],
      [eqn("mul", {}, [x, lit(1.5)], m), eqn("add", {}, [m, lit(0.25)], s), eqn("max", {}, [s, lit(0)], r), eqn("convert_element_type", { new_dtype: "i32", saturate: false }, [s], h)],
      [r, h],
    );
    const xs = new Float32Array(n);
    const g = rng(9);
    for (let i = 0; i < n; i++) xs[i] = (g() - 0.5) * 1e3;
    const [gotR, gotH] = runNative(p, [new Tensor("f32", [n], xs)]);
    const R = gotR!.storage as Float32Array;
    const H = gotH!.storage as Int32Array;
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const sv = Math.fround(Math.fround(xs[i]! * 1.5) + 0.25);
      if (R[i] !== Math.max(sv, 0) || H[i] !== Math.trunc(sv)) bad++;
    }
    expect(bad).toBe(0);
  });
  it("the plan never reads a value after its memory was reused (the addon checks every plan)", () => {
    const low = lower(chain(3));
    // Corrupt the liveness: put the input of the last step in the slot its output overwrites first.
    const bad = structuredClone({ ...low.plan, slots: low.plan.slots });
    bad.values.forEach((val) => {
      if (bad.slots[val.slot]!.kind === "internal") val.slot = bad.values.find((w) => bad.slots[w.slot]!.kind === "internal")!.slot;
    });
    expect(() => new (nativeAddon().Plan)(bad)).toThrow(/reused|share|defined/);
  });
});

describe("cast statistics", () => {
  it("count as the reference does, in total and per dtype, inside fused chains", () => {
    const x = v("f32", [6]);
    const a = v("f8e4m3fn", [6]);
    const b = v("f32", [6]);
    const c = v("f16", [6]);
    const p = program(
      [x],
      [eqn("convert_element_type", { new_dtype: "f8e4m3fn", saturate: false }, [x], a), eqn("mul", {}, [x, lit(1e-30)], b), eqn("convert_element_type", { new_dtype: "f16", saturate: true }, [b], c)],
      [a, c],
    );
    const arg = new Tensor("f32", [6], Float32Array.of(1, 500, 1e-9, NaN, Infinity, -0));
    const want = { ...newCastStats(), byDtype: {} };
    interpret(p, [arg], { castStats: want });
    const got = { ...newCastStats(), byDtype: {} };
    runNative(p, [arg], { castStats: got });
    expect(got).toEqual(want);
    expect(want.saturated).toBeGreaterThan(0);
  });

  it("count as the reference does on long blocks of every kind of value, for every target and mode", () => {
    const r = rng(4242);
    // Magnitudes from 2^-40 to 2^20 (fp8 and f16 underflow and overflow), zeros, NaN, ±Inf.
    const values = Float32Array.from({ length: 3001 }, (_, i) => {
      if (i % 97 === 0) return [NaN, Infinity, -Infinity, 0, -0][(i / 97) % 5]!;
      return (r() < 0.5 ? -1 : 1) * 2 ** (r() * 60 - 40);
    });
    for (const dtype of ["f8e4m3fn", "f8e5m2", "f16", "bf16"] as const)
      for (const saturate of [false, true]) {
        const x = v("f32", [values.length]);
        const y = v(dtype, [values.length]);
        const p = program([x], [eqn("convert_element_type", { new_dtype: dtype, saturate }, [x], y)], [y]);
        const arg = new Tensor("f32", [values.length], values);
        const want = { ...newCastStats(), byDtype: {} };
        interpret(p, [arg], { castStats: want });
        const got = { ...newCastStats(), byDtype: {} };
        runNative(p, [arg], { castStats: got });
        expect(got, `${dtype} saturate=${saturate}`).toEqual(want);
        if (dtype !== "bf16") expect(want.flushedToZero + want.saturated, `${dtype}`).toBeGreaterThan(0); // bf16 has f32's range
      }
  });
});

describe("threads", () => {
  it("SCALIFY_NUM_THREADS sets the pool size, and results do not depend on it", () => {
    const script = `
      import { nativeAddon } from ${JSON.stringify(fileURLToPath(new URL("../../../runtime/native/loader.ts", import.meta.url)))};
      import { threadProbe } from ${JSON.stringify(fileURLToPath(new URL("./thread-probe.ts", import.meta.url)))};
      console.log(nativeAddon().numThreads(), threadProbe());
    `;
    const run = (threads: string) =>
      execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        env: { ...process.env, SCALIFY_NUM_THREADS: threads },
        encoding: "utf8",
      }).trim();
    const one = run("1").split(" ");
    const two = run("2").split(" ");
    expect(one[0]).toBe("1");
    expect(two[0]).toBe("2");
    expect(one[1]).toBe(two[1]);
  });
});

describe("sf.run and sf.jit", () => {
  const f = (x: sf.Tensor) => sf.ops.mul(sf.ops.exp(x), 2);
  it("run on the native backend by default when the addon is built", () => {
    const p = sf.trace(f, sf.spec("f32", [3]));
    const x = sf.array([0, 1, 2]);
    const byDefault = sf.run(p, [x]) as sf.Tensor;
    const native = sf.run(p, [x], { backend: "native" }) as sf.Tensor;
    const reference = sf.run(p, [x], { backend: "reference" }) as sf.Tensor;
    expect(Array.from(byDefault.toFloat32Array())).toEqual(Array.from(native.toFloat32Array()));
    expect(disagreement(native, reference, "ulp")).toBeUndefined();
    const jitted = sf.jit(f, { backend: "native" });
    expect(disagreement(jitted(x) as sf.Tensor, reference, "ulp")).toBeUndefined();
  });
  it("fall back to the reference with a clear message when the addon is missing", () => {
    const script = `
      import * as sf from ${JSON.stringify(fileURLToPath(new URL("../../../index.ts", import.meta.url)))};
      const p = sf.trace((x) => sf.ops.add(x, 1), sf.spec("f32", [2]));
      const out = sf.run(p, [sf.array([1, 2])]);
      console.log(JSON.stringify(out.toArray()));
      try { sf.run(p, [sf.array([1, 2])], { backend: "native" }); } catch (e) { console.log(e.name + ": " + e.message); }
    `;
    const r = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      env: { ...process.env, SCALIFY_NATIVE_ADDON: "/nonexistent/scalify_native.node", SCALIFY_BACKEND: "" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines = r.trim().split("\n");
    expect(lines[0]).toBe("[2,3]");
    expect(lines[1]).toMatch(/ValidationError: .*backend "native" is not available: the native addon is missing .*npm run build:native/);
  });
});

describe("bandwidthBench (npm run bench's memory yardstick)", () => {
  it("times the plain loop and rejects bad options with an error", () => {
    const addon = nativeAddon();
    // Two tasks of 32 769 and 32 770 elements: vector bodies and scalar tails.
    const n = (1 << 16) + 3;
    const r = addon.bandwidthBench({ n, reps: 3, warmup: 1 });
    expect(r.times).toHaveLength(3);
    for (const t of r.times) expect(t).toBeGreaterThan(0);
    // Its input is x[i] = (i mod 1000)·0.002 − 1, in f32 arithmetic as the C++ computes it.
    const f = Math.fround;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.max(f(f(f(f((i % 1000) * f(0.002)) - 1) * 1.5) + 0.25), 0);
    expect(r.sum).toBe(sum);
    expect(() => addon.bandwidthBench({ n: 0 })).toThrow(/n must be an integer in \[1, /);
    expect(() => addon.bandwidthBench({ reps: 1.5 })).toThrow(/reps must be an integer/);
    expect(() => addon.bandwidthBench({ warmup: "2" as unknown as number })).toThrow(/warmup must be a number/);
    expect(() => (addon.bandwidthBench as unknown as (o: unknown) => unknown)(7)).toThrow(/bandwidthBench\(options\)/);
  });
});
