// Pytrees (JAX's tree utilities): nested arrays and plain objects; leaves are tensors, numbers
// and anything else that is not a container; ScaledArray is a registered node (data, scale).
import { type TreeDef } from "../ir/tree.js";
import { ScaledArray } from "../runtime/scaled-array.js";
import type { Tensor } from "../runtime/tensor.js";

export type PyTree<L = unknown> = L | null | undefined | PyTree<L>[] | { [k: string]: PyTree<L> } | ScaledArray;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Leaves in order and the tree structure. Object keys are sorted, as JAX sorts dict keys. */
export function flatten(tree: unknown): [unknown[], TreeDef] {
  const leaves: unknown[] = [];
  const walk = (x: unknown): TreeDef => {
    if (x === null || x === undefined) return { kind: "none" };
    if (Array.isArray(x)) return { kind: "array", children: x.map(walk) };
    if (x instanceof ScaledArray) return { kind: "node", type: "ScaledArray", children: [walk(x.data), walk(x.scale)] };
    if (isPlainObject(x)) {
      const keys = Object.keys(x).sort();
      return { kind: "object", keys, children: keys.map((k) => walk(x[k])) };
    }
    leaves.push(x);
    return { kind: "leaf" };
  };
  const def = walk(tree);
  return [leaves, def];
}

export function unflatten(def: TreeDef, leaves: readonly unknown[]): unknown {
  let i = 0;
  const build = (t: TreeDef): unknown => {
    switch (t.kind) {
      case "leaf":
        if (i >= leaves.length) throw new TypeError(`unflatten: tree needs more than ${leaves.length} leaves`);
        return leaves[i++];
      case "none":
        return null;
      case "array":
        return t.children.map(build);
      case "object":
        return Object.fromEntries(t.keys.map((k, j) => [k, build(t.children[j]!)]));
      case "node": {
        const children = t.children.map(build);
        if (t.type === "ScaledArray") return new ScaledArray(children[0] as Tensor, children[1] as Tensor);
        throw new TypeError(`unflatten: unknown node type ${t.type}`);
      }
    }
  };
  const out = build(def);
  if (i !== leaves.length) throw new TypeError(`unflatten: tree has ${i} leaves, got ${leaves.length}`);
  return out;
}

export function leaves(tree: unknown): unknown[] {
  return flatten(tree)[0];
}

/** Map `f` over the leaves of `tree` (and of `rest`, which must share its structure). */
export function map(f: (...xs: any[]) => unknown, tree: unknown, ...rest: unknown[]): any {
  const [ls, def] = flatten(tree);
  const others = rest.map((r) => {
    const [rl, rdef] = flatten(r);
    if (rl.length !== ls.length) throw new TypeError(`tree.map: trees differ in structure (${ls.length} vs ${rl.length} leaves)`);
    void rdef;
    return rl;
  });
  return unflatten(
    def,
    ls.map((l, i) => f(l, ...others.map((o) => o[i]))),
  );
}
