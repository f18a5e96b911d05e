// A hand-built program that uses every primitive of the catalogue at least once (with nested
// custom_vjp programs, special float literals, constants, multi-dim shapes and all dtypes), for
// the printer/parser/JSON/verifier tests and for any other suite that wants one.
// tests/ir/all-primitives.test.ts checks that it keeps covering PRIMITIVES as the catalogue grows.
import type { Program } from "../../ir/program.js";
import type { TreeDef } from "../../ir/tree.js";
import { Builder, lit } from "./builder.js";

const leaf: TreeDef = { kind: "leaf" };

/** custom_vjp of sin with a second output sum(a), whose `call` body itself holds a custom_vjp. */
function sinVjp(): { call: Program; fwd: Program; bwd: Program } {
  const inner = identityVjp();
  const call = new Builder();
  const a = call.input("f32", [3], "a");
  const [id] = call.eqn("custom_vjp", { ...inner, num_residuals: 0 }, [a]);
  const callOut = [call.op("sin", {}, id!), call.op("reduce_sum", { axes: [0] }, a)];

  const fwd = new Builder();
  const fa = fwd.input("f32", [3], "a");
  const fwdOut = [fwd.op("sin", {}, fa), fwd.op("reduce_sum", { axes: [0] }, fa), fwd.op("cos", {}, fa)];

  const bwd = new Builder();
  const res = bwd.input("f32", [3], "residuals[0]");
  const ct0 = bwd.input("f32", [3], "cotangents[0]");
  const ct1 = bwd.input("f32", [], "cotangents[1]");
  const spread = bwd.op("broadcast_in_dim", { shape: [3], broadcast_dimensions: [] }, ct1);
  const g = bwd.op("add", {}, bwd.op("mul", {}, res, ct0), spread);
  return {
    call: call.build(callOut, { name: "sin_and_sum", outTree: { kind: "array", children: [leaf, leaf] } }),
    fwd: fwd.build(fwdOut, { name: "fwd" }),
    bwd: bwd.build([g], { name: "bwd", inTree: { kind: "array", children: [{ kind: "array", children: [leaf] }, { kind: "array", children: [leaf, leaf] }] } }),
  };
}

function identityVjp(): { call: Program; fwd: Program; bwd: Program } {
  const body = (name: string) => {
    const b = new Builder();
    const x = b.input("f32", [3], "x");
    return b.build([b.op("stop_gradient", {}, x)], { name });
  };
  return { call: body("call"), fwd: body("fwd"), bwd: body("bwd") };
}

export function allPrimitivesProgram(): Program {
  const b = new Builder();
  const x = b.input("f32", [2, 3], "x");
  const w = b.input("f32", [3, 4], "params.w");
  const bias = b.input("f16", [4], "params.b");
  const idx = b.input("i32", [2], "idx");
  const key = b.input("i32", [2], "key");
  const flag = b.input("bool", [2, 3], 'odd "label"\n with escapes');
  const sData = b.input("f8e4m3fn", [2, 3], "s.data");
  const sScale = b.input("f32", [], "s.scale");
  const c = b.constant("f32", [3], new Float32Array([1, 2, 3]));
  const cHalf = b.constant("f16", [2, 2], new Uint16Array([0x3c00, 0x4000, 0x7c00, 0x8000]));
  const cInt = b.constant("i32", [2], new Int32Array([-1, 2147483647]));
  const cBool = b.constant("bool", [0], new Uint8Array([]));

  // Elementwise unary, with a chain so each result is used.
  let u = x;
  for (const p of ["neg", "abs", "exp", "log", "sqrt", "rsqrt", "tanh", "logistic", "erf", "sin", "cos", "sign"] as const) u = b.op(p, {}, u);
  u = b.op("integer_pow", { y: 3 }, u);
  // Binary, with the special literals.
  const s1 = b.op("add", {}, u, lit(1));
  const s2 = b.op("sub", {}, s1, lit(Infinity));
  const s3 = b.op("mul", {}, s2, lit(-Infinity));
  const s4 = b.op("div", {}, s3, lit(NaN));
  const s5 = b.op("max", {}, s4, lit(-0));
  const s6 = b.op("min", {}, s5, lit(1e-8));
  const s7 = b.op("pow", {}, s6, lit(0.5));
  const cmps = (["eq", "ne", "lt", "le", "gt", "ge"] as const).map((p) => b.op(p, {}, s7, x));
  const both = b.op("and", {}, cmps[0]!, b.op("or", {}, cmps[1]!, b.op("not", {}, flag)));
  const anyTrue = b.op("and", {}, both, lit(1, "bool"));
  const shifted = b.op("shift_right_logical", {}, idx, lit(1, "i32"));
  const picked = b.op("select_n", {}, anyTrue, x, s7);

  // Shapes.
  const r = b.op("reshape", { new_sizes: [3, 2] }, picked);
  const t = b.op("transpose", { permutation: [1, 0] }, r);
  const bb = b.op("broadcast_in_dim", { shape: [2, 4], broadcast_dimensions: [1] }, bias);
  const e = b.op("expand_dims", { dimensions: [0] }, t);
  const sq = b.op("squeeze", { dimensions: [0] }, e);
  const rv = b.op("rev", { dimensions: [1] }, sq);
  const sl = b.op("slice", { start_indices: [0, 1], limit_indices: [2, 3], strides: [1, 2] }, rv);
  const sl2 = b.op("slice", { start_indices: [0, 0], limit_indices: [1, 3], strides: null }, rv);
  const pd = b.op("pad", { padding_config: [[1, -1, 0], [0, 2, 1]] }, rv, lit(0));
  const cat = b.op("concatenate", { dimension: 0 }, rv, sl2, x);
  const sg = b.op("stop_gradient", {}, cat);

  // Indexing.
  const ds = b.op("dynamic_slice", { slice_sizes: [1, 2] }, sg, lit(0, "i32"), lit(-7, "i32"));
  const dus = b.op("dynamic_update_slice", {}, x, ds, lit(1, "i32"), lit(2147483647, "i32"));
  const ga = b.op("gather", { axis: 1, mode: "clip" }, dus, idx);
  const sc = b.op("scatter_add", { axis: 1, mode: "fill" }, dus, idx, ga);

  // Reductions.
  const rs = b.op("reduce_sum", { axes: [1] }, sc);
  const rmax = b.op("reduce_max", { axes: [0, 1] }, sc);
  const rmin = b.op("reduce_min", { axes: [] }, sc);
  const rp = b.op("reduce_prod", { axes: [0] }, sc);
  const am = b.op("argmax", { axes: [1], index_dtype: "i32" }, sc);
  const an = b.op("argmin", { axes: [0], index_dtype: "i32" }, sc);
  const cs = b.op("cumsum", { axis: 1, reverse: true }, sc);

  // dot_general: plain, fp8 (f32 out), batched with a preferred dtype.
  const d1 = b.op("dot_general", { dimension_numbers: [[[1], [0]], [[], []]], preferred_element_type: null }, cs, w);
  const x8 = b.op("convert_element_type", { new_dtype: "f8e4m3fn", saturate: true }, x);
  const w8 = b.op("convert_element_type", { new_dtype: "f8e5m2", saturate: false }, w);
  const d2 = b.op("dot_general", { dimension_numbers: [[[1], [0]], [[], []]], preferred_element_type: null }, x8, w8);
  const xb = b.op("broadcast_in_dim", { shape: [5, 2, 3], broadcast_dimensions: [1, 2] }, x);
  const wb = b.op("broadcast_in_dim", { shape: [5, 3, 4], broadcast_dimensions: [1, 2] }, w);
  const d3 = b.op("dot_general", { dimension_numbers: [[[2], [1]], [[0], [0]]], preferred_element_type: "bf16" }, xb, wb);
  const sum = b.op("add", {}, b.op("add", {}, d1, d2), b.op("convert_element_type", { new_dtype: "f32", saturate: false }, bb));

  // Casts, creation, randomness.
  const rp16 = b.op("reduce_precision", { exponent_bits: 5, mantissa_bits: 10 }, sum);
  const io = b.op("iota", { dtype: "i32", shape: [2, 3], dimension: 1 });
  const bits = b.op("random_bits", { shape: [4] }, key);
  const sDeq = b.op("mul", {}, b.op("convert_element_type", { new_dtype: "f32", saturate: false }, sData), sScale);

  // Scaling primitives of the scalify pass.
  const p2 = b.op("pow2_round", { mode: "down" }, x);
  const ss = b.op("set_scaling", {}, p2, sScale);
  const rb = b.op("rebalance", {}, ss, lit(0.25));
  const dr = b.op("dynamic_rescale", { norm: "l2" }, rb);
  const lz = b.op("lazy_rescale", { norm: "max", lo: 0.125, hi: 256 }, dr, x);
  const [gd, gs] = b.eqn("get_data_scale", {}, [lz]);
  const st = b.op("stop_scaling", { dtype: "f16" }, gd!);
  const st2 = b.op("stop_scaling", { dtype: null }, gd!);

  // custom_vjp with two outputs, on a constant plus an input-derived value.
  const v = b.op("add", {}, c, b.op("reduce_sum", { axes: [0] }, x));
  const [y0, y1] = b.eqn("custom_vjp", { ...sinVjp(), num_residuals: 1 }, [v]);

  const outs = [rp16, d3, y0!, y1!, rs, rmax, rmin, rp, am, an, io, bits, shifted, sl, pd, sDeq, cHalf, cInt, cBool, cmps[2]!, cmps[3]!, cmps[4]!, cmps[5]!, st, st2, gs!, lit(2.5)];
  const inTree: TreeDef = {
    kind: "array",
    children: [
      leaf,
      { kind: "object", keys: ["params"], children: [{ kind: "object", keys: ["w", "b"], children: [leaf, leaf] }] },
      { kind: "object", keys: ["idx", "key", "odd key"], children: [leaf, leaf, leaf] },
      { kind: "node", type: "ScaledArray", children: [leaf, leaf] },
      { kind: "none" },
    ],
  };
  const outTree: TreeDef = {
    kind: "object",
    keys: ["main", "rest"],
    children: [leaf, { kind: "array", children: Array.from({ length: outs.length - 1 }, () => leaf) }],
  };
  return b.build(outs, { inTree, outTree, name: "all_primitives" });
}
