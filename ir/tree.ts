// Tree structure of a program's inputs and outputs (JAX's PyTreeDef), as plain data so the IR
// can record, print and serialise it without knowing the runtime's value classes.

export type TreeDef =
  | { kind: "leaf" }
  | { kind: "none" }
  | { kind: "array"; children: TreeDef[] }
  | { kind: "object"; keys: string[]; children: TreeDef[] }
  /** A registered node class (e.g. ScaledArray) whose children are flattened in order. */
  | { kind: "node"; type: string; children: TreeDef[] };

export const LEAF: TreeDef = { kind: "leaf" };

export function numLeaves(t: TreeDef): number {
  switch (t.kind) {
    case "leaf":
      return 1;
    case "none":
      return 0;
    default:
      return t.children.reduce((n, c) => n + numLeaves(c), 0);
  }
}

/** Leaf paths in flatten order, e.g. `params.w1`, `xs[0]`, `s.data` (ScaledArray children are data, scale). */
export function leafPaths(t: TreeDef, prefix = ""): string[] {
  switch (t.kind) {
    case "leaf":
      return [prefix];
    case "none":
      return [];
    case "array":
      return t.children.flatMap((c, i) => leafPaths(c, `${prefix}[${i}]`));
    case "object":
      return t.children.flatMap((c, i) => leafPaths(c, prefix ? `${prefix}.${t.keys[i]}` : t.keys[i]!));
    case "node": {
      const names = NODE_CHILD_NAMES[t.type];
      return t.children.flatMap((c, i) => {
        const k = names?.[i] ?? String(i);
        return leafPaths(c, prefix ? `${prefix}.${k}` : k);
      });
    }
  }
}

/** Child names of registered node types, used for readable leaf paths. */
export const NODE_CHILD_NAMES: Record<string, string[]> = { ScaledArray: ["data", "scale"] };

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Compact text form: `*` leaf, `None`, `[a, b]`, `{k: a}`, `ScaledArray(a, b)`. */
export function treeToString(t: TreeDef): string {
  switch (t.kind) {
    case "leaf":
      return "*";
    case "none":
      return "None";
    case "array":
      return `[${t.children.map(treeToString).join(", ")}]`;
    case "object":
      return `{${t.keys.map((k, i) => `${IDENT.test(k) ? k : JSON.stringify(k)}: ${treeToString(t.children[i]!)}`).join(", ")}}`;
    case "node":
      return `${t.type}(${t.children.map(treeToString).join(", ")})`;
  }
}

export function treeEquals(a: TreeDef, b: TreeDef): boolean {
  return treeToString(a) === treeToString(b);
}
