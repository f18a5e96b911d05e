// Constant tensors in text and JSON: base64 of the little-endian storage bytes (DESIGN.md "The IR").
import { allocStorage, itemSize, type DType, type Storage } from "./dtype.js";

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function littleEndianBytes(storage: Storage, width: number): Uint8Array {
  const bytes = new Uint8Array(storage.buffer, storage.byteOffset, storage.byteLength).slice();
  if (!HOST_LITTLE_ENDIAN && width > 1) for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
  return bytes;
}

export function storageToBase64(dtype: DType, storage: Storage): string {
  return Buffer.from(littleEndianBytes(storage, itemSize(dtype))).toString("base64");
}

/** Strict: only the canonical base64 of some byte string (Buffer alone silently skips bad characters). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The storage for `count` elements of `dtype`, or a message saying why `data` is not that. */
export function storageFromBase64(dtype: DType, count: number, data: string): Storage | string {
  if (!BASE64.test(data)) return "malformed base64";
  const buf = Buffer.from(data, "base64");
  if (buf.toString("base64") !== data) return "malformed base64 (non-canonical padding bits)";
  const width = itemSize(dtype);
  if (buf.length !== count * width) return `constant data has ${buf.length} bytes, ${dtype} × ${count} needs ${count * width}`;
  const storage = allocStorage(dtype, count);
  const out = new Uint8Array(storage.buffer, storage.byteOffset, storage.byteLength);
  out.set(buf);
  if (!HOST_LITTLE_ENDIAN && width > 1) for (let i = 0; i < out.length; i += width) out.subarray(i, i + width).reverse();
  return storage;
}
