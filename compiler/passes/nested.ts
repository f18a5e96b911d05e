// Apply a program pass to the programs nested in an equation's params (custom_vjp bodies).
import { Program, type Equation } from "../../ir/program.js";

export function mapNestedPrograms(e: Equation, pass: (p: Program) => Program): Equation {
  const params = e.params as Record<string, unknown>;
  if (!Object.values(params).some((v) => v instanceof Program)) return e;
  const next = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v instanceof Program ? pass(v) : v]));
  return { ...e, params: next as never };
}
