// `sf.lax`: one thin function per primitive of the catalogue (jax.lax names in camelCase), each a
// direct `bind` with camelCase options mapped to the IR's snake_case params. No promotion and no
// broadcasting happen here (that is `sf.ops`): a JS number operand becomes a rank-0 literal of the
// first tensor operand's dtype (f32 when there is none), as lax's weak scalars.
import type { DType } from "../ir/dtype.js";
import { Literal } from "../ir/program.js";
import type { Primitive } from "../ir/primitives/catalogue.js";
import { roundScalar } from "../runtime/numerics/codec.js";
import type { Tensor } from "../runtime/tensor.js";
import { bind, bind1, type Operand } from "./tracer.js";

/** A lax operand: a tensor (concrete or traced), a typed literal, or a JS number (weak scalar). */
export type LaxArg = Tensor | Literal | number;
type Axes = readonly number[];

function operands(xs: readonly LaxArg[]): Operand[] {
  const ref = xs.find((x): x is Tensor | Literal => typeof x !== "number");
  const dtype: DType = ref?.dtype ?? "f32";
  return xs.map((x) => (typeof x === "number" ? new Literal(roundScalar(x, dtype), dtype) : x));
}

// Params are copied so that later mutation of a caller's array cannot change a recorded equation.
const copy = (a: Axes): number[] => [...a];

// ---- elementwise ----
type UnaryPrim = "neg" | "abs" | "sign" | "exp" | "log" | "sqrt" | "rsqrt" | "tanh" | "logistic" | "erf" | "sin" | "cos" | "not" | "stop_gradient";
type BinaryPrim = "add" | "sub" | "mul" | "div" | "max" | "min" | "pow" | "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "and" | "or" | "shift_right_logical";
const unary =
  (p: UnaryPrim) =>
  (x: LaxArg): Tensor =>
    bind1(p, {}, operands([x]));
const binary =
  (p: BinaryPrim) =>
  (a: LaxArg, b: LaxArg): Tensor =>
    bind1(p, {}, operands([a, b]));

export const neg = unary("neg");
export const abs = unary("abs");
export const sign = unary("sign");
export const exp = unary("exp");
export const log = unary("log");
export const sqrt = unary("sqrt");
export const rsqrt = unary("rsqrt");
export const tanh = unary("tanh");
export const logistic = unary("logistic");
export const erf = unary("erf");
export const sin = unary("sin");
export const cos = unary("cos");
export const not = unary("not");
export const stopGradient = unary("stop_gradient");
export const add = binary("add");
export const sub = binary("sub");
export const mul = binary("mul");
export const div = binary("div");
export const max = binary("max");
export const min = binary("min");
export const pow = binary("pow");
export const eq = binary("eq");
export const ne = binary("ne");
export const lt = binary("lt");
export const le = binary("le");
export const gt = binary("gt");
export const ge = binary("ge");
export const and = binary("and");
export const or = binary("or");
export const shiftRightLogical = binary("shift_right_logical");

export function integerPow(x: LaxArg, o: { y: number }): Tensor {
  return bind1("integer_pow", { y: o.y }, operands([x]));
}

/** cases[which]: a bool `which` picks cases[0] when false, cases[1] when true. */
export function selectN(which: Tensor | Literal, ...cases: LaxArg[]): Tensor {
  return bind1("select_n", {}, [which, ...operands(cases)]);
}

// ---- shape and data movement ----
export function reshape(x: LaxArg, o: { newSizes: Axes }): Tensor {
  return bind1("reshape", { new_sizes: copy(o.newSizes) }, operands([x]));
}
export function transpose(x: LaxArg, o: { permutation: Axes }): Tensor {
  return bind1("transpose", { permutation: copy(o.permutation) }, operands([x]));
}
export function broadcastInDim(x: LaxArg, o: { shape: Axes; broadcastDimensions: Axes }): Tensor {
  return bind1("broadcast_in_dim", { shape: copy(o.shape), broadcast_dimensions: copy(o.broadcastDimensions) }, operands([x]));
}
export function squeeze(x: LaxArg, o: { dimensions: Axes }): Tensor {
  return bind1("squeeze", { dimensions: copy(o.dimensions) }, operands([x]));
}
export function expandDims(x: LaxArg, o: { dimensions: Axes }): Tensor {
  return bind1("expand_dims", { dimensions: copy(o.dimensions) }, operands([x]));
}
export function rev(x: LaxArg, o: { dimensions: Axes }): Tensor {
  return bind1("rev", { dimensions: copy(o.dimensions) }, operands([x]));
}
export function slice(x: LaxArg, o: { startIndices: Axes; limitIndices: Axes; strides?: Axes | null }): Tensor {
  const strides = o.strides ? copy(o.strides) : null;
  return bind1("slice", { start_indices: copy(o.startIndices), limit_indices: copy(o.limitIndices), strides }, operands([x]));
}
/** `paddingConfig`: one (low, high, interior) triple per dimension. */
export function pad(x: LaxArg, paddingValue: LaxArg, o: { paddingConfig: readonly (readonly [number, number, number])[] }): Tensor {
  const config = o.paddingConfig.map(([lo, hi, interior]): [number, number, number] => [lo, hi, interior]);
  return bind1("pad", { padding_config: config }, operands([x, paddingValue]));
}
export function concatenate(xs: readonly LaxArg[], o: { dimension: number }): Tensor {
  return bind1("concatenate", { dimension: o.dimension }, operands(xs));
}

// ---- indexing ----
export function dynamicSlice(x: LaxArg, startIndices: readonly LaxArg[], o: { sliceSizes: Axes }): Tensor {
  return bind1("dynamic_slice", { slice_sizes: copy(o.sliceSizes) }, [...operands([x]), ...indexOperands(startIndices)]);
}
export function dynamicUpdateSlice(x: LaxArg, update: LaxArg, startIndices: readonly LaxArg[]): Tensor {
  return bind1("dynamic_update_slice", {}, [...operands([x, update]), ...indexOperands(startIndices)]);
}
/** Start indices are i32 scalars whatever the operand's dtype. */
function indexOperands(xs: readonly LaxArg[]): Operand[] {
  return xs.map((x) => (typeof x === "number" ? new Literal(x | 0, "i32") : x));
}

export type GatherMode = "clip" | "fill";
/** jnp.take(x, indices, axis) with a static mode (the catalogue's one-axis gather). */
export function gather(x: LaxArg, indices: Tensor, o: { axis: number; mode: GatherMode }): Tensor {
  return bind1("gather", { axis: o.axis, mode: o.mode }, [...operands([x]), indices]);
}
export function scatterAdd(x: LaxArg, indices: Tensor, updates: LaxArg, o: { axis: number; mode: GatherMode }): Tensor {
  const [xo, uo] = operands([x, updates]);
  return bind1("scatter_add", { axis: o.axis, mode: o.mode }, [xo!, indices, uo!]);
}

// ---- reductions ----
const reduce =
  (p: "reduce_sum" | "reduce_max" | "reduce_min" | "reduce_prod") =>
  (x: LaxArg, o: { axes: Axes }): Tensor =>
    bind1(p, { axes: copy(o.axes) }, operands([x]));
export const reduceSum = reduce("reduce_sum");
export const reduceMax = reduce("reduce_max");
export const reduceMin = reduce("reduce_min");
export const reduceProd = reduce("reduce_prod");

export function argmax(x: LaxArg, o: { axis: number; indexDtype?: "i32" }): Tensor {
  return bind1("argmax", { axes: [o.axis], index_dtype: o.indexDtype ?? "i32" }, operands([x]));
}
export function argmin(x: LaxArg, o: { axis: number; indexDtype?: "i32" }): Tensor {
  return bind1("argmin", { axes: [o.axis], index_dtype: o.indexDtype ?? "i32" }, operands([x]));
}
export function cumsum(x: LaxArg, o: { axis: number; reverse?: boolean }): Tensor {
  return bind1("cumsum", { axis: o.axis, reverse: o.reverse ?? false }, operands([x]));
}

// ---- linalg ----
/** `dimensionNumbers`: ((lhs contracting, rhs contracting), (lhs batch, rhs batch)), as lax. */
export type DotDimensionNumbers = readonly [readonly [Axes, Axes], readonly [Axes, Axes]];
export function dotGeneral(a: LaxArg, b: LaxArg, o: { dimensionNumbers: DotDimensionNumbers; preferredElementType?: DType | null }): Tensor {
  const [[lc, rc], [lb, rb]] = o.dimensionNumbers;
  const dimension_numbers: [[number[], number[]], [number[], number[]]] = [
    [copy(lc), copy(rc)],
    [copy(lb), copy(rb)],
  ];
  return bind1("dot_general", { dimension_numbers, preferred_element_type: o.preferredElementType ?? null }, operands([a, b]));
}

// ---- casts, creation, randomness ----
export function convertElementType(x: LaxArg, o: { newDtype: DType; saturate?: boolean }): Tensor {
  return bind1("convert_element_type", { new_dtype: o.newDtype, saturate: o.saturate ?? false }, operands([x]));
}
export function reducePrecision(x: LaxArg, o: { exponentBits: number; mantissaBits: number }): Tensor {
  return bind1("reduce_precision", { exponent_bits: o.exponentBits, mantissa_bits: o.mantissaBits }, operands([x]));
}
export function iota(o: { dtype: DType; shape: Axes; dimension: number }): Tensor {
  return bind1("iota", { dtype: o.dtype, shape: copy(o.shape), dimension: o.dimension }, []);
}
/**
 * jax.lax.full: `value` rounded into `dtype`, broadcast to `shape`. It is a broadcast of a literal,
 * which later passes recognise as a static value (DESIGN.md "Scalify semantics").
 */
export function full(shape: Axes, value: number, dtype: DType = "f32"): Tensor {
  return broadcastInDim(new Literal(roundScalar(value, dtype), dtype), { shape, broadcastDimensions: [] });
}
/** jax.lax.full_like: `full` with x's shape and (by default) dtype. */
export function fullLike(x: Tensor, value: number, dtype: DType = x.dtype): Tensor {
  return full(x.shape, value, dtype);
}
/** Philox bits (as i32) of `shape` from a key i32[2]; the counter is the flat index. */
export function randomBits(key: Tensor, o: { shape: Axes }): Tensor {
  return bind1("random_bits", { shape: copy(o.shape) }, [key]);
}

// ---- scaling primitives (DESIGN.md "Scalify semantics"; the user-facing forms are sf.scaling.*) ----
/** Power of two of |x| rounded down or up, sign kept. */
export function pow2Round(x: Tensor, o: { mode: "down" | "up" }): Tensor {
  return bind1("pow2_round", { mode: o.mode }, [x]);
}
export function setScaling(x: Tensor, scale: LaxArg): Tensor {
  return bind1("set_scaling", {}, operands([x, scale]).map((a, i) => (i === 1 && a instanceof Literal ? new Literal(a.value, "f32") : a)));
}
export function rebalance(x: Tensor, factor: LaxArg): Tensor {
  return bind1("rebalance", {}, operands([x, factor]).map((a, i) => (i === 1 && a instanceof Literal ? new Literal(a.value, "f32") : a)));
}
export function stopScaling(x: Tensor, o: { dtype?: DType | null } = {}): Tensor {
  return bind1("stop_scaling", { dtype: o.dtype ?? null }, [x]);
}
export function getDataScale(x: Tensor): [Tensor, Tensor] {
  const [d, s] = bind("get_data_scale", {}, [x]);
  return [d!, s!];
}
export function dynamicRescale(x: Tensor, o: { norm: "max" | "l1" | "l2" }): Tensor {
  return bind1("dynamic_rescale", { norm: o.norm }, [x]);
}
export function lazyRescale(x: Tensor, ref: Tensor, o: { norm: "max" | "l1" | "l2"; lo: number; hi: number }): Tensor {
  return bind1("lazy_rescale", { norm: o.norm, lo: o.lo, hi: o.hi }, [x, ref]);
}

// Every primitive has its lax function: a primitive added to the catalogue without one fails to
// compile here. custom_vjp is deliberately omitted: its wrapper (sf.customVjp) is built by the
// autodiff layer, which traces the call/fwd/bwd programs it needs.
const LAX = {
  neg, abs, sign, exp, log, sqrt, rsqrt, tanh, logistic, erf, sin, cos, not, stop_gradient: stopGradient,
  add, sub, mul, div, max, min, pow, eq, ne, lt, le, gt, ge, and, or, shift_right_logical: shiftRightLogical,
  integer_pow: integerPow, select_n: selectN,
  reshape, transpose, broadcast_in_dim: broadcastInDim, squeeze, expand_dims: expandDims, rev, slice, pad, concatenate,
  dynamic_slice: dynamicSlice, dynamic_update_slice: dynamicUpdateSlice, gather, scatter_add: scatterAdd,
  reduce_sum: reduceSum, reduce_max: reduceMax, reduce_min: reduceMin, reduce_prod: reduceProd, argmax, argmin, cumsum,
  dot_general: dotGeneral, convert_element_type: convertElementType, reduce_precision: reducePrecision, iota,
  random_bits: randomBits,
  pow2_round: pow2Round, set_scaling: setScaling, rebalance, stop_scaling: stopScaling, get_data_scale: getDataScale,
  dynamic_rescale: dynamicRescale, lazy_rescale: lazyRescale,
} satisfies { [P in Exclude<Primitive, "custom_vjp">]: (...args: never[]) => Tensor | Tensor[] };

/** The lax function of each primitive (custom_vjp excepted), keyed by primitive name. */
export const LAX_FUNCTIONS: Readonly<typeof LAX> = LAX;
