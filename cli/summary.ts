// One-line descriptions of values for `run` and `demo`: `f32[8,10] [0.1234, -1.5, …]`.
import { avalToString } from "../ir/shape.js";
import type { Tensor } from "../index.js";

export function describeTensor(t: Tensor, count = 4): string {
  const values = t.dtype === "i32" ? Array.from(t.storage as Int32Array) : Array.from(t.toFloat32Array());
  const shown = values.slice(0, count).map((v) => (t.dtype === "bool" ? String(v !== 0) : formatNumber(v)));
  return `${avalToString(t)} [${shown.join(", ")}${values.length > count ? ", …" : ""}]`;
}

/** Four significant digits, without exponent noise for ordinary magnitudes. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e6 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
}

export function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}
