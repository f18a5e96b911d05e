// Random tensors and random one-equation programs for the differential tests of the native
// backend (differential.test.ts, fusion.test.ts): valid operands and params for every primitive
// of the catalogue (the mapped type makes a new primitive without a generator a compile error),
// and comparisons of outputs with the strictness DESIGN.md "Where the backends must agree" asks.
import { DTYPES, allocStorage, isFloat, type DType, type Storage, type StorageMap } from "../../../ir/dtype.js";
import { primitiveDef, type Params, type Primitive } from "../../../ir/primitives/catalogue.js";
import { Literal, makeEquation, Program, Var, type Atom } from "../../../ir/program.js";
import { size, type Aval } from "../../../ir/shape.js";
import { interpret } from "../../../runtime/interpreter.js";
import { decode } from "../../../runtime/numerics/codec.js";
import { Tensor } from "../../../runtime/tensor.js";
import { rng } from "../../support/random.js";

export type Rng = () => number;

export { rng };
export const randInt = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

export const FLOATS = ["f32", "f16", "bf16", "f8e4m3fn", "f8e5m2"] as const satisfies readonly DType[];
export const NUMERIC = [...FLOATS, "i32"] as const satisfies readonly DType[];

const scratch = new Float32Array(1);
const scratchU = new Uint32Array(scratch.buffer);

/** An f32 bit pattern: mostly ordinary values over a wide range, sometimes ±0, ±Inf, NaNs (random payloads), subnormals, extremes. */
function randomF32Bits(r: Rng): number {
  const k = r();
  if (k < 0.04) return r() < 0.5 ? 0 : 0x80000000;
  if (k < 0.07) return r() < 0.5 ? 0x7f800000 : 0xff800000;
  if (k < 0.1) return ((r() < 0.5 ? 0x7f800000 : 0xff800000) | (1 + Math.floor(r() * 0x7fffff))) >>> 0; // NaN, random payload
  if (k < 0.13) return ((r() < 0.5 ? 0 : 0x80000000) | Math.floor(r() * 0x800000)) >>> 0; // subnormal
  if (k < 0.15) return pick(r, [0x7f7fffff, 0xff7fffff, 0x00800000, 0x43e00000, 0x43e80000, 0x47600000, 0x477fe000, 0x3f800000, 0xbf800000]);
  scratch[0] = (r() - 0.5) * 2 ** randInt(r, -20, 20);
  if (r() < 0.2) scratch[0] = Math.round(scratch[0]! * 4) / 4; // ties and exact values
  return scratchU[0]!;
}

/** Random storage of a dtype: f32 values as above, low-precision floats as uniformly random codes, i32 with extremes, bool 0/1. */
export function randomStorage(r: Rng, dtype: DType, n: number, kind: "data" | "index" = "data", indexRange = 8): Storage {
  const s = allocStorage(dtype, n) as Storage;
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case "f32":
        scratchU[0] = randomF32Bits(r);
        new Uint32Array(s.buffer, s.byteOffset, n)[i] = scratchU[0]!;
        break;
      case "f16":
      case "bf16":
        s[i] = Math.floor(r() * 65536);
        break;
      case "f8e4m3fn":
      case "f8e5m2":
        s[i] = Math.floor(r() * 256);
        break;
      case "i32":
        s[i] =
          kind === "index"
            ? randInt(r, -3, indexRange + 3)
            : r() < 0.1
              ? pick(r, [-2147483648, 2147483647, 0, -1, 1])
              : r() < 0.5
                ? randInt(r, -20, 20)
                : Math.floor((r() - 0.5) * 2 ** 32);
        break;
      case "bool":
        s[i] = r() < 0.95 ? (r() < 0.5 ? 1 : 0) : randInt(r, 2, 255); // a few non-canonical true bytes
        break;
    }
  }
  return s;
}

export function randomTensor(r: Rng, aval: Aval, kind: "data" | "index" = "data", indexRange = 8): Tensor {
  return new Tensor(aval.dtype, aval.shape, randomStorage(r, aval.dtype, size(aval.shape), kind, indexRange) as StorageMap[DType]);
}

export function randomShape(r: Rng, maxRank = 3, maxDim = 5): number[] {
  return Array.from({ length: randInt(r, 0, maxRank) }, () => (r() < 0.06 ? 0 : randInt(r, 1, maxDim)));
}

/** How outputs must agree. */
export type Agreement =
  | "bits" // identical storage (data movement, casts)
  | "exact" // identical values; NaN equals NaN (its payload comes from arithmetic), −0 ≠ +0
  | "ulp" // transcendentals: within 2 f32 ulp (+ one ulp of a low-precision output dtype)
  | "sum"; // dot_general and reductions: within 2·K·2^-24·Σ|terms| (+ one ulp of the output dtype)

export interface Case {
  params: Record<string, unknown>;
  ins: Aval[];
  /** Inputs that hold indices (small i32 values). */
  indexInputs?: number[];
  indexRange?: number;
  /** Rank-0 operands that may be given as literals. */
  literalOk?: boolean;
  agreement: Agreement;
}

const aval = (dtype: DType, shape: readonly number[]): Aval => ({ dtype, shape });

function perm(r: Rng, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = randInt(r, 0, i);
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}
function subset(r: Rng, n: number): number[] {
  return Array.from({ length: n }, (_, i) => i).filter(() => r() < 0.5);
}

const unary = (dtypes: readonly DType[], agreement: Agreement) => (r: Rng): Case => ({
  params: {},
  ins: [aval(pick(r, dtypes), randomShape(r))],
  agreement,
});
const binary = (dtypes: readonly DType[], agreement: Agreement) => (r: Rng): Case => {
  const d = pick(r, dtypes);
  const s = randomShape(r);
  const k = r();
  return { params: {}, ins: [aval(d, k < 0.2 ? [] : s), aval(d, k > 0.8 ? [] : s)], literalOk: true, agreement };
};

/** Operands of take (gather/scatter_add): x, indices, and the take shape. */
function takeCase(r: Rng): { x: Aval; idx: Aval; axis: number; take: number[] } {
  const xs = randomShape(r, 3, 4);
  if (xs.length === 0) xs.push(randInt(r, 1, 4));
  const axis = randInt(r, 0, xs.length - 1);
  const is = randomShape(r, 2, 4);
  return { x: aval(pick(r, DTYPES), xs), idx: aval("i32", is), axis, take: [...xs.slice(0, axis), ...is, ...xs.slice(axis + 1)] };
}

function dotCase(r: Rng): Case {
  const nb = randInt(r, 0, 2), nk = randInt(r, 0, 2), nm = randInt(r, 0, 2), nn = randInt(r, 0, 2);
  const sizes = (n: number) => Array.from({ length: n }, () => (r() < 0.05 ? 0 : randInt(r, 1, 5)));
  const bs = sizes(nb), ks = sizes(nk), ms = sizes(nm), ns = sizes(nn);
  type Role = ["b" | "k" | "m" | "n", number];
  const shuffle = (xs: Role[]) => perm(r, xs.length).map((i) => xs[i]!);
  const ra = shuffle([...bs.map((_, i) => ["b", i] as Role), ...ks.map((_, i) => ["k", i] as Role), ...ms.map((_, i) => ["m", i] as Role)]);
  const rb = shuffle([...bs.map((_, i) => ["b", i] as Role), ...ks.map((_, i) => ["k", i] as Role), ...ns.map((_, i) => ["n", i] as Role)]);
  const sz = ([k, i]: Role) => (k === "b" ? bs : k === "k" ? ks : k === "m" ? ms : ns)[i]!;
  const find = (rs: Role[], k: string, i: number) => rs.findIndex(([kk, ii]) => kk === k && ii === i);
  const int = r() < 0.15;
  const da = int ? "i32" : pick(r, FLOATS);
  const db = int ? "i32" : pick(r, FLOATS);
  const pref = r() < 0.6 ? null : pick(r, int ? (["i32", "f32"] as DType[]) : ([...FLOATS, "i32"] as DType[]));
  // Two different non-fp8 floats without a preferred type promote to f32; fine as is.
  return {
    params: {
      dimension_numbers: [
        [ks.map((_, i) => find(ra, "k", i)), ks.map((_, i) => find(rb, "k", i))],
        [bs.map((_, i) => find(ra, "b", i)), bs.map((_, i) => find(rb, "b", i))],
      ],
      preferred_element_type: pref,
    },
    ins: [aval(da, ra.map(sz)), aval(db, rb.map(sz))],
    agreement: int ? "exact" : "sum",
  };
}

/** A body for custom_vjp: call = x ↦ x·x + x (exact ops), fwd = call, bwd = identity on the cotangent. */
function customVjpCase(r: Rng): Case {
  const a = aval(pick(r, FLOATS), randomShape(r));
  const x = new Var(a);
  const y = new Var(a);
  const z = new Var(a);
  const call = new Program([x], [], [makeEquation("mul", {}, [x, x], [y]), makeEquation("add", {}, [y, x], [z])], [z], ["x"]);
  const ct = new Var(a);
  const bwd = new Program([ct], [], [], [ct], ["ct"]);
  return { params: { call, fwd: call, bwd, num_residuals: 0 }, ins: [a], agreement: "exact" };
}

export const GENERATORS: { [P in Primitive]: (r: Rng) => Case } = {
  neg: unary(NUMERIC, "exact"),
  abs: unary(NUMERIC, "exact"),
  sign: unary(NUMERIC, "exact"),
  sqrt: unary(FLOATS, "exact"),
  rsqrt: unary(FLOATS, "exact"),
  exp: unary(FLOATS, "ulp"),
  log: unary(FLOATS, "ulp"),
  tanh: unary(FLOATS, "ulp"),
  logistic: unary(FLOATS, "ulp"),
  erf: unary(FLOATS, "ulp"),
  sin: unary(FLOATS, "ulp"),
  cos: unary(FLOATS, "ulp"),
  integer_pow: (r) => ({ ...unary(NUMERIC, "exact")(r), params: { y: randInt(r, -5, 9) } }),
  add: binary(NUMERIC, "exact"),
  sub: binary(NUMERIC, "exact"),
  mul: binary(NUMERIC, "exact"),
  div: binary(NUMERIC, "exact"),
  max: binary(NUMERIC, "exact"),
  min: binary(NUMERIC, "exact"),
  pow: binary(FLOATS, "ulp"),
  eq: binary(DTYPES, "exact"),
  ne: binary(DTYPES, "exact"),
  lt: binary(DTYPES, "exact"),
  le: binary(DTYPES, "exact"),
  gt: binary(DTYPES, "exact"),
  ge: binary(DTYPES, "exact"),
  and: binary(["bool", "i32"], "exact"),
  or: binary(["bool", "i32"], "exact"),
  not: unary(["bool", "i32"], "exact"),
  shift_right_logical: (r) => ({ ...binary(["i32"], "exact")(r), indexInputs: [1], indexRange: 36 }),
  select_n: (r) => {
    const s = randomShape(r);
    const d = pick(r, DTYPES);
    const boolPred = r() < 0.6;
    const n = boolPred ? 2 : randInt(r, 1, 4);
    return {
      params: {},
      ins: [aval(boolPred ? "bool" : "i32", r() < 0.3 ? [] : s), ...Array.from({ length: n }, () => aval(d, s))],
      indexInputs: boolPred ? [] : [0],
      indexRange: n,
      agreement: "bits",
    };
  },
  convert_element_type: (r) => ({ params: { new_dtype: pick(r, DTYPES), saturate: r() < 0.5 }, ins: [aval(pick(r, DTYPES), randomShape(r))], agreement: "bits" }),
  reduce_precision: (r) => ({
    params: { exponent_bits: randInt(r, 1, 8), mantissa_bits: randInt(r, 0, 23) },
    ins: [aval(pick(r, FLOATS), randomShape(r))],
    agreement: "bits",
  }),
  pow2_round: (r) => ({ params: { mode: pick(r, ["down", "up"]) }, ins: [aval(pick(r, FLOATS), randomShape(r))], agreement: "exact" }),
  stop_scaling: (r) => ({ params: { dtype: r() < 0.3 ? null : pick(r, FLOATS) }, ins: [aval(pick(r, FLOATS), randomShape(r))], agreement: "bits" }),
  set_scaling: (r) => ({ params: {}, ins: [aval(pick(r, FLOATS), randomShape(r)), aval("f32", [])], agreement: "bits" }),
  rebalance: (r) => ({ params: {}, ins: [aval(pick(r, FLOATS), randomShape(r)), aval("f32", [])], agreement: "bits" }),
  dynamic_rescale: (r) => ({ params: { norm: pick(r, ["max", "l1", "l2"]) }, ins: [aval(pick(r, FLOATS), randomShape(r))], agreement: "bits" }),
  lazy_rescale: (r) => ({
    params: { norm: pick(r, ["max", "l1", "l2"]), lo: 0.125, hi: 256 },
    ins: [aval(pick(r, FLOATS), randomShape(r)), aval(pick(r, FLOATS), randomShape(r))],
    agreement: "bits",
  }),
  get_data_scale: (r) => ({ params: {}, ins: [aval(pick(r, FLOATS), randomShape(r))], agreement: "bits" }),
  reshape: (r) => {
    const s = randomShape(r, 4);
    const n = size(s);
    // Another factorisation of n (or [n], or [], n = 1).
    const out: number[] = [];
    let rest = n;
    if (n === 0) out.push(...(r() < 0.5 ? [0] : [2, 0, 3]));
    else {
      for (const f of [2, 3, 5, 2, 3]) if (rest % f === 0 && r() < 0.5) (out.push(f), (rest /= f));
      if (rest !== 1 || r() < 0.5) out.push(rest);
    }
    return { params: { new_sizes: out }, ins: [aval(pick(r, DTYPES), s)], agreement: "bits" };
  },
  transpose: (r) => {
    const s = randomShape(r, 4);
    return { params: { permutation: perm(r, s.length) }, ins: [aval(pick(r, DTYPES), s)], agreement: "bits" };
  },
  broadcast_in_dim: (r) => {
    const out = randomShape(r, 4);
    const dims = subset(r, out.length);
    return {
      params: { shape: out, broadcast_dimensions: dims },
      ins: [aval(pick(r, DTYPES), dims.map((d) => (r() < 0.3 ? 1 : out[d]!)))],
      agreement: "bits",
    };
  },
  squeeze: (r) => {
    const s = randomShape(r, 4).map((d) => (r() < 0.4 ? 1 : d));
    return { params: { dimensions: s.flatMap((d, i) => (d === 1 && r() < 0.7 ? [i] : [])) }, ins: [aval(pick(r, DTYPES), s)], agreement: "bits" };
  },
  expand_dims: (r) => {
    const s = randomShape(r, 3);
    const rank = s.length + randInt(r, 0, 2);
    return { params: { dimensions: perm(r, rank).slice(0, rank - s.length).sort((a, b) => a - b) }, ins: [aval(pick(r, DTYPES), s)], agreement: "bits" };
  },
  rev: (r) => {
    const s = randomShape(r, 4);
    return { params: { dimensions: subset(r, s.length) }, ins: [aval(pick(r, DTYPES), s)], agreement: "bits" };
  },
  slice: (r) => {
    const s = randomShape(r, 4, 7);
    const start = s.map((d) => randInt(r, 0, d));
    const limit = s.map((d, i) => randInt(r, start[i]!, d));
    return {
      params: { start_indices: start, limit_indices: limit, strides: r() < 0.5 ? null : s.map(() => randInt(r, 1, 3)) },
      ins: [aval(pick(r, DTYPES), s)],
      agreement: "bits",
    };
  },
  pad: (r) => {
    const d = pick(r, DTYPES);
    const s = randomShape(r, 3, 4);
    const config = s.map((n) => {
      const interior = randInt(r, 0, 2);
      const full = n + Math.max(0, n - 1) * interior;
      const lo = randInt(r, -Math.min(full, 3), 3);
      const hi = randInt(r, -Math.min(full + lo, 3), 3);
      return [lo, hi, interior];
    });
    return { params: { padding_config: config }, ins: [aval(d, s), aval(d, [])], literalOk: true, agreement: "bits" };
  },
  concatenate: (r) => {
    const d = pick(r, DTYPES);
    const s = randomShape(r, 3, 4);
    if (s.length === 0) s.push(randInt(r, 0, 3));
    const dim = randInt(r, 0, s.length - 1);
    const n = randInt(r, 1, 4);
    return {
      params: { dimension: dim },
      ins: Array.from({ length: n }, () => aval(d, s.map((x, i) => (i === dim ? randInt(r, 0, 4) : x)))),
      agreement: "bits",
    };
  },
  stop_gradient: unary(DTYPES, "bits"),
  dynamic_slice: (r) => {
    const s = randomShape(r, 3, 6);
    return {
      params: { slice_sizes: s.map((d) => randInt(r, 0, d)) },
      ins: [aval(pick(r, DTYPES), s), ...s.map(() => aval("i32", []))],
      indexInputs: s.map((_, i) => i + 1),
      indexRange: 6,
      agreement: "bits",
    };
  },
  dynamic_update_slice: (r) => {
    const d = pick(r, DTYPES);
    const s = randomShape(r, 3, 6);
    return {
      params: {},
      ins: [aval(d, s), aval(d, s.map((n) => randInt(r, 0, n))), ...s.map(() => aval("i32", []))],
      indexInputs: s.map((_, i) => i + 2),
      indexRange: 6,
      agreement: "bits",
    };
  },
  gather: (r) => {
    const t = takeCase(r);
    return { params: { axis: t.axis, mode: pick(r, ["clip", "fill"]) }, ins: [t.x, t.idx], indexInputs: [1], indexRange: t.x.shape[t.axis]!, agreement: "bits" };
  },
  scatter_add: (r) => {
    const t = takeCase(r);
    return {
      params: { axis: t.axis, mode: pick(r, ["clip", "fill"]) },
      ins: [t.x, t.idx, aval(t.x.dtype, t.take)],
      indexInputs: [1],
      indexRange: t.x.shape[t.axis]!,
      agreement: isFloat(t.x.dtype) ? "sum" : "exact",
    };
  },
  reduce_sum: (r) => {
    const s = randomShape(r, 4);
    const d = pick(r, NUMERIC);
    return { params: { axes: subset(r, s.length) }, ins: [aval(d, s)], agreement: d === "i32" ? "exact" : "sum" };
  },
  reduce_prod: (r) => {
    const s = randomShape(r, 4);
    const d = pick(r, NUMERIC);
    return { params: { axes: subset(r, s.length) }, ins: [aval(d, s)], agreement: d === "i32" ? "exact" : "sum" };
  },
  reduce_max: (r) => {
    const s = randomShape(r, 4);
    return { params: { axes: subset(r, s.length) }, ins: [aval(pick(r, NUMERIC), s)], agreement: "exact" };
  },
  reduce_min: (r) => {
    const s = randomShape(r, 4);
    return { params: { axes: subset(r, s.length) }, ins: [aval(pick(r, NUMERIC), s)], agreement: "exact" };
  },
  argmax: (r) => {
    const s = randomShape(r, 3).map((d) => d || 1);
    if (s.length === 0) s.push(randInt(r, 1, 5));
    return { params: { axes: [randInt(r, 0, s.length - 1)], index_dtype: "i32" }, ins: [aval(pick(r, NUMERIC), s)], agreement: "exact" };
  },
  argmin: (r) => {
    const s = randomShape(r, 3).map((d) => d || 1);
    if (s.length === 0) s.push(randInt(r, 1, 5));
    return { params: { axes: [randInt(r, 0, s.length - 1)], index_dtype: "i32" }, ins: [aval(pick(r, NUMERIC), s)], agreement: "exact" };
  },
  cumsum: (r) => {
    const s = randomShape(r, 3);
    if (s.length === 0) s.push(randInt(r, 1, 5));
    return { params: { axis: randInt(r, 0, s.length - 1), reverse: r() < 0.5 }, ins: [aval(pick(r, NUMERIC), s)], agreement: "exact" };
  },
  dot_general: dotCase,
  iota: (r) => {
    const s = randomShape(r, 3);
    if (s.length === 0) s.push(randInt(r, 1, 5));
    return { params: { dtype: pick(r, DTYPES), shape: s, dimension: randInt(r, 0, s.length - 1) }, ins: [], agreement: "bits" };
  },
  random_bits: (r) => ({ params: { shape: randomShape(r, 3, 7) }, ins: [aval("i32", [2])], agreement: "bits" }),
  custom_vjp: customVjpCase,
};

/** A random case of `prim` with its operand tensors; rank-0 operands sometimes become literals. */
export function randomCase(r: Rng, prim: Primitive): { program: Program; args: Tensor[]; agreement: Agreement; outAvals: Aval[] } {
  const c = GENERATORS[prim](r);
  const atoms: Atom[] = [];
  const inputs: Var[] = [];
  const args: Tensor[] = [];
  c.ins.forEach((a, i) => {
    const kind = c.indexInputs?.includes(i) ? "index" : "data";
    const t = randomTensor(r, a, kind, c.indexRange);
    if (c.literalOk && a.shape.length === 0 && r() < 0.4) {
      // A literal holds a value the dtype can represent (as the printer/parser would give).
      const v = t.dtype === "i32" ? (t.storage as Int32Array)[0]! : t.dtype === "bool" ? ((t.storage as Uint8Array)[0]! ? 1 : 0) : t.toFloat32Array()[0]!;
      atoms.push(new Literal(v, a.dtype));
      return;
    }
    const v = new Var(a);
    inputs.push(v);
    atoms.push(v);
    args.push(t);
  });
  const outAvals = (primitiveDef(prim).abstractEval as (p: unknown, i: readonly Aval[], op: string) => Aval[])(c.params, c.ins, prim);
  const outs = outAvals.map((a) => new Var(a));
  const program = new Program(
    inputs,
    [],
    [makeEquation(prim, c.params as Params<typeof prim>, atoms, outs)],
    outs,
    inputs.map((_, i) => `x${i}`),
  );
  return { program, args, agreement: c.agreement, outAvals };
}

// ---- comparisons ----

function ulpOfF32(x: number): number {
  const a = Math.max(Math.abs(x), 2 ** -126);
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

const MANTISSA: Record<string, number> = { f32: 23, f16: 10, bf16: 7, f8e4m3fn: 3, f8e5m2: 2 };

/** Relative size of one ulp of a float dtype at |x| (at least its subnormal quantum). */
function ulpOf(dtype: DType, x: number): number {
  if (dtype === "f32") return ulpOfF32(x);
  const minNormalExp = { f16: -14, bf16: -126, f8e4m3fn: -6, f8e5m2: -14 }[dtype as "f16"] ?? -126;
  const e = Math.max(Math.floor(Math.log2(Math.max(Math.abs(x), 2 ** minNormalExp))), minNormalExp);
  return 2 ** (e - MANTISSA[dtype]!);
}

/**
 * Why `got` (native) disagrees with `want` (reference) under `agreement`, or undefined.
 * `bound[i]` is the allowed difference of element i for "sum" (from the terms' magnitudes).
 */
/** |x| of a tensor: the sign bit cleared (every float format keeps it in its top bit). */
function absTensor(t: Tensor): Tensor {
  if (!isFloat(t.dtype)) return t;
  const s = (t.storage as Storage).slice() as Storage;
  const u = s instanceof Float32Array ? new Uint32Array(s.buffer) : s;
  const bits = s instanceof Float32Array ? 0x7fffffff : s instanceof Uint16Array ? 0x7fff : 0x7f;
  for (let i = 0; i < u.length; i++) u[i] = (u[i]! & bits) >>> 0;
  return new Tensor(t.dtype, t.shape, s as never);
}

/** Allowed differences for "sum": 2·(n + 2)·2^-24 times the result on |operands| (n = terms bound). */
export function sumBounds(program: Parameters<typeof interpret>[0], args: Tensor[], out: number): Float64Array {
  const mag = interpret(program, args.map(absTensor))[out]!;
  const n = Math.max(1, ...args.map((a) => size(a.shape)));
  const v = mag.toFloat32Array();
  return Float64Array.from(v, (x) => (Number.isNaN(x) ? Infinity : 2 * (n + 2) * 2 ** -24 * Math.abs(x)));
}

export function disagreement(got: Tensor, want: Tensor, agreement: Agreement, bound?: Float64Array): string | undefined {
  if (got.dtype !== want.dtype || got.shape.join() !== want.shape.join()) return `aval ${got.dtype}[${got.shape}] vs ${want.dtype}[${want.shape}]`;
  const gs = got.storage as Storage;
  const ws = want.storage as Storage;
  const codes = (s: Storage) => (s instanceof Float32Array ? new Uint32Array(s.buffer, s.byteOffset, s.length) : s);
  if (agreement === "bits" || !isFloat(got.dtype)) {
    const g = codes(gs);
    const w = codes(ws);
    for (let i = 0; i < g.length; i++) {
      if (g[i] === w[i]) continue;
      // Bool storage compares as truth values for computed results; f32 NaNs as NaN outside data movement.
      if (got.dtype === "bool" && agreement !== "bits" && !g[i] === !w[i]) continue;
      if (agreement !== "bits" || got.dtype === "f32") {
        const gv = (gs as Float32Array)[i];
        if (got.dtype === "f32" && Number.isNaN(gv) && Number.isNaN((ws as Float32Array)[i])) continue;
      }
      return `element ${i}: native code ${g[i]} vs reference ${w[i]}`;
    }
    return undefined;
  }
  const g = decode(gs, got.dtype);
  const w = decode(ws, want.dtype);
  for (let i = 0; i < g.length; i++) {
    const a = g[i]!;
    const b = w[i]!;
    if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) continue;
    if (agreement === "exact") return `element ${i}: native ${a} vs reference ${b}`;
    if (Number.isNaN(a) || Number.isNaN(b)) return `element ${i}: native ${a} vs reference ${b}`;
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      // Overflow near the top of the range may round either way.
      if (agreement === "sum" && Math.sign(a) === Math.sign(b)) continue;
      return `element ${i}: native ${a} vs reference ${b}`;
    }
    const dtypeUlp = got.dtype === "f32" ? 0 : ulpOf(got.dtype, Math.max(Math.abs(a), Math.abs(b)));
    const tol = agreement === "ulp" ? 2 * ulpOfF32(b) + dtypeUlp : bound![i]! + dtypeUlp + ulpOfF32(b);
    if (Math.abs(a - b) > tol) return `element ${i}: native ${a} vs reference ${b} (tolerance ${tol})`;
  }
  return undefined;
}
