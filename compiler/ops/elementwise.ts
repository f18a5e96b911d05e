// Elementwise ops (jax.numpy names): promotion and NumPy broadcasting, then one primitive.
import { isFloat, type DType } from "../../ir/dtype.js";
import type { Tensor } from "../../runtime/tensor.js";
import * as lax from "../lax.js";
import { broadcastShapes, broadcastTo, coerce, elementwiseOperands, resultDType, type ArrayLike } from "./coerce.js";

type LaxBinary = (a: lax.LaxArg, b: lax.LaxArg) => Tensor;
type LaxUnary = (x: lax.LaxArg) => Tensor;

/** A binary op computing in the promoted dtype, or in f32 when `floatOnly` and that is an int/bool. */
const binary =
  (op: string, f: LaxBinary, floatOnly = false) =>
  (a: ArrayLike, b: ArrayLike): Tensor => {
    let dtype = resultDType(op, [a, b]);
    if (floatOnly && !isFloat(dtype)) dtype = "f32";
    const [x, y] = elementwiseOperands(op, [a, b], dtype).operands;
    return f(x!, y!);
  };

/** A unary op on the operand's dtype (numbers are f32 scalars). */
const unary =
  (f: LaxUnary) =>
  (x: ArrayLike): Tensor =>
    f(coerce(x, typeof x === "number" ? "f32" : x.dtype));

/** A transcendental: int/bool operands compute in f32, as jnp's float-only functions. */
const floatUnary =
  (f: LaxUnary) =>
  (x: ArrayLike): Tensor =>
    f(coerce(x, toFloat(x)));

const shapeOf = (x: ArrayLike): readonly number[] => (typeof x === "number" ? [] : x.shape);

function toFloat(x: ArrayLike): DType {
  return typeof x === "number" || !isFloat(x.dtype) ? "f32" : x.dtype;
}

export const add = binary("add", lax.add);
export const sub = binary("sub", lax.sub);
export const mul = binary("mul", lax.mul);
/** True division (jnp.divide): int/bool operands divide in f32. */
export const div = binary("div", lax.div, true);
export const maximum = binary("maximum", lax.max);
export const minimum = binary("minimum", lax.min);

export const eq = binary("eq", lax.eq);
export const ne = binary("ne", lax.ne);
export const lt = binary("lt", lax.lt);
export const le = binary("le", lax.le);
export const gt = binary("gt", lax.gt);
export const ge = binary("ge", lax.ge);

export const neg = unary(lax.neg);
export const abs = unary(lax.abs);
export const sign = unary(lax.sign);
export const exp = floatUnary(lax.exp);
export const log = floatUnary(lax.log);
export const sqrt = floatUnary(lax.sqrt);
export const rsqrt = floatUnary(lax.rsqrt);
export const tanh = floatUnary(lax.tanh);
export const logistic = floatUnary(lax.logistic);
export const erf = floatUnary(lax.erf);
export const sin = floatUnary(lax.sin);
export const cos = floatUnary(lax.cos);

/** x^y for a static integer y, by repeated multiplication (bit-exact on every backend). */
export function integerPow(x: ArrayLike, y: number): Tensor {
  return lax.integerPow(coerce(x, typeof x === "number" ? "f32" : x.dtype), { y });
}

export function square(x: ArrayLike): Tensor {
  return integerPow(x, 2);
}

const powPrim = binary("pow", lax.pow, true);
/** a^b (jnp.power): a JS integer exponent uses integer_pow, as jnp does for static integer powers. */
export function pow(a: ArrayLike, b: ArrayLike): Tensor {
  if (typeof b === "number" && typeof a !== "number" && Number.isInteger(b)) return integerPow(a, b);
  return powPrim(a, b);
}

/** cond ? a : b elementwise (jnp.where); a non-bool condition is compared with 0. */
export function where(cond: ArrayLike, a: ArrayLike, b: ArrayLike): Tensor {
  const op = "where";
  const c = typeof cond !== "number" && cond.dtype === "bool" ? cond : ne(cond, 0);
  const shape = broadcastShapes(op, [c.shape, shapeOf(a), shapeOf(b)]);
  const dtype = resultDType(op, [a, b]);
  // select_n's cases must have the full shape (literals included); the predicate may stay rank-0.
  const x = broadcastTo(op, coerce(a, dtype), shape);
  const y = broadcastTo(op, coerce(b, dtype), shape);
  return lax.selectN(c.ndim === 0 ? c : broadcastTo(op, c, shape), y, x);
}

/** True where x is neither infinite nor NaN (jnp.isfinite); always true for int/bool. */
export function isfinite(x: Tensor): Tensor {
  if (!isFloat(x.dtype)) return lax.full(x.shape, 1, "bool");
  return lt(abs(x), Infinity);
}
