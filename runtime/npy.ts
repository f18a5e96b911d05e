// NumPy `.npy` files (format 1.0/2.0/3.0, as numpy.lib.format writes them): little-endian, C order.
// NumPy has no bf16 or fp8, so those are stored as their codes ('<u2', '|u1', what ml_dtypes
// arrays hold) with the dtype named in a sidecar `NAME.npy.json`; a ScaledArray is the pair
// `NAME.data.npy` + `NAME.scale.npy` (DESIGN.md "Public API", Files).
import { existsSync, readFileSync, rmSync } from "node:fs";
import { allocStorage, isDType, itemSize, type DType, type StorageMap } from "../ir/dtype.js";
import { ValidationError } from "../ir/errors.js";
import { size } from "../ir/shape.js";
import { ScaledArray } from "./scaled-array.js";
import { Tensor } from "./tensor.js";
import { writeFileAtomic } from "./write-atomic.js";

const DESCR: Record<DType, string> = {
  f32: "<f4",
  f16: "<f2",
  bf16: "<u2",
  f8e4m3fn: "|u1",
  f8e5m2: "|u1",
  i32: "<i4",
  bool: "|b1",
};

/** Dtypes whose codes numpy cannot name: their descr is an unsigned int and a sidecar says what it holds. */
export function needsSidecar(dtype: DType): boolean {
  return dtype === "bf16" || dtype === "f8e4m3fn" || dtype === "f8e5m2";
}

const MAGIC = Uint8Array.from([0x93, ...Buffer.from("NUMPY", "latin1")]);
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(detail: string, path: string): never {
  throw new ValidationError(detail, path);
}

// ---- header ----

interface Header {
  descr: string;
  shape: number[];
  dataOffset: number;
}

function parseHeader(bytes: Uint8Array): Header {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) fail("not a .npy file (bad magic string)", "magic");
  const major = bytes[6]!;
  if (major < 1 || major > 3) fail(`unsupported .npy format version ${major}.${bytes[7]}`, "version");
  // 1.0 has a 2-byte header length; 2.0 (and 3.0, which only allows utf-8 in the header) a 4-byte one.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) fail("truncated header", "header");
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (bytes.length < start + headerLen) fail(`truncated header: needs ${headerLen} bytes, the file has ${bytes.length - start}`, "header");
  const text = Buffer.from(bytes.subarray(start, start + headerLen)).toString(major === 3 ? "utf8" : "latin1").trim();
  if (!text.startsWith("{") || !text.endsWith("}")) fail(`header is not a Python dict literal: ${text.slice(0, 80)}`, "header");

  // The header is a dict literal with exactly these three keys (numpy writes nothing else).
  const key = (name: string, value: string) => new RegExp(`['"]${name}['"]\\s*:\\s*${value}`).exec(text);
  const descr = key("descr", `(['"])([^'"]*)\\1`)?.[2];
  const fortran = key("fortran_order", "(True|False)")?.[1];
  const shapeText = key("shape", "\\(([^)]*)\\)")?.[1];
  if (descr === undefined) fail("header has no 'descr' string (structured dtypes are not supported)", "descr");
  if (fortran === undefined) fail("header has no 'fortran_order'", "fortran_order");
  if (fortran === "True") fail("Fortran-order arrays are not supported; save a C-order array (np.ascontiguousarray)", "fortran_order");
  if (shapeText === undefined) fail("header has no 'shape' tuple", "shape");
  const dims = shapeText.split(",").map((s) => s.trim());
  if (dims.at(-1) === "") dims.pop(); // `(8,)` and `()`
  const shape = dims.map((d) => (/^\d+$/.test(d) ? Number(d) : fail(`bad dimension ${JSON.stringify(d)}`, "shape")));
  return { descr, shape, dataOffset: start + headerLen };
}

/** '<f4' and '=f4' alike on a little-endian host; one-byte types have no byte order. */
function normaliseDescr(descr: string): string {
  const m = /^([<>=|])?([a-zA-Z])(\d+)$/.exec(descr);
  if (!m) return descr;
  const [, order = "=", kind, width] = m;
  if (width === "1") return `|${kind}1`;
  if (order === ">" || (order === "=" && !HOST_LITTLE_ENDIAN)) fail(`big-endian data (${JSON.stringify(descr)}) is not supported; save little-endian (arr.astype(arr.dtype.newbyteorder('<')))`, "descr");
  return `<${kind}${width}`;
}

const SUPPORTED = "'<f4' f32, '<f2' f16, '<i4' i32, '|b1' bool, and '<u2' (bf16) or '|u1' (fp8) codes with a sidecar NAME.npy.json";

function dtypeFor(descr: string, hint: DType | undefined): DType {
  const d = normaliseDescr(descr);
  const candidates = (Object.keys(DESCR) as DType[]).filter((k) => DESCR[k] === d);
  if (candidates.length === 0) fail(`unsupported dtype ${JSON.stringify(descr)}; supported: ${SUPPORTED}`, "descr");
  if (hint !== undefined) {
    if (!candidates.includes(hint)) fail(`the sidecar says ${hint}, which is stored as ${JSON.stringify(DESCR[hint])}, but the data is ${JSON.stringify(descr)}`, "descr");
    return hint;
  }
  const plain = candidates.filter((c) => !needsSidecar(c));
  if (plain.length === 0) fail(`${JSON.stringify(descr)} holds ${candidates.join(" or ")} codes only with a sidecar NAME.npy.json such as {"dtype": "${candidates[0]}"}`, "descr");
  return plain[0]!;
}

// ---- bytes ↔ tensors ----

/** Little-endian storage bytes (a copy, so that the result may be written while the tensor lives on). */
function storageBytes(t: Tensor): Uint8Array {
  const s = t.storage;
  const bytes = new Uint8Array(s.buffer, s.byteOffset, s.byteLength).slice();
  const w = itemSize(t.dtype);
  if (!HOST_LITTLE_ENDIAN && w > 1) for (let i = 0; i < bytes.length; i += w) bytes.subarray(i, i + w).reverse();
  return bytes;
}

/** A .npy file's bytes. bf16 and fp8 tensors become their codes: write the sidecar too (writeNpy does). */
export function encodeNpy(t: Tensor): Uint8Array {
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(", ")})`;
  const dict = `{'descr': '${DESCR[t.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  // numpy pads the header with spaces and a newline so the data starts at a multiple of 64 bytes,
  // and uses version 2.0 (a 4-byte length) only when the header does not fit in 1.0's 2 bytes.
  const padded = (prefix: number) => dict.padEnd(Math.ceil((prefix + dict.length + 1) / 64) * 64 - prefix - 1, " ") + "\n";
  const v1 = padded(10).length <= 0xffff;
  const prefix = v1 ? 10 : 12;
  const header = padded(prefix);
  const data = storageBytes(t);
  const out = new Uint8Array(prefix + header.length + data.length);
  out.set(MAGIC, 0);
  out[6] = v1 ? 1 : 2;
  const view = new DataView(out.buffer);
  if (v1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(Buffer.from(header, "latin1"), prefix);
  out.set(data, prefix + header.length);
  return out;
}

/** A tensor from .npy bytes; `dtypeHint` (from a sidecar) says what '<u2' / '|u1' codes are. */
export function decodeNpy(bytes: Uint8Array, dtypeHint?: DType): Tensor {
  const { descr, shape, dataOffset } = parseHeader(bytes);
  const dtype = dtypeFor(descr, dtypeHint);
  const n = size(shape);
  const need = n * itemSize(dtype);
  const have = bytes.length - dataOffset;
  if (have < need) fail(`truncated data: shape (${shape.join(", ")}) of ${dtype} needs ${need} bytes, the file has ${have}`, "data");
  if (have > need) fail(`${have - need} unexpected bytes after the data`, "data");
  const storage = allocStorage(dtype, n);
  const out = new Uint8Array(storage.buffer);
  out.set(bytes.subarray(dataOffset, dataOffset + need)); // copies, which also aligns the data
  const w = itemSize(dtype);
  if (!HOST_LITTLE_ENDIAN && w > 1) for (let i = 0; i < out.length; i += w) out.subarray(i, i + w).reverse();
  if (dtype === "bool") for (let i = 0; i < n; i++) out[i] = out[i] ? 1 : 0;
  return new Tensor(dtype, shape, storage as StorageMap[DType]);
}

// ---- files ----

function sidecarPath(file: string): string {
  return `${file}.json`;
}

function readSidecar(file: string): DType | undefined {
  const path = sidecarPath(file);
  if (!existsSync(path)) return undefined;
  let obj: unknown;
  try {
    obj = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    fail(`invalid JSON: ${(e as Error).message}`, path);
  }
  const dtype = (obj as { dtype?: unknown } | null)?.dtype;
  if (typeof dtype !== "string" || !isDType(dtype)) fail(`expected {"dtype": NAME} with a known dtype, got ${JSON.stringify(obj)}`, `${path}: dtype`);
  return dtype;
}

/** Errors name the file before the field: `x.npy: descr: …`. */
function inFile<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ValidationError && !e.path.startsWith(file)) throw new ValidationError(e.detail, `${file}: ${e.path}`);
    throw e;
  }
}

export function readNpy(file: string): Tensor {
  return inFile(file, () => decodeNpy(readFileSync(file), readSidecar(file)));
}

/** Writes the file atomically, plus the sidecar for bf16/fp8 (a stale sidecar is removed). */
export function writeNpy(file: string, t: Tensor): void {
  writeFileAtomic(file, encodeNpy(t));
  if (needsSidecar(t.dtype)) writeFileAtomic(sidecarPath(file), `${JSON.stringify({ dtype: t.dtype })}\n`);
  else rmSync(sidecarPath(file), { force: true });
}

/** `NAME.data.npy` and `NAME.scale.npy` for `NAME` or `NAME.npy`. */
export function scaledNpyPaths(name: string): { data: string; scale: string } {
  const stem = name.replace(/\.npy$/, "");
  return { data: `${stem}.data.npy`, scale: `${stem}.scale.npy` };
}

export function readScaledNpy(name: string): ScaledArray {
  const paths = scaledNpyPaths(name);
  const data = readNpy(paths.data);
  const scale = readNpy(paths.scale);
  try {
    return new ScaledArray(data, scale);
  } catch (e) {
    throw new ValidationError((e as Error).message, paths.scale);
  }
}

export function writeScaledNpy(name: string, s: ScaledArray): void {
  const paths = scaledNpyPaths(name);
  writeNpy(paths.data, s.data);
  writeNpy(paths.scale, s.scale);
}
