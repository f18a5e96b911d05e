// Shape and data-movement primitives: property tests on random shapes and params against the
// oracle's explicit index math. Data are storage codes of several dtypes (NaN payloads included),
// so the check is bit for bit.
import { describe, expect, it } from "vitest";
import type { DType, StorageMap } from "../../ir/dtype.js";
import type { Tensor } from "../../runtime/tensor.js";
import { codes, ev, randInt, rng } from "./helpers.js";
import * as o from "./oracle.js";

type Rand = () => number;
const TRIALS = 60;

function randomShape(r: Rand, maxRank = 4, maxDim = 4): number[] {
  return Array.from({ length: randInt(r, 0, maxRank) }, () => randInt(r, 0, maxDim));
}

/** A tensor of random codes of a random dtype, and its oracle view (the codes as numbers). */
function randomTensor(r: Rand, shape: number[], dtype?: DType): [Tensor, o.Nd] {
  const dt = dtype ?? (["f32", "bf16", "f8e5m2", "i32", "bool"] as const)[randInt(r, 0, 4)]!;
  const n = o.prod(shape);
  let storage: StorageMap[DType];
  if (dt === "f32") storage = new Float32Array(new Uint32Array(Array.from({ length: n }, () => (r() * 2 ** 32) >>> 0)).buffer);
  else if (dt === "i32") storage = Int32Array.from({ length: n }, () => (r() * 2 ** 32) | 0);
  else if (dt === "bf16") storage = Uint16Array.from({ length: n }, () => randInt(r, 0, 0xffff));
  else storage = Uint8Array.from({ length: n }, () => randInt(r, 0, dt === "bool" ? 1 : 0xff));
  const tensor = codes(storage, dt, shape);
  return [tensor, { shape, data: bitsOf(tensor) }];
}

/** Storage codes as numbers (f32 through its bit pattern, so NaN payloads compare). */
function bitsOf(x: Tensor): number[] {
  const s = x.storage;
  return s instanceof Float32Array ? Array.from(new Uint32Array(s.buffer, s.byteOffset, s.length)) : Array.from(s as ArrayLike<number>);
}

function check(got: Tensor, want: o.Nd, dtype: DType): void {
  expect(got.dtype).toBe(dtype);
  expect([...got.shape]).toEqual(want.shape);
  expect(bitsOf(got)).toEqual(want.data);
}

/** Runs `body` on TRIALS random cases from a seeded PRNG. */
function property(name: string, seed: number, body: (r: Rand) => void): void {
  it(name, () => {
    const r = rng(seed);
    for (let i = 0; i < TRIALS; i++) body(r);
  });
}

function shuffle<T>(r: Rand, xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = randInt(r, 0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

describe("shape ops on random shapes (property tests)", () => {
  property("reshape keeps row-major order", 1, (r) => {
    const shape = randomShape(r);
    const [x, ox] = randomTensor(r, shape);
    const n = o.prod(shape);
    const newShape = n === 0 ? [0, randInt(r, 1, 3)] : r() < 0.5 ? [n] : [1, n, 1];
    check(ev("reshape", { new_sizes: newShape }, x), { shape: newShape, data: ox.data }, x.dtype);
  });
  property("transpose", 2, (r) => {
    const [x, ox] = randomTensor(r, randomShape(r));
    const perm = shuffle(r, x.shape.map((_, i) => i));
    check(ev("transpose", { permutation: perm }, x), o.transpose(ox, perm), x.dtype);
  });
  property("broadcast_in_dim", 3, (r) => {
    const outShape = randomShape(r, 4, 3);
    const dims = outShape.map((_, i) => i).filter(() => r() < 0.6);
    const inShape = dims.map((d) => (r() < 0.3 ? 1 : outShape[d]!));
    const [x, ox] = randomTensor(r, inShape);
    check(ev("broadcast_in_dim", { shape: outShape, broadcast_dimensions: dims }, x), o.broadcastInDim(ox, outShape, dims), x.dtype);
  });
  property("squeeze and expand_dims", 4, (r) => {
    const base = randomShape(r, 3);
    const positions = base.map(() => r() < 0.5);
    const withOnes: number[] = [];
    const ones: number[] = [];
    base.forEach((d, i) => {
      if (positions[i]) ones.push(withOnes.push(1) - 1);
      withOnes.push(d);
    });
    const [x, ox] = randomTensor(r, base);
    const expanded = ev("expand_dims", { dimensions: ones }, x);
    check(expanded, { shape: withOnes, data: ox.data }, x.dtype);
    check(ev("squeeze", { dimensions: ones }, expanded), ox, x.dtype);
  });
  property("rev", 5, (r) => {
    const [x, ox] = randomTensor(r, randomShape(r));
    const dims = x.shape.map((_, i) => i).filter(() => r() < 0.5);
    check(ev("rev", { dimensions: dims }, x), o.rev(ox, dims), x.dtype);
  });
  property("slice with strides", 6, (r) => {
    const [x, ox] = randomTensor(r, randomShape(r, 4, 6));
    const start = x.shape.map((d) => randInt(r, 0, d));
    const limit = x.shape.map((d, i) => randInt(r, start[i]!, d));
    const strides = r() < 0.3 ? null : x.shape.map(() => randInt(r, 1, 3));
    check(ev("slice", { start_indices: start, limit_indices: limit, strides }, x), o.slice(ox, start, limit, strides), x.dtype);
  });
  property("pad with negative low/high and interior", 7, (r) => {
    const [x, ox] = randomTensor(r, randomShape(r, 3, 4));
    const config = x.shape.map((d) => {
      const interior = randInt(r, 0, 2);
      const full = d + Math.max(0, d - 1) * interior;
      const lo = randInt(r, -Math.min(2, full), 2);
      const hi = randInt(r, -Math.min(2, full + lo), 2);
      return [lo, hi, interior] as [number, number, number];
    });
    const [v, ov] = randomTensor(r, [], x.dtype);
    check(ev("pad", { padding_config: config }, x, v), o.pad(ox, ov.data[0]!, config), x.dtype);
  });
  property("concatenate", 8, (r) => {
    const shape = randomShape(r, 3);
    if (shape.length === 0) shape.push(2);
    const dim = randInt(r, 0, shape.length - 1);
    const dtype = (["f32", "bf16", "i32"] as const)[randInt(r, 0, 2)];
    const parts = Array.from({ length: randInt(r, 1, 3) }, () => randomTensor(r, shape.map((d, i) => (i === dim ? randInt(r, 0, 3) : d)), dtype));
    check(ev("concatenate", { dimension: dim }, ...parts.map((p) => p[0])), o.concatenate(parts.map((p) => p[1]), dim), dtype);
  });
  property("stop_gradient is the identity", 9, (r) => {
    const [x, ox] = randomTensor(r, randomShape(r));
    check(ev("stop_gradient", {}, x), ox, x.dtype);
  });
  property("iota along each dimension, in every dtype", 10, (r) => {
    const shape = randomShape(r, 3, 5);
    if (shape.length === 0) return;
    const dimension = randInt(r, 0, shape.length - 1);
    for (const dtype of ["f32", "i32", "bf16", "f8e4m3fn", "bool"] as const) {
      const got = ev("iota", { dtype, shape, dimension }, );
      const want = o.build(shape, (idx) => idx[dimension]!);
      expect(got.dtype).toBe(dtype);
      const values = dtype === "i32" ? Array.from(got.storage as Int32Array) : Array.from(got.toFloat32Array());
      expect(values).toEqual(want.data.map((v) => (dtype === "bool" ? (v ? 1 : 0) : v)));
    }
  });
});

describe("shape ops: outputs never alias inputs", () => {
  it("reshape copies the storage", () => {
    const [x] = randomTensor(rng(11), [2, 3], "f32");
    const y = ev("reshape", { new_sizes: [6] }, x);
    expect(y.storage).not.toBe(x.storage);
  });
});
