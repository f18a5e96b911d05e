// Compiled fused kernels (runtime/native/jit.ts, src/fused_jit.cpp): a kernel that runs
// compiled must give the register machine's results bit for bit (which fusion.test.ts checks
// against the reference), NaN payloads, ±0, ±Inf, subnormals and tails of blocks included; a
// counted run, and any machine without a working compiler, fall back to the register machine.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { Storage } from "../../../ir/dtype.js";
import { Literal, makeEquation, Program, Var } from "../../../ir/program.js";
import { print } from "../../../ir/print.js";
import { interpret } from "../../../runtime/interpreter.js";
import { compileNative, runNative, STATS_LENGTH } from "../../../runtime/native/backend.js";
import { attachCompiledKernels } from "../../../runtime/native/jit.js";
import { Tensor } from "../../../runtime/tensor.js";
import { randomChain } from "./chains.js";
import { disagreement, randInt, randomTensor, rng } from "./gen.js";

const cache = mkdtempSync(join(tmpdir(), "scalify-jit-test-"));
process.env.SCALIFY_JIT_CACHE = cache;
afterAll(() => rmSync(cache, { recursive: true, force: true }));

const bytes = (s: Storage) => new Uint8Array(s.buffer, s.byteOffset, s.byteLength);

/**
 * The plans' results (and with `counted`, their cast counters) with the fused kernels interpreted
 * and compiled, for each case; one compiler run for all.
 */
function bothWays(
  cases: { program: Program; args: Tensor[] }[],
  counted = false,
): { interpreted: Tensor[][]; compiled: Tensor[][]; kernels: number; counts: { interpreted: Float64Array[]; compiled: Float64Array[] } } {
  const plain = cases.map(({ program }) => compileNative(program, undefined, { mode: "off" }));
  const jitted = cases.map(({ program }) => compileNative(program, undefined, { mode: "off" }));
  const report = attachCompiledKernels(
    jitted.map((c) => c.plan),
    { mode: "always" },
  );
  const counts = { interpreted: [] as Float64Array[], compiled: [] as Float64Array[] };
  const run = (all: typeof plain, into: Float64Array[]) =>
    all.map(({ plan, lowered }, i) => {
      const stats = counted ? new Float64Array(STATS_LENGTH) : undefined;
      const outs = plan.execute(
        cases[i]!.args.map((t) => t.storage),
        stats,
      );
      if (stats) into.push(stats);
      return outs.map((s, k) => {
        const { dtype, shape } = lowered.plan.values[lowered.plan.outputs[k]!]!;
        return new Tensor(dtype, shape, s as never);
      });
    });
  return { interpreted: run(plain, counts.interpreted), compiled: run(jitted, counts.compiled), kernels: report?.kernels ?? 0, counts };
}

/** Bit for bit, but for f32 NaNs outside data movement, which only need to be NaNs (DESIGN.md). */
function expectSame(cases: { program: Program }[], interpreted: Tensor[][], compiled: Tensor[][]): void {
  cases.forEach(({ program }, i) =>
    interpreted[i]!.forEach((want, k) => {
      const why = disagreement(compiled[i]![k]!, want, "exact");
      if (why) expect.fail(`case ${i}, output ${k}: compiled vs interpreted: ${why}\n${print(program)}`);
    }),
  );
}

describe("compiled fused kernels", () => {
  it("agree with the register machine bit for bit on random chains (tails, several blocks, every dtype)", () => {
    const r = rng(4242);
    // Small random shapes (tails of every length), and a few larger ones: several blocks of 2048.
    const cases = Array.from({ length: 90 }, (_, i) => randomChain(r, randInt(r, 2, 24), i % 6 === 5 ? [randInt(r, 2, 5), randInt(r, 900, 2100)] : undefined));
    const { interpreted, compiled, kernels } = bothWays(cases);
    expect(kernels).toBeGreaterThan(60); // most chains' kernels have a compiled form
    expectSame(cases, interpreted, compiled);
  }, 120_000);

  /** The forward layer's kernel: x·s + b with b broadcast along rows (a view), relu as select, f16 data. */
  function biasRelu(rows: number, cols: number, column: boolean): Program {
    const shape = [rows, cols];
    const x = new Var({ dtype: "f32", shape });
    const b = new Var({ dtype: "f16", shape: column ? [rows] : [cols] });
    const s = new Var({ dtype: "f32", shape: [] });
    const v = (dtype: "f32" | "f16" | "bool", sh: number[] = shape) => new Var({ dtype, shape: sh });
    const [xh, xf, xs, sb, bb, bf, y, yh, zero, pos, out, m] = [v("f16"), v("f32"), v("f32"), v("f32"), v("f16"), v("f32"), v("f32"), v("f16"), v("f16"), v("bool"), v("f16"), v("f32", [])];
    const z0 = new Var({ dtype: "f16", shape: [] });
    const list = [
      makeEquation("convert_element_type", { new_dtype: "f16", saturate: false }, [x], [xh]),
      makeEquation("convert_element_type", { new_dtype: "f32", saturate: false }, [xh], [xf]),
      makeEquation("broadcast_in_dim", { shape, broadcast_dimensions: [] }, [s], [sb]),
      makeEquation("mul", {}, [xf, sb], [xs]),
      makeEquation("broadcast_in_dim", { shape, broadcast_dimensions: [column ? 0 : 1] }, [b], [bb]),
      makeEquation("convert_element_type", { new_dtype: "f32", saturate: false }, [bb], [bf]),
      makeEquation("add", {}, [xs, bf], [y]),
      makeEquation("convert_element_type", { new_dtype: "f16", saturate: false }, [y], [yh]),
      makeEquation("broadcast_in_dim", { shape, broadcast_dimensions: [] }, [z0], [zero]),
      makeEquation("gt", {}, [yh, zero], [pos]),
      makeEquation("select_n", {}, [pos, zero, yh], [out]),
      makeEquation("reduce_max", { axes: [0, 1] }, [y], [m]),
    ];
    return new Program([x, b, s, z0], [], list, [pos, out, m], ["x", "b", "s", "zero"]);
  }

  it("read broadcast views (rows of a bias, or one value per row) as the register machine does", () => {
    const r = rng(7);
    const cases = [
      [128, 512, false],
      [3, 2056, false],
      [300, 16, true],
      [5, 8, true],
    ].map(([rows, cols, column]) => {
      const program = biasRelu(rows as number, cols as number, column as boolean);
      return { program, args: program.inputs.map((v) => randomTensor(r, v.aval)) };
    });
    const { interpreted, compiled, kernels } = bothWays(cases);
    expect(kernels).toBe(cases.length);
    expectSame(cases, interpreted, compiled);
    // And the register machine agrees with the reference on these kernels (its own contract).
    cases.forEach(({ program, args }, i) => {
      const want = interpret(program, args);
      const got = runNative(program, args, { jit: { mode: "off" } });
      got.forEach((g, k) => expect(disagreement(g, want[k]!, "exact"), `case ${i} output ${k}`).toBeUndefined());
    });
  }, 60_000);

  /**
   * Every op with a compiled form over every pair of special values (±0, subnormals, ±Inf, NaNs
   * with payloads and signs, quiet and signalling, f16/fp8 boundaries), and reductions over rows
   * with and without NaNs, over several blocks and a tail.
   */
  function specials(scale = 0.375): { program: Program; args: Tensor[] } {
    const SPECIAL = [
      0, 0x80000000, 1, 0x807fffff, 0x00800000, 0x3f800000, 0xbf800000, 0x3f000000, 0xc0490fdb, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, 0x7f800001,
      0x7f7fffff, 0x477fe000, 0x477ff000, 0x43e00000, 0x43f00000, 0x33800000, 0x387fc000, 0x47800000, 0x3c000000,
    ];
    const n = 2 * 2048 + 13;
    const r = rng(11);
    const bits = (f: (i: number) => number) => new Tensor("f32", [n], new Float32Array(Uint32Array.from({ length: n }, (_, i) => f(i) >>> 0).buffer));
    const a = bits((i) => SPECIAL[i % SPECIAL.length]!);
    const b = bits((i) => SPECIAL[Math.floor(i / SPECIAL.length) % SPECIAL.length]!);
    // No NaN: the reductions' vector path (a NaN sends a block to its first-NaN rule).
    const c = bits((i) => (i % 97 === 0 ? SPECIAL[i % 11]! : new Uint32Array(new Float32Array([(r() - 0.5) * 2 ** randInt(r, -30, 30)]).buffer)[0]!));
    // No value that any cast flushes or overflows, but for a few alone in their vector, each at the
    // largest magnitude that flushes (f16, bf16, e4m3fn, e5m2; a compiled counter tests vectors for these).
    const FLUSH_MAX = [0x33000000, 0x00008000, 0x3a800000, 0x37000000];
    const d = bits((i) => (i % 101 === 50 ? FLUSH_MAX[(i / 101) & 3]! | (i & 1 ? 0x80000000 : 0) : new Uint32Array(new Float32Array([(r() < 0.5 ? -1 : 1) * (1 + r()) * 2 ** randInt(r, -6, 6)]).buffer)[0]!));
    const [va, vb, vc, vd] = [0, 1, 2, 3].map(() => new Var({ dtype: "f32", shape: [n] })) as [Var, Var, Var, Var];
    const vs = new Var({ dtype: "f32", shape: [] });
    const eqs: ReturnType<typeof makeEquation>[] = [];
    const outs: Var[] = [];
    const emit = (prim: string, params: object, ins: (Var | Literal)[], dtype: "f32" | "f16" | "bf16" | "f8e4m3fn" | "f8e5m2" | "bool" = "f32", shape: number[] = [n]) => {
      const o = new Var({ dtype, shape });
      eqs.push(makeEquation(prim as never, params as never, ins, [o]));
      outs.push(o);
      return o;
    };
    for (const u of ["neg", "abs", "sign", "sqrt", "rsqrt"]) emit(u, {}, [va]);
    for (const y of [1, 2, 3, -1, -2]) emit("integer_pow", { y }, [va]);
    for (const op of ["add", "sub", "mul", "div", "max", "min"]) emit(op, {}, [va, vb]);
    const cmp = ["eq", "ne", "lt", "le", "gt", "ge"].map((op) => emit(op, {}, [va, vb], "bool"));
    emit("select_n", {}, [cmp[4]!, va, vb]);
    emit("not", {}, [cmp[2]!], "bool");
    emit("and", {}, [cmp[2]!, cmp[1]!], "bool");
    emit("or", {}, [cmp[2]!, cmp[0]!], "bool");
    emit("convert_element_type", { new_dtype: "f32", saturate: false }, [cmp[3]!]);
    emit("convert_element_type", { new_dtype: "bool", saturate: false }, [va], "bool");
    for (const d of ["f16", "bf16", "f8e4m3fn", "f8e5m2"] as const)
      for (const saturate of [false, true]) {
        const low = emit("convert_element_type", { new_dtype: d, saturate }, [va], d);
        emit("convert_element_type", { new_dtype: "f32", saturate: false }, [low]);
      }
    const half = emit("convert_element_type", { new_dtype: "f16", saturate: false }, [vb], "f16");
    emit("add", {}, [half, half], "f16"); // rounded to f16 after the op
    const maxAbs = (x: Var) => {
      const m = emit("reduce_max", { axes: [0] }, [emit("abs", {}, [x])], "f32", []);
      outs.splice(outs.length - 2, 1); // |x| itself is read only by its max
      return m;
    };
    for (const x of [va, vc]) {
      for (const red of ["reduce_sum", "reduce_max", "reduce_min"]) emit(red, { axes: [0] }, [x], "f32", []);
      maxAbs(x);
    }
    // Reductions of values whose lanes past the tail (computed from zero codes) would win: 1/0 = ∞.
    const inv = emit("div", {}, [new Literal(1, "f32"), vd]);
    const negInv = emit("div", {}, [new Literal(-1, "f32"), vd]);
    emit("reduce_sum", { axes: [0] }, [emit("add", {}, [vd, new Literal(1.5, "f32")])], "f32", []);
    emit("reduce_max", { axes: [0] }, [inv], "f32", []);
    emit("reduce_min", { axes: [0] }, [negInv], "f32", []);
    maxAbs(inv);
    for (const dt of ["f16", "bf16", "f8e4m3fn", "f8e5m2"] as const) emit("convert_element_type", { new_dtype: "f32", saturate: false }, [emit("convert_element_type", { new_dtype: dt, saturate: false }, [vd], dt)]);
    // Products and quotients by a rank-0 scale of values that die there: skipped when it is 1.
    for (const op of ["mul", "div"]) {
      emit(op, {}, [emit("sub", {}, [va, vb]), vs]);
      outs.splice(outs.length - 2, 1);
    }
    const s = new Tensor("f32", [], new Float32Array([scale]));
    return { program: new Program([va, vb, vc, vd, vs], [], eqs, outs, ["a", "b", "c", "d", "s"]), args: [a, b, c, d, s] };
  }

  it("agree with the register machine on special values, in every op and reduction", () => {
    const cases = [specials(), specials(1)];
    const { interpreted, compiled, kernels } = bothWays(cases);
    const fused = cases.map(({ program }) => compileNative(program, undefined, { mode: "off" }).lowered.plan.instrs.filter((i) => i.prim === "fused").length);
    expect(kernels).toBe(fused[0]! + fused[1]!); // every fused kernel has a compiled form
    expectSame(cases, interpreted, compiled);
  }, 60_000);

  it("come from the cache the second time", () => {
    const program = biasRelu(4, 1024, false);
    const first = compileNative(program, undefined, { mode: "always" }).jit;
    const second = compileNative(program, undefined, { mode: "always" }).jit;
    expect(first?.kernels).toBeGreaterThan(0);
    expect(second).toMatchObject({ kernels: first!.kernels, cached: true, compileMs: 0, path: first!.path });
  }, 60_000);

  it("count casts as the register machine does (the cast statistics, per dtype)", () => {
    const r = rng(3);
    const cases = [specials(), ...Array.from({ length: 40 }, () => randomChain(r, randInt(r, 4, 20), [randInt(r, 1, 3), randInt(r, 300, 2100)]))];
    const { interpreted, compiled, kernels, counts } = bothWays(cases, true);
    expect(kernels).toBeGreaterThan(25);
    expectSame(cases, interpreted, compiled);
    const total = (c: Float64Array) => c.reduce((x, y) => x + y, 0);
    expect(total(counts.interpreted.reduce((x, c) => x.map((v, i) => v + c[i]!)))).toBeGreaterThan(1000); // the casts did saturate, flush and overflow
    counts.compiled.forEach((c, i) => expect(Array.from(c), `case ${i}\n${print(cases[i]!.program)}`).toEqual(Array.from(counts.interpreted[i]!)));
  }, 120_000);

  /**
   * One kernel counting several casts with the same thresholds (tested together per vector) and
   * with others: each cast's operand holds flushing and overflowing values in lanes where the
   * others hold only zeros and ordinary values, so a test that missed any member would miss them.
   */
  function castGroups(): { program: Program; args: Tensor[] } {
    const n = 2 * 2048 + 13;
    const targets = ["f16", "f16", "f16", "f8e4m3fn", "f8e4m3fn"] as const;
    const sources = [0, 1, 2, 3, 1];
    const xs = [0, 1, 2, 3].map(() => new Var({ dtype: "f32", shape: [n] }));
    const eqs = [];
    const casts = targets.map((dtype, k) => {
      const c = new Var({ dtype, shape: [n] });
      eqs.push(makeEquation("convert_element_type", { new_dtype: dtype, saturate: false }, [xs[sources[k]!]!], [c]));
      return c;
    });
    let sum: Var | undefined;
    for (const c of casts) {
      const f = new Var({ dtype: "f32", shape: [n] });
      eqs.push(makeEquation("convert_element_type", { new_dtype: "f32", saturate: false }, [c], [f]));
      if (sum) {
        const next = new Var({ dtype: "f32", shape: [n] });
        eqs.push(makeEquation("add", {}, [sum, f], [next]));
        sum = next;
      } else sum = f;
    }
    const value = (k: number, i: number) => (i % 4 !== k ? (i % 3 === 0 ? 0 : 1.5) : i % 7 === 0 ? 2 ** -26 : i % 11 === 0 ? 1e5 : i % 13 === 0 ? -(2 ** -30) : 0.75);
    const args = xs.map((_, k) => new Tensor("f32", [n], Float32Array.from({ length: n }, (_, i) => value(k, i))));
    return { program: new Program(xs, [], eqs, [...casts, sum!], ["x0", "x1", "x2", "x3"]), args };
  }

  it("count every cast of a kernel, whichever of the casts tested together holds the rare lanes", () => {
    const cases = [castGroups()];
    const { interpreted, compiled, kernels, counts } = bothWays(cases, true);
    expect(kernels).toBe(1);
    expectSame(cases, interpreted, compiled);
    // f16: 2^-26 and -2^-30 flush, 1e5 overflows; e4m3fn: the same flush, 1e5 → NaN.
    expect(counts.interpreted[0]!.reduce((x, y) => x + y, 0)).toBeGreaterThan(1000);
    expect(Array.from(counts.compiled[0]!)).toEqual(Array.from(counts.interpreted[0]!));
  }, 60_000);

  /**
   * A kernel of the 16-lane form (jit_lanes.h w16: f32 and f16 arithmetic, counted f16 casts,
   * sums and max-abs reductions): the scaled Adam update's shape of work, on values with NaN
   * payloads (f16 signalling ones among them), ±0, ±Inf, subnormals, values that flush and
   * overflow in f16, over lengths that end in tails of every size.
   */
  function wideForm(n: number, seed: number): { program: Program; args: Tensor[] } {
    const r = rng(seed);
    const SPECIAL = [0, 0x80000000, 1, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, 0x7f800001, 0x477ff000, 0x47800000, 0x33000000, 0xb3000001, 0x387fc000, 0x2f000000];
    const F16_SPECIAL = [0x7c01, 0xfe00, 0x7e55, 0x7c00, 0xfc00, 0x8000, 0x0001, 0x03ff, 0x7bff];
    const f32 = (nan: boolean) =>
      new Tensor("f32", [n], new Float32Array(Uint32Array.from({ length: n }, (_, i) => (nan && i % 29 === 3 ? SPECIAL[(i >> 5) % SPECIAL.length]! : new Uint32Array(new Float32Array([(r() - 0.5) * 2 ** randInt(r, -28, 18)]).buffer)[0]!) >>> 0).buffer));
    const f16 = () => new Tensor("f16", [n], Uint16Array.from({ length: n }, (_, i) => (i % 37 === 5 ? F16_SPECIAL[(i >> 6) % F16_SPECIAL.length]! : Math.floor(r() * 0x7c00) | (r() < 0.5 ? 0x8000 : 0))));
    const [g, p16, m16] = [new Var({ dtype: "f32", shape: [n] }), new Var({ dtype: "f16", shape: [n] }), new Var({ dtype: "f16", shape: [n] })];
    const s = new Var({ dtype: "f32", shape: [] });
    const eqs: ReturnType<typeof makeEquation>[] = [];
    const v = (dtype: "f32" | "f16", shape: number[] = [n]) => new Var({ dtype, shape });
    const emit = (prim: string, params: object, ins: (Var | Literal)[], dtype: "f32" | "f16" = "f32", shape: number[] = [n]) => {
      const o = v(dtype, shape);
      eqs.push(makeEquation(prim as never, params as never, ins, [o]));
      return o;
    };
    const cvt = (x: Var, d: "f32" | "f16") => emit("convert_element_type", { new_dtype: d, saturate: false }, [x], d);
    const gh = cvt(g, "f16");
    const gf = cvt(gh, "f32");
    const pf = cvt(p16, "f32");
    const mf = cvt(m16, "f32");
    const sb = emit("broadcast_in_dim", { shape: [n], broadcast_dimensions: [] }, [s]);
    const m1 = emit("add", {}, [emit("mul", {}, [mf, new Literal(0.9, "f32")]), emit("mul", {}, [gf, new Literal(0.1, "f32")])]);
    const v1 = emit("integer_pow", { y: 2 }, [gf]);
    const den = emit("add", {}, [emit("sqrt", {}, [emit("abs", {}, [v1])]), new Literal(1e-8, "f32")]);
    const step = emit("div", {}, [emit("mul", {}, [m1, sb]), den]);
    const p1 = emit("sub", {}, [pf, emit("neg", {}, [emit("neg", {}, [step])])]);
    const ph = cvt(p1, "f16");
    const mh = cvt(m1, "f16");
    const sum = emit("reduce_sum", { axes: [0] }, [cvt(ph, "f32")], "f32", []);
    const most = emit("reduce_max", { axes: [0] }, [emit("abs", {}, [m1])], "f32", []);
    // Data movement (bit for bit, signalling NaNs included), and a sum of finite values (its order).
    const negp = emit("neg", {}, [p16], "f16");
    const c = v("f32");
    const finiteSum = emit("reduce_sum", { axes: [0] }, [emit("mul", {}, [c, sb])], "f32", []);
    const outputs = [ph, mh, pf, negp, p1, sum, most, finiteSum];
    const args = [f32(true), f16(), f16(), new Tensor("f32", [], Float32Array.of(0.5)), f32(false)];
    return { program: new Program([g, p16, m16, s, c], [], eqs, outputs, ["g", "p", "m", "s", "c"]), args };
  }

  it("have a 16-lane form for f32/f16 arithmetic that agrees bit for bit, counts and NaN payloads included (AVX-512 where the compiler targets it)", () => {
    const cases = [1, 15, 16, 17, 31, 2048, 2048 + 16 * 3 + 7, 3 * 2048 + 9].map((n, i) => wideForm(n, 100 + i));
    const plan = compileNative(cases[5]!.program, undefined, { mode: "off" }).plan;
    expect(plan.jitSource("p_", 0)).toContain("using namespace scalify::jit::w16;");
    const { interpreted, compiled, kernels, counts } = bothWays(cases, true);
    expect(kernels).toBe(2 * cases.length); // the update's kernel and the finite sum's
    expectSame(cases, interpreted, compiled);
    // A decode and a sign flip byte for byte, NaN payloads kept (arithmetic on two NaNs may return either).
    cases.forEach((_, i) => [2, 3].forEach((k) => expect(Array.from(bytes(compiled[i]![k]!.storage)), `case ${i}, output ${k}`).toEqual(Array.from(bytes(interpreted[i]![k]!.storage)))));
    expect(counts.interpreted.reduce((x, c) => x + c.reduce((a, b) => a + b, 0), 0)).toBeGreaterThan(100);
    counts.compiled.forEach((c, i) => expect(Array.from(c), `case ${i}`).toEqual(Array.from(counts.interpreted[i]!)));
    const uncounted = bothWays(cases);
    expectSame(cases, uncounted.interpreted, uncounted.compiled);
  }, 120_000);

  it("fall back to the register machine, with one warning, where the compiler fails", () => {
    const script = `
      import { runNative } from "./runtime/native/backend.js";
      import { interpret } from "./runtime/interpreter.js";
      import { Program, Var, makeEquation } from "./ir/program.js";
      import { Tensor } from "./runtime/tensor.js";
      const x = new Var({ dtype: "f32", shape: [40000] }), y = new Var({ dtype: "f32", shape: [40000] });
      const p = new Program([x], [], [makeEquation("sqrt", {}, [x], [y])], [y], ["x"]);
      const t = new Tensor("f32", [40000], Float32Array.from({ length: 40000 }, (_, i) => i));
      const a = runNative(p, [t])[0].storage, b = interpret(p, [t])[0].storage;
      console.log(a.every((v, i) => Object.is(v, b[i])) ? "SAME" : "DIFFERENT");
      runNative(new Program([x], [], [makeEquation("sqrt", {}, [x], [y])], [y], ["x"]), [t]);`;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("../../..", import.meta.url)),
      env: { ...process.env, CXX: "/nonexistent/c++", SCALIFY_JIT: "auto", SCALIFY_JIT_CACHE: join(cache, "fallback") },
      encoding: "utf8",
    });
    expect(child.stdout.trim()).toBe("SAME");
    expect(child.stderr.match(/fused kernels run in the register machine: compiling them with \/nonexistent\/c\+\+ failed/g)).toHaveLength(1);
  }, 60_000);

  it("refuse to load another plan's kernels (each compiled function carries its source's hash)", () => {
    const unary = (prim: "sqrt" | "neg") => {
      const x = new Var({ dtype: "f32", shape: [40000] });
      const y = new Var({ dtype: "f32", shape: [40000] });
      return new Program([x], [], [makeEquation(prim, {}, [x], [y])], [y], ["x"]);
    };
    const a = compileNative(unary("sqrt"), undefined, { mode: "auto" });
    const b = compileNative(unary("neg"), undefined, { mode: "off" });
    expect(a.jit?.kernels).toBe(1);
    expect(() => b.plan.jitLoad(a.jit!.path, "scalify_p0_")).toThrow(/scalify_p0_0 was not compiled from this plan's instruction 0/);
    const x = randomTensor(rng(2), { dtype: "f32", shape: [40000] });
    expect(disagreement(new Tensor("f32", [40000], b.plan.execute([x.storage])[0] as Float32Array), interpret(unary("neg"), [x])[0]!, "exact")).toBeUndefined();
  }, 60_000);

  it("reject an object that was not built from the plan's source", () => {
    const { program } = randomChain(rng(5), 6, [3, 64]);
    const plan = compileNative(program, undefined, { mode: "off" }).plan;
    expect(() => plan.jitLoad(join(cache, "missing.so"), "scalify_p0_")).toThrow(/cannot load .*missing\.so/);
    expect(() => plan.jitLoad(join(cache, "missing.so"), "0bad")).toThrow(/prefix must be a C identifier/);
    expect(() => plan.jitSource("ok_", -1)).toThrow(/minElements must be a number ≥ 0/);
  });
});
