// Casts to fp8 folded into the dot_generals that read them (graph.ts foldCasts): the gemm rounds
// the operand as it packs it, the cast stays count-only. Folded and unfolded plans must give the
// same bits, the same cast counts, and the reference's values; the addon must refuse plans that
// read a count-only result and roundings it cannot do.
import { describe, expect, it } from "vitest";
import { DTYPES, type DType } from "../../../ir/dtype.js";
import type { Params, Primitive } from "../../../ir/primitives/catalogue.js";
import { makeEquation, Program, Var, type Atom, type Equation } from "../../../ir/program.js";
import { interpret, newCastStats } from "../../../runtime/interpreter.js";
import { runNative, STATS_LENGTH } from "../../../runtime/native/backend.js";
import { nativeAddon } from "../../../runtime/native/loader.js";
import { lower } from "../../../runtime/native/lower.js";
import { encode } from "../../../runtime/numerics/codec.js";
import { Tensor } from "../../../runtime/tensor.js";
import { disagreement, rng, sumBounds, type Rng } from "./gen.js";

const v = (dtype: DType, shape: number[]) => new Var({ dtype, shape });
function eqn<P extends Primitive>(prim: P, params: Params<P>, inputs: Atom[], out: Var): Equation {
  return makeEquation(prim, params, inputs, [out]);
}
const program = (inputs: Var[], equations: Equation[], outputs: Atom[]) => new Program(inputs, [], equations, outputs, inputs.map((_, i) => `x${i}`));
type Dims = [[number[], number[]], [number[], number[]]];
const dotParams = (dn: Dims) => ({ dimension_numbers: dn, preferred_element_type: null });
const MATMUL: Dims = [[[1], [0]], [[], []]];
const cast = (x: Var, dtype: "f8e4m3fn" | "f8e5m2", saturate: boolean, out: Var) => eqn("convert_element_type", { new_dtype: dtype, saturate }, [x], out);

/**
 * Values that exercise every branch of the rounding: ordinary magnitudes, values near and past
 * both formats' largest finite values, subnormal and underflowing magnitudes, ties, ±0, ±Inf, NaN.
 */
function hardValues(r: Rng, n: number): number[] {
  // Around each format's flush threshold (half its smallest subnormal, which rounds to 0) and
  // overflow threshold (half-way past its largest finite value), exact in f16.
  const thresholds = [2 ** -10 * (1 + 2 ** -10), -(2 ** -10) * (1 + 2 ** -10), 2 ** -17 * (1 + 2 ** -7), 464.25, -464.25, 59360, 59392, -59392, 65504, 65520];
  const special = [0, -0, Infinity, -Infinity, NaN, 448, 464, 465, 480, -464, 57344, 61440, -61441, 2 ** -9, 2 ** -10, 3 * 2 ** -10, 2 ** -16, 2 ** -17, 1e-30, -1e-30, 1e30, ...thresholds];
  return Array.from({ length: n }, () => {
    const k = r();
    if (k < 0.2) return special[Math.floor(r() * special.length)]!;
    const mag = 2 ** (Math.floor(r() * 60) - 30) * (1 + r());
    return r() < 0.5 ? -mag : mag;
  });
}
const tensorOf = (dtype: DType, shape: number[], values: number[]) => new Tensor(dtype, shape, encode(values, dtype));

/**
 * An f32 result's bits, NaN as "NaN" (DESIGN compares NaNs as "is NaN"; x86's FMA makes −NaN of
 * Inf·0, AVX512-BF16's vdpbf16ps +NaN).
 */
const bits = (t: Tensor) => Array.from(new Float32Array(t.storage.buffer, t.storage.byteOffset, t.size), (x, i) => (Number.isNaN(x) ? "NaN" : new Uint32Array(t.storage.buffer, t.storage.byteOffset, t.size)[i]));

const BF16_GEMM = nativeAddon().gemmInfo().cpu.avx512bf16;

describe("fp8 casts folded into dot_general", () => {
  it("lowers dot(cast(a), cast(b)) to one dot_general reading a and b, the casts kept count-only before it", () => {
    const a = v("f16", [4, 8]);
    const b = v("f16", [8, 3]);
    const ca = v("f8e4m3fn", [4, 8]);
    const cb = v("f8e5m2", [8, 3]);
    const d = v("f32", [4, 3]);
    const low = lower(program([a, b], [cast(a, "f8e4m3fn", false, ca), cast(b, "f8e5m2", true, cb), eqn("dot_general", dotParams(MATMUL), [ca, cb], d)], [d]));
    expect(low.stats.foldedCasts).toBe(2);
    const instrs = low.plan.instrs;
    expect(instrs.map((i) => [i.prim, i.countOnly ?? false])).toEqual([
      ["convert_element_type", true],
      ["convert_element_type", true],
      ["dot_general", false],
    ]);
    const dotInstr = instrs[2]!;
    expect(dotInstr.params).toMatchObject({ lhs_round: { dtype: "f8e4m3fn", saturate: false }, rhs_round: { dtype: "f8e5m2", saturate: true } });
    expect(dotInstr.ins).toEqual(low.plan.inputs);
  });

  it("does not fold a cast that something else reads or that is a result", () => {
    const a = v("f16", [4, 4]);
    const ca = v("f8e4m3fn", [4, 4]);
    const d = v("f32", [4, 4]);
    const n = v("f8e4m3fn", [4, 4]);
    const readByNeg = program([a], [cast(a, "f8e4m3fn", false, ca), eqn("dot_general", dotParams(MATMUL), [ca, ca], d), eqn("neg", {}, [ca], n)], [d, n]);
    expect(lower(readByNeg).stats.foldedCasts).toBe(0);
    const returned = program([a], [cast(a, "f8e4m3fn", false, ca), eqn("dot_general", dotParams(MATMUL), [ca, ca], d)], [d, ca]);
    expect(lower(returned).stats.foldedCasts).toBe(0);
    expect(lower(program([a], [cast(a, "f8e4m3fn", false, ca), eqn("dot_general", dotParams(MATMUL), [ca, ca], d)], [d]), { foldCasts: false }).stats.foldedCasts).toBe(0);
  });

  // Layouts: plain, contracting lhs dim 0 (a transposed read), batched, the same cast on both sides.
  const layouts: { name: string; lhs: number[]; rhs: number[]; dn: Dims; same?: boolean }[] = [
    { name: "matmul", lhs: [37, 70], rhs: [70, 29], dn: MATMUL },
    { name: "transposed lhs", lhs: [70, 37], rhs: [70, 29], dn: [[[0], [0]], [[], []]] },
    { name: "batched", lhs: [3, 9, 20], rhs: [3, 20, 11], dn: [[[2], [1]], [[0], [0]]] },
    { name: "x·xᵀ of one cast", lhs: [24, 40], rhs: [24, 40], dn: [[[1], [1]], [[], []]], same: true },
  ];
  for (const layout of layouts)
    for (const src of ["f16", "f32", "bf16"] as const)
      for (const [fmt, saturate] of [
        ["f8e4m3fn", false],
        ["f8e4m3fn", true],
        ["f8e5m2", false],
        ["f8e5m2", true],
      ] as const)
        it(`${layout.name}, ${src} → ${fmt}${saturate ? " (saturating)" : ""}: folded = unfolded bit for bit, same counts, the reference's values`, () => {
          const r = rng(layout.lhs.length * 1000 + layout.lhs[0]! + src.length * 7 + fmt.length + (saturate ? 1 : 0));
          const a = v(src, layout.lhs);
          const b = v(src, layout.rhs);
          const ca = v(fmt, layout.lhs);
          const cb = v(fmt, layout.rhs);
          const d = v("f32", layout.lhs.length === 3 ? [layout.lhs[0]!, layout.lhs[1]!, layout.rhs[2]!] : [layout.lhs[1 - layout.dn[0][0][0]!]!, layout.rhs[1 - layout.dn[0][1][0]!]!]);
          const inputs = layout.same ? [a] : [a, b];
          const eqs = layout.same
            ? [cast(a, fmt, saturate, ca), eqn("dot_general", dotParams(layout.dn), [ca, ca], d)]
            : [cast(a, fmt, saturate, ca), cast(b, fmt, saturate, cb), eqn("dot_general", dotParams(layout.dn), [ca, cb], d)];
          const p = program(inputs, eqs, [d]);
          const args = inputs.map((x) => tensorOf(src, x.shape as number[], hardValues(r, x.shape.reduce((m, k) => m * k, 1))));
          const counted = () => ({ ...newCastStats(), byDtype: {} });
          const [sFold, sPlain, sRef] = [counted(), counted(), counted()];
          const folded = runNative(p, args, { lowering: { foldCasts: true }, castStats: sFold })[0]!;
          const plain = runNative(p, args, { lowering: { foldCasts: false }, castStats: sPlain })[0]!;
          const want = interpret(p, args, { castStats: sRef })[0]!;
          expect(lower(p).stats.foldedCasts).toBe(layout.same ? 1 : 2);
          // A folded cast's gemm decodes to f32 and runs FMA; the unfolded fp8 operands run the
          // same path unless the CPU has AVX512-BF16, whose vdpbf16ps rounds pairs of products
          // its own way: then both must be within the dot tolerance of the reference instead.
          if (BF16_GEMM) expect(disagreement(plain, want, "sum", sumBounds(p, args, 0))).toBeUndefined();
          else expect(bits(folded)).toEqual(bits(plain));
          expect(sFold).toEqual(sPlain);
          expect(sFold).toEqual(sRef);
          expect(disagreement(folded, want, "sum")).toBeUndefined();
          // Uncounted runs skip the count-only casts and give the same bits.
          expect(bits(runNative(p, args, { lowering: { foldCasts: true } })[0]!)).toEqual(bits(folded));
        });

  it("a folded rounding gives exactly the reference cast's values (x·1 with K = 1), on every kind of value", () => {
    const r = rng(99);
    const n = 4096;
    for (const [fmt, saturate] of [
      ["f8e4m3fn", false],
      ["f8e4m3fn", true],
      ["f8e5m2", false],
      ["f8e5m2", true],
    ] as const) {
      // f32 bit patterns drawn uniformly: every exponent, NaN payloads, subnormals.
      const bits = Uint32Array.from({ length: n }, () => Math.floor(r() * 2 ** 32));
      const x = new Tensor("f32", [n, 1], new Float32Array(bits.buffer));
      const xv = v("f32", [n, 1]);
      const cx = v(fmt, [n, 1]);
      const one = v("f32", [1, 1]);
      const d = v("f32", [n, 1]);
      const c32 = v("f32", [n, 1]);
      const folded = program([xv, one], [cast(xv, fmt, saturate, cx), eqn("dot_general", dotParams(MATMUL), [cx, one], d)], [d]);
      const reference = program([xv], [cast(xv, fmt, saturate, cx), eqn("convert_element_type", { new_dtype: "f32", saturate: false }, [cx], c32)], [c32]);
      expect(lower(folded).stats.foldedCasts).toBe(1);
      const got = runNative(folded, [x, new Tensor("f32", [1, 1], Float32Array.of(1))], { lowering: { foldCasts: true } })[0]!;
      const want = interpret(reference, [x])[0]!;
      const g = new Float32Array(got.storage.buffer, got.storage.byteOffset, n);
      const w = new Float32Array(want.storage.buffer, want.storage.byteOffset, n);
      // The sum starts from +0, so a −0 image comes out +0 (zeros compare equal here).
      for (let i = 0; i < n; i++) if (!(g[i] === w[i] || (Number.isNaN(g[i]) && Number.isNaN(w[i])))) expect(`${fmt} sat=${saturate} x=${x.storage[i]}: ${g[i]}`).toBe(`${fmt} sat=${saturate} x=${x.storage[i]}: ${w[i]}`);
    }
  });

  // The count-only kernel classifies magnitudes against thresholds instead of rounding (src/cast_count.cpp).
  it("a count-only cast counts exactly as the cast does: every source and target, saturating or not, over many blocks", () => {
    const addon = nativeAddon();
    const r = rng(7);
    const n = 260 * 1024 + 7; // past the kernel's 128-block threshold for threads
    for (const src of ["f32", "f16", "bf16", "f8e5m2"] as const)
      for (const to of ["f16", "bf16", "f8e4m3fn", "f8e5m2"] as const)
        for (const saturate of [false, true]) {
          const x = tensorOf(src, [n], hardValues(r, n));
          const [xv, cv, yv] = [v(src, [n]), v(to, [n]), v("f32", [n])];
          const reference = program([xv], [eqn("convert_element_type", { new_dtype: to, saturate }, [xv], cv), eqn("convert_element_type", { new_dtype: "f32", saturate: false }, [cv], yv)], [yv]);
          const want = { ...newCastStats(), byDtype: {} };
          interpret(reference, [x], { castStats: want });
          const plan = new addon.Plan({
            values: [
              { dtype: src, shape: [n], slot: 0 },
              { dtype: to, shape: [n], slot: 1 },
              { dtype: src, shape: [n], slot: 2 },
            ],
            slots: [
              { kind: "input", index: 0 },
              { kind: "internal", bytes: 4 * n },
              { kind: "output", index: 0 },
            ],
            inputs: [0],
            constants: [],
            outputs: [2],
            instrs: [
              { prim: "convert_element_type", params: { new_dtype: to, saturate }, ins: [0], outs: [1], countOnly: true },
              { prim: "neg", params: {}, ins: [0], outs: [2] },
            ],
          });
          const counts = new Float64Array(STATS_LENGTH);
          plan.execute([x.storage], counts);
          const at = 3 + 4 * DTYPES.indexOf(to);
          const label = `${src} → ${to}${saturate ? " (saturating)" : ""}`;
          expect([label, ...counts.slice(0, 3)]).toEqual([label, want.saturated, want.flushedToZero, want.nonFinite]);
          expect([label, ...counts.slice(at, at + 4)]).toEqual([label, 1, want.saturated, want.flushedToZero, want.nonFinite]);
          // Uncounted runs skip it.
          expect(() => plan.execute([x.storage])).not.toThrow();
        }
  });

  it("the addon refuses a plan that reads a count-only result, and roundings it cannot do", () => {
    const addon = nativeAddon();
    const a = v("f16", [4, 4]);
    const ca = v("f8e4m3fn", [4, 4]);
    const d = v("f32", [4, 4]);
    const low = lower(program([a], [cast(a, "f8e4m3fn", false, ca), eqn("dot_general", dotParams(MATMUL), [ca, ca], d)], [d]));
    const plan = structuredClone(low.plan);
    const [castInstr, dotInstr] = plan.instrs as [(typeof plan.instrs)[number], (typeof plan.instrs)[number]];
    expect(() => new addon.Plan({ ...plan, instrs: [castInstr, { ...dotInstr, ins: [castInstr.outs[0]!, dotInstr.ins[1]!] }] })).toThrow(/count-only/);
    expect(() => new addon.Plan({ ...plan, instrs: [{ ...castInstr, countOnly: "yes" as unknown as boolean }, dotInstr] })).toThrow(/countOnly must be a boolean/);
    const f16 = { dtype: "f16", shape: [2, 2], data: new Uint16Array(4) };
    const i32 = { dtype: "i32", shape: [2, 2], data: new Int32Array(4) };
    const run = (params: Record<string, unknown>, x: typeof f16 | typeof i32) => () => addon.runPrimitive("dot_general", { ...dotParams(MATMUL), ...params }, [x, x]);
    expect(run({ lhs_round: { dtype: "f16", saturate: false } }, f16)).toThrow(/rounds to f8e4m3fn or f8e5m2/);
    expect(run({ rhs_round: { dtype: "f8e5m2" } }, f16)).toThrow(/saturate/);
    expect(run({ lhs_round: "f8e5m2" }, f16)).toThrow(/must be \{dtype, saturate\}/);
    expect(run({ lhs_round: { dtype: "f8e5m2", saturate: true } }, i32)).toThrow(/must be a float/);
    // A valid rounding on the raw entry point: the result dtype is the folded dot's (f32).
    const out = addon.runPrimitive("dot_general", { ...dotParams(MATMUL), lhs_round: { dtype: "f8e4m3fn", saturate: true }, rhs_round: null }, [f16, f16]);
    expect(out[0]!.dtype).toBe("f32");
  });
});
