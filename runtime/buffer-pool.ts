// Memory of deleted tensors, kept for later results of the native backend. A fresh large
// allocation costs a pass over memory before a kernel writes it (the OS maps and zeroes its pages
// on first touch; for `npm run bench` (d), 64 MB per call, a third of the time), so the native
// backend writes results of these sizes into memory handed back by `Tensor.delete()` when it has
// some (runtime/native/backend.ts). The buffers are moved here by transfer (the deleted tensor's
// views are detached: nothing else can read or write them), keyed by byte length.

/** Smaller buffers come from the allocator's own free lists, not fresh pages: not worth keeping. */
export const POOL_MIN_BYTES = 1 << 20;
/** What the pool keeps at most; past it, deleted memory is left to the garbage collector. */
export const POOL_MAX_BYTES = 1 << 30;

const free = new Map<number, ArrayBuffer[]>();
let held = 0;

/**
 * Takes back the memory of a typed array that owns its whole (non-shared) buffer: detaches it,
 * and keeps it for reuse when it is large enough. Views of part of a buffer are left alone.
 */
export function releaseStorage(s: ArrayBufferView): void {
  const buf = s.buffer;
  if (!(buf instanceof ArrayBuffer) || s.byteOffset !== 0 || s.byteLength !== buf.byteLength || buf.byteLength === 0) return;
  const moved = structuredClone(buf, { transfer: [buf] });
  if (moved.byteLength < POOL_MIN_BYTES || held + moved.byteLength > POOL_MAX_BYTES) return;
  const list = free.get(moved.byteLength);
  if (list) list.push(moved);
  else free.set(moved.byteLength, [moved]);
  held += moved.byteLength;
}

/** A kept buffer of exactly `bytes` bytes, removed from the pool; undefined if there is none. */
export function takeBuffer(bytes: number): ArrayBuffer | undefined {
  if (bytes < POOL_MIN_BYTES) return undefined;
  const b = free.get(bytes)?.pop();
  if (b) held -= bytes;
  return b;
}

/** Bytes kept for reuse (tests, diagnostics). */
export function pooledBytes(): number {
  return held;
}
