// Graphviz (DOT) view of a program: one node per input, constant and equation (labelled with its
// primitive and output types), edges along data flow. Node ids follow program order, so the same
// program always gives the same text (goldens and diffs stay stable).
import { formatLiteral } from "./print.js";
import { Literal, type Atom, type Program, type Var } from "./program.js";
import { avalToString } from "./shape.js";
import { leafPaths } from "./tree.js";

/** A DOT double-quoted string. */
function quote(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

export function toDot(p: Program): string {
  const lines = [`digraph ${quote(p.name)} {`, `  node [fontname="Helvetica", fontsize=10];`, `  edge [fontname="Helvetica", fontsize=8];`];
  const node = (id: string, attrs: string, label: string) => lines.push(`  ${id} [${attrs}, label=${quote(label)}];`);
  // Where each variable comes from: its node and, for multi-output equations, which output.
  const source = new Map<Var, { id: string; port?: number }>();
  let literals = 0;
  /** The node an operand comes from; a literal gets a small node of its own at each use. */
  const from = (a: Atom): { id: string; port?: number } => {
    if (a instanceof Literal) {
      const id = `lit${literals++}`;
      node(id, "shape=plaintext", `${formatLiteral(a.value, a.dtype)}:${a.dtype}`);
      return { id };
    }
    return source.get(a) ?? { id: "undefined_var" }; // an invalid program still draws
  };
  const edge = (src: { id: string; port?: number }, dst: string, operand?: number) => {
    const attrs = [src.port === undefined ? "" : `taillabel="${src.port}"`, operand === undefined ? "" : `label="${operand}"`].filter(Boolean);
    lines.push(`  ${src.id} -> ${dst}${attrs.length ? ` [${attrs.join(", ")}]` : ""};`);
  };

  p.inputs.forEach((v, i) => {
    node(`in${i}`, "shape=box, style=rounded", `${p.inputNames[i] ?? `input ${i}`}\n${avalToString(v.aval)}`);
    source.set(v, { id: `in${i}` });
  });
  p.constants.forEach((c, i) => {
    node(`c${i}`, "shape=box, style=dashed", `const\n${avalToString(c.variable.aval)}`);
    source.set(c.variable, { id: `c${i}` });
  });
  p.equations.forEach((e, i) => {
    const id = `eq${i}`;
    node(id, "shape=ellipse", `${e.primitive}\n${e.outputs.map((v) => avalToString(v.aval)).join(", ")}`);
    // Operand numbers matter for sub, div, select_n, dot_general…: label them when there are several.
    e.inputs.forEach((a, k) => edge(from(a), id, e.inputs.length > 1 ? k : undefined));
    e.outputs.forEach((v, k) => source.set(v, e.outputs.length > 1 ? { id, port: k } : { id }));
  });
  const names = leafPaths(p.outTree);
  p.outputs.forEach((a, i) => {
    node(`out${i}`, "shape=box, style=bold", `${names[i] || `out${i}`}\n${avalToString(a.aval)}`);
    edge(from(a), `out${i}`);
  });
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
