// Random multi-equation programs on the native backend: elementwise chains over mixed dtypes
// (fused into one pass), with rank-0 operands, literals, casts, selects, and shape ops and
// exact reductions in between (which split and seal groups), several outputs including inputs,
// literals and repeats. Every value must equal the reference interpreter's (all ops here are
// bit-exact ones), whether the plan fuses or not and whether it reuses memory or not.
import { describe, expect, it } from "vitest";
import { type DType } from "../../../ir/dtype.js";
import { Literal, makeEquation, Program, Var } from "../../../ir/program.js";
import { print } from "../../../ir/print.js";
import { size } from "../../../ir/shape.js";
import { verify } from "../../../ir/verify.js";
import { interpret } from "../../../runtime/interpreter.js";
import { runNative } from "../../../runtime/native/backend.js";
import { hoistElementwise } from "../../../runtime/native/fuse.js";
import { flatten } from "../../../runtime/native/graph.js";
import { lower } from "../../../runtime/native/lower.js";
import { encode } from "../../../runtime/numerics/codec.js";
import { Tensor } from "../../../runtime/tensor.js";
import { randomChain } from "./chains.js";
import { disagreement, randInt, randomTensor, rng } from "./gen.js";

describe("random chains on the native backend", () => {
  it("agree with the reference, fused or not, with or without memory reuse", () => {
    const r = rng(2024);
    let fusedEquations = 0;
    let fusedReductions = 0;
    for (let trial = 0; trial < 250; trial++) {
      const { program, args } = randomChain(r, randInt(r, 2, 24));
      verify(program);
      const want = interpret(program, args);
      for (const lowering of [undefined, { fusion: false }, { reuse: false }, { fusion: false, reuse: false }]) {
        let got: Tensor[];
        try {
          got = runNative(program, args, lowering ? { lowering } : {});
        } catch (e) {
          throw new Error(`trial ${trial} ${JSON.stringify(lowering)}: ${(e as Error).message}\n${print(program)}`);
        }
        got.forEach((g, k) => {
          const why = disagreement(g, want[k]!, "exact");
          if (why) expect.fail(`trial ${trial} ${JSON.stringify(lowering)}, output ${k}: ${why}\n${print(program)}`);
        });
      }
      const stats = lower(program).stats;
      fusedEquations += stats.fusedEquations;
      fusedReductions += stats.fusedReductions;
    }
    expect(fusedEquations).toBeGreaterThan(500); // the chains really were fused
    expect(fusedReductions).toBeGreaterThan(20); // and reductions ran inside them
  });
});

describe("full reductions inside a fused chain", () => {
  /** abs(x)·c, then its max (the max-norm of a rescale) and its sum, from f16 data. */
  function normProgram(shape: number[]): Program {
    const x = new Var({ dtype: "f16", shape });
    const c = new Var({ dtype: "f32", shape: [] });
    const a = new Var({ dtype: "f16", shape });
    const f = new Var({ dtype: "f32", shape });
    const cb = new Var({ dtype: "f32", shape });
    const y = new Var({ dtype: "f32", shape });
    const mx = new Var({ dtype: "f32", shape: [] });
    const sm = new Var({ dtype: "f32", shape: [] });
    const cs = new Var({ dtype: "f32", shape: [] });
    const axes = [...shape.keys()];
    const eqs = [
      makeEquation("abs", {}, [x], [a]),
      makeEquation("convert_element_type", { new_dtype: "f32", saturate: false }, [a], [f]),
      makeEquation("broadcast_in_dim", { shape, broadcast_dimensions: [] }, [c], [cb]),
      makeEquation("mul", {}, [f, cb], [y]),
      makeEquation("reduce_max", { axes }, [y], [mx]),
      makeEquation("reduce_sum", { axes }, [y], [sm]),
      makeEquation("reduce_min", { axes }, [cb], [cs]), // a broadcast scalar: n copies
    ];
    return new Program([x, c], [], eqs, [mx, sm, cs], ["x", "c"]);
  }

  it("run in the kernel that computes their operand, which then never reaches memory", () => {
    const lowered = lower(normProgram([300, 257]));
    expect(lowered.stats.fusedReductions).toBe(3);
    expect(lowered.plan.instrs.map((i) => i.prim)).toEqual(["fused"]);
    expect(lowered.stats.internalBytes).toBe(0);
  });

  it("agree with the reference: max bit for bit, sum within the f32 accumulation bound", () => {
    const r = rng(77);
    for (const shape of [[1], [7], [256], [257], [300, 257], [3, 5, 4099]]) {
      const program = normProgram(shape);
      const args = [randomTensor(r, { dtype: "f16", shape }), randomTensor(r, { dtype: "f32", shape: [] })];
      const [wantMax, wantSum, wantMin] = interpret(program, args);
      const [gotMax, gotSum, gotMin] = runNative(program, args);
      expect(disagreement(gotMax!, wantMax!, "exact"), `max ${shape}`).toBeUndefined();
      expect(disagreement(gotMin!, wantMin!, "exact"), `min ${shape}`).toBeUndefined();
      const w = wantSum!.item();
      const g = gotSum!.item();
      if (!Number.isFinite(w)) expect(g, `sum ${shape}`).toBe(w); // NaN or an overflow: the same
      else {
        // Σ|y| bounds the rounding of any summation order: K·2^-24·Σ|y|, K = the number of terms.
        const absSum = Math.abs(interpret(normProgram(shape), [args[0]!, args[1]!])[1]!.item());
        expect(Math.abs(g - w), `sum ${shape}`).toBeLessThanOrEqual(size(shape) * 2 ** -24 * absSum + 1e-30);
      }
    }
  });
});

describe("elementwise nodes join their producer's group before it is sealed", () => {
  it("the reordering is a permutation that keeps every producer before its readers", () => {
    const r = rng(31);
    let moved = 0;
    for (let trial = 0; trial < 200; trial++) {
      const { nodes } = flatten(randomChain(r, randInt(r, 2, 30)).program);
      const order = hoistElementwise(nodes);
      if (order.some((n, i) => n !== nodes[i])) moved++;
      expect(new Set(order).size).toBe(nodes.length);
      expect(order.every((n) => nodes.includes(n))).toBe(true);
      const at = new Map(order.map((n, i) => [n, i]));
      const producer = new Map(nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
      for (const n of order)
        for (const a of n.inputs) {
          const p = a instanceof Var ? producer.get(a) : undefined;
          if (p) expect(at.get(p)!, `trial ${trial}`).toBeLessThan(at.get(n)!);
        }
    }
    expect(moved).toBeGreaterThan(20); // the programs did give it something to move
  });

  /**
   * The scaled optimizer's pattern: one chain computes p' and m'; p''s max-norm is reduced and its
   * new scale computed (a rank-0 reader, which seals the chain) before abs(m') is traced.
   */
  function rescaleProgram(shape: number[]): Program {
    const v = (dtype: DType, s: number[] = shape) => new Var({ dtype, shape: s });
    const [p, g] = [v("f32"), v("f32")];
    const [p2, m2, ap, am] = [v("f32"), v("f32"), v("f32"), v("f32")];
    const [mp, mm, sp] = [v("f32", []), v("f32", []), v("f32", [])];
    const axes = [...shape.keys()];
    const eqs = [
      makeEquation("mul", {}, [g, new Literal(0.5, "f32")], [m2]),
      makeEquation("sub", {}, [p, m2], [p2]),
      makeEquation("abs", {}, [p2], [ap]),
      makeEquation("reduce_max", { axes }, [ap], [mp]),
      makeEquation("sqrt", {}, [mp], [sp]), // reads p''s norm: the chain is sealed from here on
      makeEquation("abs", {}, [m2], [am]),
      makeEquation("reduce_max", { axes }, [am], [mm]),
    ];
    return new Program([p, g], [], eqs, [p2, m2, sp, mm], ["p", "g"]);
  }

  it("so both max-norms run in the chain's kernel and agree with the reference", () => {
    const shape = [33, 70];
    const program = rescaleProgram(shape);
    const lowered = lower(program);
    expect(lowered.stats.fusedReductions).toBe(2);
    expect(lowered.plan.instrs.map((i) => i.prim)).toEqual(["fused", "fused"]); // the chain, then sqrt
    const r = rng(5);
    const args = [randomTensor(r, { dtype: "f32", shape }), randomTensor(r, { dtype: "f32", shape })];
    const want = interpret(program, args);
    runNative(program, args).forEach((got, k) => expect(disagreement(got, want[k]!, "exact"), `output ${k}`).toBeUndefined());
  });
});

describe("a multiplication or division by a rank-0 operand that is exactly 1 is skipped at run time", () => {
  // neg(x)·s, then ÷ t, then u·(…), then a second use of an earlier value: each factor or divisor
  // is a rank-0 input, 1 or not, so the kernel runs both with and without skipping. x holds
  // ±0, ±Inf, NaN, subnormals and ordinary values; f16 values go through the f16 chain too.
  function program(dtype: DType, n: number): Program {
    const v = (s: number[] = [n]) => new Var({ dtype, shape: s });
    const [x, s, t, u] = [v(), v([]), v([]), v([])];
    const [a, b, c, d, e] = [v(), v(), v(), v(), v()];
    const eqs = [
      makeEquation("neg", {}, [x], [a]),
      makeEquation("mul", {}, [a, s], [b]),
      makeEquation("div", {}, [b, t], [c]),
      makeEquation("mul", {}, [u, c], [d]),
      makeEquation("add", {}, [d, x], [e]),
    ];
    return new Program([x, s, t, u], [], eqs, [e, d], ["x", "s", "t", "u"]);
  }
  const specials = [0, -0, Infinity, -Infinity, NaN, 1e-40, -3e-39, 6e-8, 1.5, -2.75, 65504, 1e30];

  for (const dtype of ["f32", "f16"] as const)
    for (const [s, t, u] of [
      [1, 1, 1],
      [1, 2, 1],
      [0.5, 1, 4],
      [1, 1, -1],
      [2, 0.25, 1],
    ])
      it(`${dtype}: s = ${s}, t = ${t}, u = ${u}`, () => {
        const n = 4099; // several blocks and a tail
        const p = program(dtype, n);
        const r = rng(n + s * 7 + t * 3 + u);
        const xs = Array.from({ length: n }, (_, i) => (i < specials.length ? specials[i]! : (r() - 0.5) * 2 ** Math.floor(r() * 40 - 20)));
        const args = [new Tensor(dtype, [n], encode(xs, dtype)), ...[s, t, u].map((k) => new Tensor(dtype, [], encode([k], dtype)))];
        expect(lower(p).stats.fusedGroups).toBe(1);
        const want = interpret(p, args);
        runNative(p, args).forEach((got, k) => expect(disagreement(got, want[k]!, "exact"), `output ${k}`).toBeUndefined());
      });
});

describe("a division by a rank-0 power of two runs as a multiplication by its reciprocal, bit for bit", () => {
  // −(x/t) with t a rank-0 input: normal powers of two (both signs, at the ends of the exponent
  // range, where 1/t is 2^126 or the subnormal 2^-127) take the fast path; subnormal powers of
  // two, other values, ±0, ±Inf and NaN divide. x: f32 bit patterns drawn uniformly (every
  // exponent, subnormals, NaN payloads) and the special values.
  const n = 3 * 2048 + 5;
  const x = new Var({ dtype: "f32", shape: [n] });
  const t = new Var({ dtype: "f32", shape: [] });
  const [q, y] = [new Var({ dtype: "f32", shape: [n] }), new Var({ dtype: "f32", shape: [n] })];
  const p = new Program([x, t], [], [makeEquation("div", {}, [x, t], [q]), makeEquation("neg", {}, [q], [y])], [y], ["x", "t"]);
  const r = rng(2026);
  const bits = Uint32Array.from({ length: n }, () => Math.floor(r() * 2 ** 32));
  const xs = new Float32Array(bits.buffer);
  [0, -0, Infinity, -Infinity, NaN, 2 ** -149, -(2 ** -126), 3.4e38, -1.5, 1].forEach((v, i) => (xs[i] = v));
  for (const divisor of [2, -4, 0.5, 2 ** -126, 2 ** 127, -(2 ** 127), 2 ** -100, 2 ** 100, 2 ** -127, 2 ** -149, 3, -0.75, 1, 0, -0, Infinity, NaN])
    it(`t = ${divisor}`, () => {
      const args = [new Tensor("f32", [n], xs), new Tensor("f32", [], Float32Array.of(divisor))];
      expect(lower(p).stats.fusedGroups).toBe(1);
      const want = interpret(p, args)[0]!;
      expect(disagreement(runNative(p, args)[0]!, want, "exact")).toBeUndefined();
    });
});

describe("a max of |x| that nothing else reads takes x's magnitudes, bit for bit", () => {
  // max(|x|) over a full group, with |x| also an output in one variant (then the abs runs). x
  // holds ±0, subnormals, ±Inf and NaNs of both signs with distinct payloads: the first NaN in
  // order must win, its sign cleared as abs clears it, in whichever block it falls.
  function program(dtype: DType, n: number, absIsOutput: boolean): Program {
    const x = new Var({ dtype, shape: [n] });
    const ax = new Var({ dtype, shape: [n] });
    const y = new Var({ dtype, shape: [n] });
    const m = new Var({ dtype, shape: [] });
    const eqs = [makeEquation("neg", {}, [x], [y]), makeEquation("abs", {}, [x], [ax]), makeEquation("reduce_max", { axes: [0] }, [ax], [m])];
    return new Program([x], [], eqs, absIsOutput ? [m, y, ax] : [m, y], ["x"]);
  }
  const bitsOf = (t: Tensor) => Array.from(t.storage instanceof Float32Array ? new Uint32Array(t.storage.buffer, t.storage.byteOffset, t.storage.length) : (t.storage as Uint16Array));
  const nan = (sign: number, payload: number) => new Float32Array(Uint32Array.of((sign ? 0xff800000 : 0x7f800000) | payload).buffer)[0]!;

  for (const dtype of ["f32", "f16"] as const)
    for (const n of [1, 7, 2048, 2049, 3 * 4099])
      for (const plant of ["none", "inf", "nan-first-negative", "nan-late", "zeros"] as const)
        for (const absIsOutput of [false, true])
          it(`${dtype}[${n}], ${plant}${absIsOutput ? ", |x| also an output" : ""}`, () => {
            const r = rng(n * 13 + plant.length + (absIsOutput ? 1 : 0));
            const xs = Array.from({ length: n }, () => (plant === "zeros" ? (r() < 0.5 ? -0 : 0) : (r() - 0.5) * 2 ** Math.floor(r() * 40 - 30)));
            if (plant === "inf") xs[Math.floor(r() * n)] = -Infinity;
            if (plant === "nan-first-negative") {
              xs[Math.floor(n / 3)] = nan(1, 0x123);
              if (n > 1) xs[n - 1] = nan(0, 0x456);
            }
            if (plant === "nan-late") xs[n - 1] = nan(1, 0x400000 | 0x2a);
            const storage = dtype === "f32" ? Float32Array.from(xs) : encode(xs, dtype);
            const p = program(dtype, n, absIsOutput);
            const args = [new Tensor(dtype, [n], storage)];
            const want = interpret(p, args);
            const got = runNative(p, args);
            want.forEach((w, k) => expect(bitsOf(got[k]!), `output ${k}`).toEqual(bitsOf(w)));
          });
});
