// The one primitive catalogue. Every pass keys its rule table by `Primitive`, typed as a mapped
// type over this union, so adding a primitive here without a rule elsewhere fails to compile.
import type { z } from "zod";
import type { PrimitiveDef } from "./define.js";
import { elementwise } from "./elementwise.js";
import { indexing } from "./indexing.js";
import { linalg } from "./linalg.js";
import { misc } from "./misc.js";
import { reductions } from "./reductions.js";
import { scaling } from "./scaling.js";
import { shapeOps } from "./shape-ops.js";

export const CATALOGUE = { ...elementwise, ...shapeOps, ...indexing, ...reductions, ...linalg, ...misc, ...scaling } as const;

export type Catalogue = typeof CATALOGUE;
export type Primitive = keyof Catalogue;
export type Params<P extends Primitive> = z.infer<Catalogue[P]["params"]>;

/** A rule table of a pass: one entry per primitive, `R<P>` typed by the primitive. */
export type RuleTable<R extends { [P in Primitive]: unknown }> = { [P in Primitive]: R[P] };

export const PRIMITIVES = Object.keys(CATALOGUE).sort() as Primitive[];

export function isPrimitive(name: string): name is Primitive {
  return Object.prototype.hasOwnProperty.call(CATALOGUE, name);
}

export function primitiveDef<P extends Primitive>(p: P): PrimitiveDef<Catalogue[P]["params"]> {
  return CATALOGUE[p] as unknown as PrimitiveDef<Catalogue[P]["params"]>;
}
