// Scalify rules of elementwise primitives (DESIGN.md "Scalify semantics" table).
import { isFloat } from "../../ir/dtype.js";
import { Literal } from "../../ir/program.js";
import { bind1, type Operand } from "../tracer.js";
import { PLAIN_ONLY, rule, type PartialScalifyRules, type RuleFn } from "./rule-types.js";
import {
  descaleF32,
  f32,
  fromF32,
  guardScale,
  guardStatic,
  mulF32,
  plain,
  promote,
  rescale,
  scaled,
  sdiv,
  smax,
  smul,
  spow2,
  sunary,
  toF32,
  type Scaled,
  type SVal,
} from "./scaled.js";

const isStaticZeroOrInf = (v: SVal) => v.kind === "plain" && v.static !== undefined && (v.static === 0 || !Number.isFinite(v.static));

/** The single scaled operand and its position (shape ops, unary scale-keeping ops). */
export function firstScaled(inputs: SVal[]): Scaled {
  return inputs.find((v): v is Scaled => v.kind === "scaled")!;
}

/** op(data) with the same scale; other operands (indices) stay plain. */
export const keepScale: RuleFn<unknown> = rule("op(data), same scale", ({ inputs, emit }) => {
  const s = firstScaled(inputs).scale;
  const outs = emit(inputs.map((v) => (v.kind === "scaled" ? v.data : v.x)));
  return outs.map((o) => (isFloat(o.dtype) ? scaled(o, s) : plain(o)));
});

/** On the descaled value in f32, rounded once; the result has scale 1 (plain for int/bool). */
export const descaled: RuleFn<unknown> = rule("op(data·scale) in f32, rounded once; scale 1", ({ inputs, emit, outAvals }) => {
  const outs = emit(inputs.map((v) => (v.kind === "scaled" ? descaleF32(v) : isFloat(v.x.dtype) ? toF32(v.x) : v.x)));
  return outs.map((o, i) => {
    const dtype = outAvals[i]!.dtype;
    return isFloat(dtype) ? scaled(fromF32(o, dtype), f32(1)) : plain(o);
  });
});

/**
 * Operands rebalanced to the largest scale (max, min, select_n, concatenate, comparisons, …). A
 * static 0 or ±Inf adopts that scale, so `maximum(x, 0)` keeps x's scale and `x > 0` compares the
 * data with 0. Every other operand counts with its promoted scale (a plain tensor's 1, a static
 * scalar's power of two), so a plain operand is never scaled up past its own range. The operand
 * holding the largest scale is not multiplied by its ratio (1, or 0 for an all-zero value, whose
 * data then stands as it is).
 */
export function rebalanceToMax(inputs: SVal[]): { scale: Operand; data: Operand[] } {
  const promoted = inputs.map((v) => (isStaticZeroOrInf(v) ? undefined : promote(v)));
  const scale = promoted.flatMap((p) => (p ? [p.scale] : [])).reduce((a, b) => smax(a, b));
  const data = inputs.map((v, i) => {
    const p = promoted[i] ?? promote(v, scale);
    return p.scale === scale ? p.data : rescale(p.data, sdiv(p.scale, scale));
  });
  return { scale, data };
}

const rebalanced: RuleFn<unknown> = rule("operands rebalanced to the largest scale (a static 0 or ±inf adopts it); scale = that max", ({ inputs, emit }) => {
  const { scale, data } = rebalanceToMax(inputs);
  return emit(data).map((o) => scaled(o, scale));
});

const comparison: RuleFn<unknown> = rule("compares the data rebalanced to the largest scale; plain bool", ({ inputs, emit }) =>
  emit(rebalanceToMax(inputs).data).map((o) => plain(o)),
);

/** a ± b: s = R(max·sqrt(1+(min/max)²)); each side rescaled to s in f32, rounded once. */
const addSub = (op: "add" | "sub"): RuleFn<unknown> =>
  rule("each side rescaled to s = R(max·√(1+(min/max)²)) in f32, rounded once; a static 0 keeps the other operand", ({ inputs: [a, b], strategy, outAvals }) => {
    // Adding a static zero changes nothing: keep the other operand (and its scale).
    if (isStaticZeroOrInf(b!) && (b as { static: number }).static === 0) return [a!];
    if (isStaticZeroOrInf(a!) && (a as { static: number }).static === 0) {
      if (op === "add") return [b!];
      const sb = promote(b!);
      return [scaled(bind1("neg", {}, [sb.data]), sb.scale)];
    }
    const pa = promote(a!);
    const pb = promote(b!);
    const g = guardScale(strategy.addScale(pa.scale, pb.scale));
    const dtype = outAvals[0]!.dtype;
    const sum = bind1(op, {}, [rescale(pa.data, sdiv(pa.scale, g.scale), "f32"), rescale(pb.data, sdiv(pb.scale, g.scale), "f32")]);
    return [scaled(fromF32(mulF32(sum, g.factor), dtype), g.scale)];
  });

/** mul/div: data op data, scale op scale (div's scale by safe division). */
const mulDiv = (op: "mul" | "div"): RuleFn<unknown> =>
  rule(`data ${op === "mul" ? "×" : "÷"} data, scale ${op === "mul" ? "×" : "÷ (safe: x/0 = 0)"} scale`, ({ inputs: [a, b], outAvals }) => {
    const pa = promote(a!);
    const pb = promote(b!);
    const data = isLit(pb.data, 1) && op === "mul" ? pa.data : isLit(pa.data, 1) && op === "mul" ? pb.data : bind1(op, {}, [pa.data, pb.data]);
    const scale = op === "mul" ? smul(pa.scale, pb.scale) : sdiv(pa.scale, pb.scale);
    return [guardStatic(data, scale, outAvals[0]!.dtype)];
  });

const isLit = (x: Operand, v: number) => x instanceof Literal && x.value === v;

/** 1/h, or 1 where h = 0: rsqrt of a zero scale falls back to descaling (its data is already rsqrt(0) = inf). */
function recipOrOne(h: Operand): Operand {
  if (h instanceof Literal) return f32(h.value === 0 ? 1 : 1 / h.value);
  return bind1("select_n", {}, [bind1("eq", {}, [h, f32(0)]), bind1("div", {}, [f32(1), h]), f32(1)]);
}

/**
 * sqrt/rsqrt keep a power of two: with s = 2^e·m, op(d·2^(e mod 2)·m) and 2^⌊e/2⌋ (rsqrt: its
 * inverse; a zero scale gives rsqrt(0)·1 = inf, the value, rather than inf·0 = NaN).
 */
const rootRule = (op: "sqrt" | "rsqrt"): RuleFn<unknown> =>
  rule(`${op}(data·2^(e mod 2)·m) for s = 2^e·m; scale ${op === "sqrt" ? "2^⌊e/2⌋" : "2^−⌊e/2⌋"} (with roundingMode none: ${op}(d), scale ${op === "sqrt" ? "√s" : "1/√s"})`, ({ inputs, strategy, outAvals }) => {
    const v = firstScaled(inputs);
    const dtype = outAvals[0]!.dtype;
    if (!strategy.keepsPow2) {
      const s = sunary("sqrt", (x) => Math.fround(Math.sqrt(x)), v.scale);
      return [guardStatic(bind1(op, {}, [v.data]), op === "sqrt" ? s : sdiv(f32(1), s), dtype)];
    }
    const half = spow2(sunary("sqrt", (x) => Math.fround(Math.sqrt(x)), spow2(v.scale, "down")), "down");
    const factor = sdiv(v.scale, smul(half, half));
    const data = fromF32(bind1(op, {}, [rescale(v.data, factor, "f32")]), dtype);
    return [guardStatic(data, op === "sqrt" ? half : recipOrOne(half), dtype)];
  });

export const elementwiseRules: PartialScalifyRules<
  | "neg" | "abs" | "sign" | "exp" | "log" | "sqrt" | "rsqrt" | "tanh" | "logistic" | "erf" | "sin" | "cos"
  | "integer_pow" | "add" | "sub" | "mul" | "div" | "max" | "min" | "pow"
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "and" | "or" | "not" | "shift_right_logical" | "select_n"
> = {
  neg: keepScale,
  abs: keepScale,
  sign: descaled,
  exp: descaled,
  // log(d·s) = log(d) + log(s), in f32.
  log: rule("log(data) + log(scale) in f32, rounded once; scale 1", ({ inputs, outAvals }) => {
    const v = promote(inputs[0]!);
    const logS = v.scale instanceof Literal ? f32(Math.log(v.scale.value)) : bind1("log", {}, [v.scale]);
    const sum = bind1("add", {}, [bind1("log", {}, [toF32(v.data)]), logS]);
    return [scaled(fromF32(sum, outAvals[0]!.dtype), f32(1))];
  }),
  sqrt: rootRule("sqrt"),
  rsqrt: rootRule("rsqrt"),
  tanh: descaled,
  logistic: descaled,
  erf: descaled,
  sin: descaled,
  cos: descaled,
  pow: descaled,
  integer_pow: rule<{ y: number }>("data^y, scale^y", ({ params: { y }, inputs, outAvals }) => {
    const v = promote(inputs[0]!);
    let s: Operand = f32(1);
    for (let i = 0; i < Math.abs(y); i++) s = smul(s, v.scale);
    if (y < 0) s = sdiv(f32(1), s);
    return [guardStatic(bind1("integer_pow", { y }, [v.data]), s, outAvals[0]!.dtype)];
  }),
  add: addSub("add"),
  sub: addSub("sub"),
  mul: mulDiv("mul"),
  div: mulDiv("div"),
  max: rebalanced,
  min: rebalanced,
  eq: comparison,
  ne: comparison,
  lt: comparison,
  le: comparison,
  gt: comparison,
  ge: comparison,
  and: PLAIN_ONLY,
  or: PLAIN_ONLY,
  not: PLAIN_ONLY,
  shift_right_logical: PLAIN_ONLY,
  // The predicate stays plain; the cases are rebalanced.
  select_n: rule("cases rebalanced to the largest scale (a static 0 or ±inf adopts it), plain predicate; scale = that max", ({ inputs: [which, ...cases], emit }) => {
    const { scale, data } = rebalanceToMax(cases);
    return emit([(which as { x: Operand }).x, ...data]).map((o) => scaled(o, scale));
  }),
};

export { rebalanced };
