// Concrete tensors: a dtype, a shape and typed-array storage (DESIGN.md "Dtypes and numerics").
import { allocStorage, storageMatches, type DType, type Storage, type StorageMap } from "../ir/dtype.js";
import { ValidationError } from "../ir/errors.js";
import { isValidShape, shapeToString, size, type Aval, type Shape } from "../ir/shape.js";
import { releaseStorage } from "./buffer-pool.js";
import { decode, encode } from "./numerics/codec.js";

/** Nested arrays of numbers, as `toArray()` returns and `array()` accepts. */
export type NestedNumbers = number | boolean | NestedNumbers[];

/**
 * A tensor value. The type parameters are phantom: `Tensor<"f32", [8, 784]>` documents (and lets
 * the CLI read from a model file) what a traced function expects. Tracers subclass this, so
 * user code is typed against one class in eager and traced mode alike.
 */
export class Tensor<D extends DType = DType, S extends Shape = Shape> implements Aval {
  #storage: StorageMap[D] | undefined;
  #deleted = false;

  constructor(
    readonly dtype: D,
    readonly shape: S,
    storage?: StorageMap[D],
  ) {
    if (storage !== undefined) {
      if (!storageMatches(dtype, storage)) throw new TypeError(`storage for ${dtype} must be a ${allocStorage(dtype, 0).constructor.name}`);
      if (storage.length !== size(shape))
        throw new TypeError(`storage has ${storage.length} elements but shape ${shapeToString(shape)} needs ${size(shape)}`);
    }
    this.#storage = storage;
  }

  /** The storage: f32 values, f16/bf16 bits, fp8 codes, i32 values or bool bytes. */
  get storage(): StorageMap[D] {
    const s = this.#storage;
    if (s === undefined) throw new TypeError(this.#deleted ? `${this.dtype}${shapeToString(this.shape)} tensor was deleted (Tensor.delete)` : "tensor has no concrete value");
    // Another tensor over the same memory was deleted, which detached it.
    if (s.byteLength === 0 && s.length === 0 && this.size !== 0) throw new TypeError(`the memory of this ${this.dtype}${shapeToString(this.shape)} tensor was deleted through another tensor sharing it (Tensor.delete)`);
    return s;
  }

  /**
   * Frees the tensor's memory now instead of at garbage collection, as JAX's `Array.delete()`:
   * the native backend writes later results of the same size into it (large ones: see
   * runtime/buffer-pool.ts). The tensor, and every typed array over its storage, is empty
   * afterwards (the memory is detached); reading it throws. A tensor whose storage is a view of
   * part of a larger buffer only drops its reference. Memory already freed through another
   * tensor sharing it is left as it is.
   */
  delete(): void {
    if (this.#deleted) return;
    if (this.#storage === undefined) throw new TypeError("tensor has no concrete value");
    const s = this.#storage;
    this.#deleted = true;
    this.#storage = undefined;
    if (s.byteLength > 0) releaseStorage(s);
  }

  /** Whether delete() was called (as JAX's `Array.is_deleted()`). */
  isDeleted(): boolean {
    return this.#deleted;
  }

  /** False for tracers: their values exist only when the traced program runs. */
  get isConcrete(): boolean {
    return this.#storage !== undefined || this.#deleted;
  }

  get size(): number {
    return size(this.shape);
  }
  get ndim(): number {
    return this.shape.length;
  }
  get aval(): Aval {
    return { dtype: this.dtype, shape: this.shape };
  }

  /** The storage itself (codes for low-precision dtypes). */
  bits(): StorageMap[D] {
    return this.storage;
  }

  /** Values as f32 (low-precision codes decoded; i32 and bool converted). */
  toFloat32Array(): Float32Array {
    return decode(this.storage as Storage, this.dtype);
  }

  /** Values as nested JS arrays (numbers; booleans for bool). */
  toArray(): NestedNumbers {
    const flat = this.dtype === "i32" ? Array.from(this.storage as Int32Array) : Array.from(this.toFloat32Array());
    const vals: NestedNumbers[] = this.dtype === "bool" ? flat.map((v) => v !== 0) : flat;
    return nest(vals, this.shape, 0, 0)[0];
  }

  /** The single value of a size-1 tensor. */
  item(): number {
    if (this.size !== 1) throw new TypeError(`item() needs a tensor of size 1, got shape ${shapeToString(this.shape)}`);
    return this.dtype === "i32" ? (this.storage as Int32Array)[0]! : this.toFloat32Array()[0]!;
  }

  toString(): string {
    return `Tensor(${this.dtype}${shapeToString(this.shape)}, ${JSON.stringify(this.#storage ? this.toArray() : this.#deleted ? "<deleted>" : "<traced>")})`;
  }
}

function nest(flat: NestedNumbers[], shape: Shape, dim: number, offset: number): [NestedNumbers, number] {
  if (dim === shape.length) return [flat[offset]!, offset + 1];
  const out: NestedNumbers[] = [];
  for (let i = 0; i < shape[dim]!; i++) {
    const [v, next] = nest(flat, shape, dim + 1, offset);
    out.push(v);
    offset = next;
  }
  return [out, offset];
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

/** A tensor of zeros (all-zero storage is 0 in every dtype we have). */
export function zeros<D extends DType>(dtype: D, shape: Shape): Tensor<D> {
  return new Tensor(dtype, shape, allocStorage(dtype, size(shape)));
}

/** A tensor from storage of codes, as `sf.fromBits`. */
export function fromBits<D extends DType>(storage: StorageMap[D], dtype: D, shape: Shape): Tensor<D> {
  if (!isValidShape(shape)) throw new ValidationError(`invalid shape ${JSON.stringify(shape)}`, "shape");
  return new Tensor(dtype, [...shape], storage);
}

/** Infer the shape of nested arrays, checking they are rectangular. */
export function inferShape(values: unknown, path = "values"): number[] {
  if (!Array.isArray(values)) return [];
  if (values.length === 0) return [0];
  const inner = inferShape(values[0], `${path}[0]`);
  values.forEach((v, i) => {
    const s = inferShape(v, `${path}[${i}]`);
    if (s.length !== inner.length || s.some((d, j) => d !== inner[j])) throw new ValidationError("ragged nested array", `${path}[${i}]`);
  });
  return [values.length, ...inner];
}

export interface ArrayOptions {
  dtype?: DType;
  shape?: Shape;
  saturate?: boolean;
}

/** `sf.array`: numbers, nested arrays, or a Float32Array of values → Tensor (values are rounded to the dtype). */
export function array(values: NestedNumbers | ArrayLike<number>, opts: ArrayOptions = {}): Tensor {
  const dtype = opts.dtype ?? "f32";
  let flat: ArrayLike<number>;
  let shape: number[];
  if (ArrayBuffer.isView(values)) {
    flat = values as unknown as ArrayLike<number>;
    shape = [flat.length];
  } else {
    shape = inferShape(values);
    flat = (Array.isArray(values) ? (values as unknown[]).flat(Infinity) : [values]).map(Number);
  }
  if (opts.shape) {
    if (!isValidShape(opts.shape)) throw new ValidationError(`invalid shape ${JSON.stringify(opts.shape)}`, "shape");
    if (size(opts.shape) !== flat.length)
      throw new ValidationError(`${flat.length} values do not fill shape ${shapeToString(opts.shape)}`, "shape");
    shape = [...opts.shape];
  }
  return new Tensor(dtype, shape, encode(flat, dtype, { saturate: opts.saturate ?? false }) as StorageMap[typeof dtype]);
}
