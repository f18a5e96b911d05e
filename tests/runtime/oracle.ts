// An independent f64 reference for the interpreter tests, written from the lax/jnp definitions
// with explicit multi-index arithmetic. It never calls runtime/kernels or the numerics codec.
import type { DType } from "../../ir/dtype.js";

export interface Nd {
  shape: number[];
  data: number[];
}

export const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/** Every multi-index of `shape` in row-major order. */
export function indices(shape: readonly number[]): number[][] {
  const out: number[][] = [];
  const n = prod(shape);
  for (let i = 0; i < n; i++) {
    const idx: number[] = [];
    let rest = i;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx.unshift(rest % shape[d]!);
      rest = Math.floor(rest / shape[d]!);
    }
    out.push(idx);
  }
  return out;
}

/** Row-major flat position of a multi-index. */
export function flatIndex(shape: readonly number[], idx: readonly number[]): number {
  let f = 0;
  for (let d = 0; d < shape.length; d++) f = f * shape[d]! + idx[d]!;
  return f;
}

export const get = (x: Nd, idx: readonly number[]): number => x.data[flatIndex(x.shape, idx)]!;

/** Builds an Nd by evaluating `f` at every output index. */
export function build(shape: number[], f: (idx: number[]) => number): Nd {
  return { shape, data: indices(shape).map(f) };
}

// ---- shape ops ----

export const transpose = (x: Nd, perm: number[]): Nd =>
  build(perm.map((p) => x.shape[p]!), (idx) => {
    const src = new Array<number>(x.shape.length);
    perm.forEach((p, i) => (src[p] = idx[i]!));
    return get(x, src);
  });

export const broadcastInDim = (x: Nd, shape: number[], dims: number[]): Nd =>
  build(shape, (idx) => get(x, dims.map((d, i) => (x.shape[i] === 1 ? 0 : idx[d]!))));

export const slice = (x: Nd, start: number[], limit: number[], strides: number[] | null): Nd => {
  const st = strides ?? start.map(() => 1);
  const shape = start.map((s, d) => Math.max(0, Math.ceil((limit[d]! - s) / st[d]!)));
  return build(shape, (idx) => get(x, idx.map((i, d) => start[d]! + i * st[d]!)));
};

export const rev = (x: Nd, dims: number[]): Nd => build(x.shape, (idx) => get(x, idx.map((i, d) => (dims.includes(d) ? x.shape[d]! - 1 - i : i))));

/** pad: an output index maps back to input index (o − lo)/(interior + 1) when that is integral and in range. */
export const pad = (x: Nd, value: number, config: [number, number, number][]): Nd => {
  const shape = x.shape.map((n, d) => config[d]![0] + config[d]![1] + n + Math.max(0, n - 1) * config[d]![2]);
  return build(shape, (idx) => {
    const src: number[] = [];
    for (let d = 0; d < idx.length; d++) {
      const [lo, , interior] = config[d]!;
      const q = (idx[d]! - lo) / (interior + 1);
      if (!Number.isInteger(q) || q < 0 || q >= x.shape[d]!) return value;
      src.push(q);
    }
    return get(x, src);
  });
};

export const concatenate = (xs: Nd[], dim: number): Nd => {
  const shape = [...xs[0]!.shape];
  shape[dim] = xs.reduce((a, x) => a + x.shape[dim]!, 0);
  return build(shape, (idx) => {
    let i = idx[dim]!;
    for (const x of xs) {
      if (i < x.shape[dim]!) return get(x, idx.map((v, d) => (d === dim ? i : v)));
      i -= x.shape[dim]!;
    }
    throw new Error("unreachable");
  });
};

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

export const dynamicSlice = (x: Nd, starts: number[], sizes: number[]): Nd => {
  const s = starts.map((v, d) => clamp(v, 0, x.shape[d]! - sizes[d]!));
  return build(sizes, (idx) => get(x, idx.map((i, d) => i + s[d]!)));
};

export const dynamicUpdateSlice = (x: Nd, u: Nd, starts: number[]): Nd => {
  const s = starts.map((v, d) => clamp(v, 0, x.shape[d]! - u.shape[d]!));
  return build(x.shape, (idx) => {
    const j = idx.map((i, d) => i - s[d]!);
    return j.every((v, d) => v >= 0 && v < u.shape[d]!) ? get(u, j) : get(x, idx);
  });
};

/** jnp.take(x, idx, axis, mode): clip clamps; fill gives `fill` for idx < 0 or ≥ n. */
export const take = (x: Nd, idx: Nd, axis: number, mode: "clip" | "fill", fill: number): Nd => {
  const n = x.shape[axis]!;
  const shape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
  return build(shape, (o) => {
    const k = get(idx, o.slice(axis, axis + idx.shape.length));
    const before = o.slice(0, axis);
    const after = o.slice(axis + idx.shape.length);
    if (mode === "fill" && (k < 0 || k >= n)) return fill;
    return get(x, [...before, clamp(k, 0, n - 1), ...after]);
  });
};

/** scatter_add, the transpose of take: every update is added (in f64) at its resolved index. */
export const scatterAdd = (x: Nd, idx: Nd, upd: Nd, axis: number, mode: "clip" | "fill"): Nd => {
  const n = x.shape[axis]!;
  const out = { shape: x.shape, data: [...x.data] };
  for (const o of indices(upd.shape)) {
    const k = get(idx, o.slice(axis, axis + idx.shape.length));
    if (mode === "fill" && (k < 0 || k >= n)) continue;
    const dst = [...o.slice(0, axis), clamp(k, 0, n - 1), ...o.slice(axis + idx.shape.length)];
    out.data[flatIndex(x.shape, dst)]! += get(upd, o);
  }
  return out;
};

// ---- reductions and dot ----

/** Reduce `axes` with an f64 combiner; returns the values and the Σ|x| bound term. */
export function reduce(x: Nd, axes: number[], init: number, f: (a: number, b: number) => number): Nd {
  const shape = x.shape.filter((_, d) => !axes.includes(d));
  const out = build(shape, () => init);
  for (const idx of indices(x.shape)) {
    const o = flatIndex(shape, idx.filter((_, d) => !axes.includes(d)));
    out.data[o] = f(out.data[o]!, get(x, idx));
  }
  return out;
}

/** lax.dot_general in f64: out[batch, lhsFree, rhsFree] = Σ_contract lhs · rhs. Also Σ|lhs·rhs| per output. */
export function dotGeneral(a: Nd, b: Nd, dims: [[number[], number[]], [number[], number[]]]): { out: Nd; absSum: number[] } {
  const [[lc, rc], [lb, rb]] = dims;
  const aFree = a.shape.map((_, d) => d).filter((d) => !lc.includes(d) && !lb.includes(d));
  const bFree = b.shape.map((_, d) => d).filter((d) => !rc.includes(d) && !rb.includes(d));
  const shape = [...lb.map((d) => a.shape[d]!), ...aFree.map((d) => a.shape[d]!), ...bFree.map((d) => b.shape[d]!)];
  const kShape = lc.map((d) => a.shape[d]!);
  const absSum: number[] = [];
  const out = build(shape, (o) => {
    const batch = o.slice(0, lb.length);
    const fa = o.slice(lb.length, lb.length + aFree.length);
    const fb = o.slice(lb.length + aFree.length);
    let s = 0;
    let abs = 0;
    for (const k of indices(kShape)) {
      const ia = new Array<number>(a.shape.length);
      const ib = new Array<number>(b.shape.length);
      lb.forEach((d, j) => (ia[d] = batch[j]!));
      rb.forEach((d, j) => (ib[d] = batch[j]!));
      aFree.forEach((d, j) => (ia[d] = fa[j]!));
      bFree.forEach((d, j) => (ib[d] = fb[j]!));
      lc.forEach((d, j) => (ia[d] = k[j]!));
      rc.forEach((d, j) => (ib[d] = k[j]!));
      const p = get(a, ia) * get(b, ib);
      s += p;
      abs += Math.abs(p);
    }
    absSum.push(abs);
    return s;
  });
  return { out, absSum };
}

// ---- numerics, from the format definitions ----

export interface FloatFormat {
  mantissa: number; // stored mantissa bits
  minExp: number; // exponent of the smallest normal
  max: number; // largest finite value
  inf: boolean; // has infinities
}

export const FORMATS: Record<"f32" | "f16" | "bf16" | "f8e4m3fn" | "f8e5m2", FloatFormat> = {
  f32: { mantissa: 23, minExp: -126, max: (2 - 2 ** -23) * 2 ** 127, inf: true },
  f16: { mantissa: 10, minExp: -14, max: 65504, inf: true },
  bf16: { mantissa: 7, minExp: -126, max: (2 - 2 ** -7) * 2 ** 127, inf: true },
  f8e4m3fn: { mantissa: 3, minExp: -6, max: 448, inf: false },
  f8e5m2: { mantissa: 2, minExp: -14, max: 57344, inf: true },
};

/** ⌊log2 |x|⌋ exactly, for finite non-zero x. */
export function exponentOf(x: number): number {
  const a = Math.abs(x);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  return e;
}

/** x / q rounded to an integer, ties to even, times q (q a power of two: exact in f64). */
export function roundToQuantum(x: number, q: number): number {
  const r = Math.abs(x) / q;
  const fl = Math.floor(r);
  const d = r - fl;
  const n = d > 0.5 || (d === 0.5 && fl % 2 === 1) ? fl + 1 : fl;
  return Math.sign(x) * n * q || (x < 0 || Object.is(x, -0) ? -0 : 0);
}

/** Round a number to a float format, ties to even, subnormals kept, rounding before the range check. */
export function roundTo(x: number, f: FloatFormat, saturate = false): number {
  if (Number.isNaN(x)) return NaN;
  if (!Number.isFinite(x)) return saturate ? Math.sign(x) * f.max : f.inf ? x : NaN;
  if (x === 0) return x;
  const y = roundToQuantum(x, 2 ** (Math.max(exponentOf(x), f.minExp) - f.mantissa));
  if (Math.abs(y) > f.max) return saturate ? Math.sign(x) * f.max : f.inf ? Math.sign(x) * Infinity : NaN;
  return y;
}

/** The value of a storage code, from the format definitions. */
export function decodeCode(code: number, dtype: DType): number {
  const sign = (bit: number) => ((code >> bit) & 1 ? -1 : 1);
  switch (dtype) {
    case "f16": {
      const e = (code >> 10) & 31;
      const f = code & 1023;
      if (e === 31) return f ? NaN : sign(15) * Infinity;
      return sign(15) * (e === 0 ? f * 2 ** -24 : (1024 + f) * 2 ** (e - 25));
    }
    case "bf16": {
      const view = new DataView(new ArrayBuffer(4));
      view.setUint32(0, code << 16);
      return view.getFloat32(0);
    }
    case "f8e4m3fn": {
      const e = (code >> 3) & 15;
      const f = code & 7;
      if (e === 15 && f === 7) return NaN;
      return sign(7) * (e === 0 ? f * 2 ** -9 : (8 + f) * 2 ** (e - 10));
    }
    case "f8e5m2": {
      const e = (code >> 2) & 31;
      const f = code & 3;
      if (e === 31) return f ? NaN : sign(7) * Infinity;
      return sign(7) * (e === 0 ? f * 2 ** -16 : (4 + f) * 2 ** (e - 17));
    }
    default:
      throw new Error(`decodeCode: ${dtype} has no codes`);
  }
}

/** float → i32: truncate toward zero, saturate, NaN → 0. */
export function toI32(x: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.min(Math.max(Math.trunc(x), -(2 ** 31)), 2 ** 31 - 1) + 0; // + 0: an i32 has no −0
}

/** e^{−x²} with x² split exactly into hi + lo (Dekker's product): no loss from rounding x². */
function expMinusSquare(x: number): number {
  const c = 134217729 * x;
  const xh = c - (c - x);
  const xl = x - xh;
  const hi = x * x;
  const lo = xh * xh - hi + 2 * xh * xl + xl * xl;
  return Math.exp(-hi) * Math.exp(-lo);
}

/**
 * erf in f64, independent of Cody's rational approximation: for |x| < 1 the positive-term
 * series erf x = 2/√π · e^{−x²} · Σ 2^n x^{2n+1} / (1·3·…·(2n+1)) (no cancellation); from 1 up,
 * 1 − erfc(x) with erfc from its continued fraction e^{−x²}/√π / (x + (1/2)/(x + 1/(x + (3/2)/…))),
 * evaluated backwards from a fixed depth.
 */
export function erfRef(x: number): number {
  const a = Math.abs(x);
  if (a >= 1) {
    if (a > 27) return Math.sign(x);
    let k = a;
    for (let n = 4000; n >= 1; n--) k = a + n / 2 / k;
    return Math.sign(x) * (1 - expMinusSquare(a) / (Math.sqrt(Math.PI) * k));
  }
  let term = x;
  let sum = x;
  for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * expMinusSquare(x) * sum;
}

/**
 * XLA ReducePrecision from its definition on values: round to `m` mantissa bits (ties to even)
 * at the operand's exponent — on the operand format's subnormal grid when the exponent is not
 * reduced — then, when the exponent is reduced (e < srcE), overflow to ±Inf above the target's
 * largest finite value and flush to ±0 below its smallest normal. NaN stays NaN (Inf when m = 0).
 */
export function reducePrecisionValue(x: number, e: number, m: number, src: { e: number; m: number; minExp: number }): number {
  if (Number.isNaN(x)) return m > 0 ? NaN : Infinity;
  if (!Number.isFinite(x) || x === 0) return x;
  const mm = Math.min(m, src.m);
  const ex = e >= src.e ? Math.max(exponentOf(x), src.minExp) : exponentOf(x);
  const srcBias = 2 ** (src.e - 1) - 1;
  let y = roundToQuantum(x, 2 ** (ex - mm));
  // With no mantissa bits left the last kept bit is the exponent's lowest bit, so a tie
  // (1.5 · 2^ex) goes to the power of two whose biased exponent is even.
  if (mm === 0 && Math.abs(x) === 1.5 * 2 ** ex) y = Math.sign(x) * 2 ** (ex + ((ex + srcBias) % 2 === 0 ? 0 : 1));
  if (e >= src.e) return Math.abs(y) >= 2 ** (srcBias + 1) ? Math.sign(y) * Infinity : y;
  const bias = 2 ** (e - 1) - 1;
  if (Math.abs(y) >= 2 ** (bias + 1)) return Math.sign(y) * Infinity;
  if (Math.abs(y) < 2 ** (1 - bias)) return y < 0 ? -0 : 0;
  return y;
}
