// The program passes the CLI can apply (`scalify transform --pass NAME`, `scalify trace --grad
// --scalify`), by name. The one place to wire a pass in: add it here and both commands offer it.
import { isFloat } from "../ir/dtype.js";
import type { TreeDef } from "../ir/tree.js";
import { passes, type Program } from "../index.js";

export type Pass = (p: Program) => Program;

export const PASSES: Record<string, Pass> = {
  dce: passes.dce,
  cse: passes.cse,
  // The gradient with respect to the first argument (the parameters); the output must be a scalar.
  grad: (p) => passes.grad(p, { argnums: 0 }),
  // Every float input of the first argument (the parameters) becomes a scaled pair (data, scale).
  scalify: (p) => passes.scalify(p, { scaledInputs: firstArgFloatInputs(p) }),
};

export function passNames(): string[] {
  return Object.keys(PASSES).sort();
}

/**
 * Input indices of the float leaves of the program's first argument (all inputs when the in-tree
 * is not a list of arguments). Leaves already inside a ScaledArray node are scaled: skipped.
 */
export function firstArgFloatInputs(p: Program): number[] {
  const out: number[] = [];
  let i = 0;
  const walk = (t: TreeDef, take: boolean): void => {
    if (t.kind === "leaf") {
      if (take && isFloat(p.inputs[i]!.dtype)) out.push(i);
      i++;
    } else if (t.kind !== "none") {
      const scaled = t.kind === "node" && t.type === "ScaledArray";
      t.children.forEach((c) => walk(c, take && !scaled));
    }
  };
  if (p.inTree.kind === "array") p.inTree.children.forEach((c, k) => walk(c, k === 0));
  else walk(p.inTree, true);
  return out;
}
