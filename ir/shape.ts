// Shapes and abstract values ("avals": dtype + shape, as in JAX).
import type { DType } from "./dtype.js";

export type Shape = readonly number[];

export interface Aval {
  readonly dtype: DType;
  readonly shape: Shape;
}

export function size(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeEquals(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function avalEquals(a: Aval, b: Aval): boolean {
  return a.dtype === b.dtype && shapeEquals(a.shape, b.shape);
}

export function shapeToString(s: Shape): string {
  return `[${s.join(",")}]`;
}

/** `f32[8,784]`: the type syntax of the IR text and of the CLI's `--arg`. */
export function avalToString(a: Aval): string {
  return `${a.dtype}${shapeToString(a.shape)}`;
}

/** Row-major strides in elements. */
export function strides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Normalise a possibly negative axis; returns undefined when out of range. */
export function normAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return Number.isInteger(a) && a >= 0 && a < rank ? a : undefined;
}

export function isValidShape(s: unknown): s is number[] {
  return Array.isArray(s) && s.every((d) => Number.isInteger(d) && d >= 0);
}
