// Checkpoints: a pytree of Tensors and ScaledArrays (parameters, optimizer state) saved as one
// .npy file per tensor plus a JSON manifest, in a directory:
//
//   DIR/manifest.json                  {"format": "scalify-checkpoint", "version": 1, "tree": …,
//                                       "tensors": [...], "metadata": {...}}
//   DIR/<path>.npy                     a plain tensor (bf16/fp8 codes with a NAME.npy.json sidecar)
//   DIR/<path>.data.npy, .scale.npy    a ScaledArray: its data (any dtype) and its f32 scale
//
// `tree` is the pytree with every array leaf replaced by {"$tensor": i}, an index into `tensors`;
// each entry of `tensors` is {path, kind: "tensor" | "scaled", dtype, shape, files}. Data and
// scales are stored bit for bit, so a loaded checkpoint resumes exactly. Every file is written
// atomically and the manifest last, so a reader sees the old checkpoint or the new one.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { DType } from "../ir/dtype.js";
import { ValidationError } from "../ir/errors.js";
import { readNpy, writeNpy } from "./npy.js";
import { ScaledArray } from "./scaled-array.js";
import { Tensor } from "./tensor.js";
import { writeFileAtomic } from "./write-atomic.js";

export const FORMAT = "scalify-checkpoint";
export const VERSION = 1;

export interface TensorEntry {
  /** The leaf's path in the tree, e.g. `params.w1` or `state.mu.w1`. */
  path: string;
  kind: "tensor" | "scaled";
  /** The dtype of the tensor, or of a ScaledArray's data. */
  dtype: DType;
  shape: number[];
  /** File names relative to the checkpoint directory: [file] or [data, scale]. */
  files: string[];
}

export interface Manifest {
  format: typeof FORMAT;
  version: number;
  tree: unknown;
  tensors: TensorEntry[];
  metadata: Record<string, unknown>;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" && (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null);
}

/** File-name-safe form of a tree path. */
function fileStem(path: string): string {
  return path.replace(/[^\w.-]/g, "_") || "root";
}

/** Writes `tree` (nested arrays and plain objects of Tensors, ScaledArrays, numbers, strings, null) to `dir`. */
export function saveCheckpoint(dir: string, tree: unknown, metadata: Record<string, unknown> = {}): Manifest {
  mkdirSync(dir, { recursive: true });
  const tensors: TensorEntry[] = [];
  const walk = (x: unknown, path: string): unknown => {
    if (x instanceof ScaledArray) {
      const stem = fileStem(path);
      const files = [`${stem}.data.npy`, `${stem}.scale.npy`];
      writeNpy(join(dir, files[0]!), x.data);
      writeNpy(join(dir, files[1]!), x.scale);
      tensors.push({ path, kind: "scaled", dtype: x.data.dtype, shape: [...x.data.shape], files });
      return { $tensor: tensors.length - 1 };
    }
    if (x instanceof Tensor) {
      const files = [`${fileStem(path)}.npy`];
      writeNpy(join(dir, files[0]!), x);
      tensors.push({ path, kind: "tensor", dtype: x.dtype, shape: [...x.shape], files });
      return { $tensor: tensors.length - 1 };
    }
    if (Array.isArray(x)) return x.map((c, i) => walk(c, path ? `${path}.${i}` : String(i)));
    if (isPlainObject(x)) return Object.fromEntries(Object.keys(x).map((k) => [k, walk(x[k], path ? `${path}.${k}` : k)]));
    if (x === null || typeof x === "number" || typeof x === "string" || typeof x === "boolean") return x;
    throw new ValidationError(`cannot save a ${typeof x} in a checkpoint`, path || "tree");
  };
  const manifest: Manifest = { format: FORMAT, version: VERSION, tree: walk(tree, ""), tensors, metadata };
  writeFileAtomic(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}

export interface Checkpoint {
  tree: any;
  metadata: Record<string, any>;
  manifest: Manifest;
}

/** Reads a checkpoint written by saveCheckpoint: the tree (Tensors and ScaledArrays) and its metadata. */
export function loadCheckpoint(dir: string): Checkpoint {
  const file = join(dir, "manifest.json");
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(file, "utf8")) as Manifest;
  } catch (e) {
    throw new ValidationError(`cannot read the checkpoint manifest: ${(e as Error).message}`, file);
  }
  if (manifest?.format !== FORMAT) throw new ValidationError(`not a ${FORMAT} manifest`, `${file}: format`);
  if (manifest.version !== VERSION) throw new ValidationError(`unsupported version ${manifest.version} (this reader knows ${VERSION})`, `${file}: version`);
  const load = (i: number): Tensor | ScaledArray => {
    const e = manifest.tensors[i];
    if (!e) throw new ValidationError(`no tensor ${i}`, `${file}: tree`);
    const read = (f: string) => readNpy(join(dir, f));
    const check = (t: Tensor): Tensor => {
      if (t.dtype !== e.dtype || t.shape.length !== e.shape.length || t.shape.some((d, j) => d !== e.shape[j]))
        throw new ValidationError(`${e.files[0]} holds ${t.dtype}[${t.shape.join(",")}], the manifest says ${e.dtype}[${e.shape.join(",")}]`, `${file}: tensors.${i}`);
      return t;
    };
    if (e.kind === "scaled") return new ScaledArray(check(read(e.files[0]!)), read(e.files[1]!));
    return check(read(e.files[0]!));
  };
  const build = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(build);
    if (isPlainObject(x)) {
      if (typeof x.$tensor === "number" && Object.keys(x).length === 1) return load(x.$tensor);
      return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, build(v)]));
    }
    return x;
  };
  return { tree: build(manifest.tree), metadata: manifest.metadata ?? {}, manifest };
}
