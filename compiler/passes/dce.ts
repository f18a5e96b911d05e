// Dead-code elimination: drop equations and constants no output depends on. Primitives have no
// side effects, so liveness alone decides. Nested programs (custom_vjp bodies) are cleaned too.
import { Literal, Program, type Atom, type Equation, type Var } from "../../ir/program.js";
import { mapNestedPrograms } from "./nested.js";

/** Nested programs are cleaned once per program object, so equations sharing a body keep sharing it. */
const cleanedBodies = new WeakMap<Program, Program>();
function dceNested(p: Program): Program {
  let q = cleanedBodies.get(p);
  if (!q) {
    q = dce(p);
    cleanedBodies.set(p, q);
  }
  return q;
}

export function dce(p: Program): Program {
  const live = new Set<Var>();
  const mark = (a: Atom) => {
    if (!(a instanceof Literal)) live.add(a);
  };
  p.outputs.forEach(mark);
  const kept: Equation[] = [];
  for (let i = p.equations.length - 1; i >= 0; i--) {
    const e = p.equations[i]!;
    if (!e.outputs.some((v) => live.has(v))) continue;
    e.inputs.forEach(mark);
    kept.push(mapNestedPrograms(e, dceNested));
  }
  kept.reverse();
  return p.with({ equations: kept, constants: p.constants.filter((c) => live.has(c.variable)) });
}
