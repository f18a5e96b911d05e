// Scalar semantics of the elementwise primitives, one function per rule, so that elementwise
// kernels and reductions share them and the native backend has one place to mirror.
// Float functions take f32 values and return a number that the caller rounds (to f32 by a
// Float32Array store, then once to the output dtype). DESIGN.md "Where the backends must agree"
// and "Edge semantics".
import { erf } from "./erf.js";
import { INT_MIN } from "./util.js";

// ---- floats ----

/** max: NaN propagates; −0 < +0 (DESIGN.md "Edge semantics"). */
export function fmax(a: number, b: number): number {
  if (a !== a) return a;
  if (b !== b) return b;
  if (a === 0 && b === 0) return Object.is(a, -0) ? b : a;
  return a > b ? a : b;
}

/** min: NaN propagates; −0 < +0. */
export function fmin(a: number, b: number): number {
  if (a !== a) return a;
  if (b !== b) return b;
  if (a === 0 && b === 0) return Object.is(a, -0) ? a : b;
  return a < b ? a : b;
}

/** sign: ±1, and ±0 and NaN pass through. */
export function fsign(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : x;
}

/** rsqrt = fround(1 / fround(sqrt(x))): two correctly rounded f32 steps, as C++ `1.0f / sqrtf(x)`. */
export function frsqrt(x: number): number {
  return 1 / Math.fround(Math.sqrt(x));
}

/**
 * pow with C99/IEEE 754 `pow` special cases where JS differs: pow(1, y) = 1 and pow(−1, ±Inf) = 1
 * even for NaN y (JS Math.pow gives NaN). Otherwise f64 Math.pow of the f32 operands.
 */
export function fpow(a: number, b: number): number {
  if (a === 1) return 1;
  if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
  return Math.pow(a, b);
}

/** logistic = 1 / (1 + e^−x) evaluated in f64 and rounded once by the caller. */
export function flogistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * x^y by square-and-multiply in f32, in the order of JAX's `lax._integer_pow` lowering: each
 * product is rounded to f32; y = 0 gives 1 (even for NaN, as x^0 in IEEE); y < 0 gives
 * fround(1 / x^|y|). Returns an f32 value.
 */
export function fintegerPow(x: number, y: number): number {
  if (y === 0) return 1;
  let n = Math.abs(y);
  let acc: number | undefined;
  let base = x;
  while (n > 0) {
    if (n & 1) acc = acc === undefined ? base : Math.fround(acc * base);
    n = Math.floor(n / 2);
    if (n > 0) base = Math.fround(base * base);
  }
  return y < 0 ? Math.fround(1 / acc!) : acc!;
}

/** f64 transcendental functions, each rounded once by the caller (within 2 ulp in f32). */
export const TRANSCENDENTAL = {
  exp: Math.exp,
  log: Math.log,
  tanh: Math.tanh,
  sin: Math.sin,
  cos: Math.cos,
  logistic: flogistic,
  erf,
} as const;

// ---- i32: two's complement, wrapping, never trapping ----

export const iadd = (a: number, b: number): number => (a + b) | 0;
export const isub = (a: number, b: number): number => (a - b) | 0;
export const imul = Math.imul;
export const ineg = (a: number): number => -a | 0;
/** abs(INT_MIN) = INT_MIN (wraps). */
export const iabs = (a: number): number => Math.abs(a) | 0;
export const isign = (a: number): number => (a > 0 ? 1 : a < 0 ? -1 : 0);

/**
 * Truncating division; x / 0 = 0 and INT_MIN / −1 = INT_MIN (DESIGN.md "Edge semantics").
 * The f64 quotient of two int32 values never rounds across an integer, so truncating it is exact.
 */
export function idiv(a: number, b: number): number {
  if (b === 0) return 0;
  if (a === INT_MIN && b === -1) return INT_MIN;
  return (a / b) | 0;
}

/**
 * i32 x^y by square-and-multiply, wrapping. y < 0 gives the truncated 1 / x^|y|: ±1 for
 * x^|y| = ±1, 0 otherwise (0 for x = 0, as integer division by zero).
 */
export function iintegerPow(x: number, y: number): number {
  let n = Math.abs(y);
  let acc = 1;
  let base = x;
  while (n > 0) {
    if (n & 1) acc = Math.imul(acc, base);
    n = Math.floor(n / 2);
    if (n > 0) base = Math.imul(base, base);
  }
  return y < 0 ? idiv(1, acc) : acc;
}

/** Logical right shift of the 32 bits; shifts outside [0, 31] give 0. */
export function shiftRightLogical(a: number, s: number): number {
  return s < 0 || s >= 32 ? 0 : (a >>> s) | 0;
}
