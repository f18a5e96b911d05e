// Arithmetic elementwise kernels. Floats: decode to f32, compute, round once to the output dtype
// (a Float32Array store is the f32 rounding; `fromValues` the final one). i32 wraps.
// Binary operands of rank 0 broadcast (DESIGN.md "Types and promotion").
import type { Aval } from "../../ir/shape.js";
import { Tensor } from "../tensor.js";
import * as s from "./scalar-ops.js";
import type { KernelTable, ParamlessKernel } from "./types.js";
import { fromValues, size, values } from "./util.js";

type FloatFn1 = (x: number) => number;
type FloatFn2 = (a: number, b: number) => number;

function map1(x: Tensor, out: Aval, floatFn: FloatFn1, intFn?: FloatFn1): Tensor {
  const v = values(x);
  const n = v.length;
  if (out.dtype === "i32") {
    const r = new Int32Array(n);
    for (let i = 0; i < n; i++) r[i] = intFn!(v[i]!);
    return new Tensor("i32", out.shape, r);
  }
  const r = new Float32Array(n);
  for (let i = 0; i < n; i++) r[i] = floatFn(v[i]!);
  return fromValues(r, out);
}

function map2(a: Tensor, b: Tensor, out: Aval, floatFn: FloatFn2, intFn?: FloatFn2): Tensor {
  const n = size(out.shape);
  const x = values(a);
  const y = values(b);
  // A rank-0 operand is read at index 0 for every output element.
  const sx = x.length === n ? 1 : 0;
  const sy = y.length === n ? 1 : 0;
  if (out.dtype === "i32") {
    const r = new Int32Array(n);
    for (let i = 0; i < n; i++) r[i] = intFn!(x[i * sx]!, y[i * sy]!);
    return new Tensor("i32", out.shape, r);
  }
  const r = new Float32Array(n);
  for (let i = 0; i < n; i++) r[i] = floatFn(x[i * sx]!, y[i * sy]!);
  return fromValues(r, out);
}

const unary =
  (floatFn: FloatFn1, intFn?: FloatFn1): ParamlessKernel =>
  (_p, [x], [out]) => [map1(x!, out!, floatFn, intFn)];

const binary =
  (floatFn: FloatFn2, intFn?: FloatFn2): ParamlessKernel =>
  (_p, [a, b], [out]) => [map2(a!, b!, out!, floatFn, intFn)];

export const elementwiseKernels = {
  neg: unary((x) => -x, s.ineg),
  abs: unary(Math.abs, s.iabs),
  sign: unary(s.fsign, s.isign),
  // sqrt is correctly rounded in f64, and f64 → f32 rounding of it equals f32 sqrt (53 ≥ 2·24 + 2).
  sqrt: unary(Math.sqrt),
  rsqrt: unary(s.frsqrt),
  exp: unary(s.TRANSCENDENTAL.exp),
  log: unary(s.TRANSCENDENTAL.log),
  tanh: unary(s.TRANSCENDENTAL.tanh),
  logistic: unary(s.TRANSCENDENTAL.logistic),
  erf: unary(s.TRANSCENDENTAL.erf),
  sin: unary(s.TRANSCENDENTAL.sin),
  cos: unary(s.TRANSCENDENTAL.cos),
  integer_pow: (p, [x], [out]) => [map1(x!, out!, (v) => s.fintegerPow(v, p.y), (v) => s.iintegerPow(v, p.y))],
  // +, −, ×, ÷ of two f32 values in f64 are exact or rounded once to f64; the f32 store then gives
  // the correctly rounded f32 result (no double-rounding issue for these operations).
  add: binary((a, b) => a + b, s.iadd),
  sub: binary((a, b) => a - b, s.isub),
  mul: binary((a, b) => a * b, s.imul),
  div: binary((a, b) => a / b, s.idiv),
  max: binary(s.fmax, Math.max),
  min: binary(s.fmin, Math.min),
  pow: binary(s.fpow),
} satisfies Partial<KernelTable>;
