// Random multi-equation programs over one shape (plus rank-0 scalars): elementwise chains over
// mixed dtypes, with literals, casts, selects, and shape ops and reductions in between, several
// outputs including inputs, literals and repeats (fusion.test.ts, jit.test.ts).
import type { DType } from "../../../ir/dtype.js";
import { primitiveDef, type Params, type Primitive } from "../../../ir/primitives/catalogue.js";
import { Literal, makeEquation, Program, Var, type Atom, type Equation } from "../../../ir/program.js";
import { shapeEquals, size, type Aval } from "../../../ir/shape.js";
import { LEAF, type TreeDef } from "../../../ir/tree.js";
import type { Tensor } from "../../../runtime/tensor.js";
import { FLOATS, pick, randInt, randomShape, randomTensor, type Rng } from "./gen.js";

const BINARY = ["add", "sub", "mul", "div", "max", "min"] as const;
const UNARY = ["neg", "abs", "sign", "sqrt", "rsqrt"] as const;
const COMPARE = ["eq", "ne", "lt", "le", "gt", "ge"] as const;

/** A random program of `steps` equations over inputs of one shape S (random unless given; plus rank-0 scalars). */
export function randomChain(r: Rng, steps: number, shape?: readonly number[]): { program: Program; args: Tensor[] } {
  const S = shape ? [...shape] : randomShape(r, 3, 6).map((d) => d || 2);
  if (!shape && size(S) === 1 && r() < 0.5) S.push(3);
  const inputs: Var[] = [];
  const pool: Var[] = [];
  const addInput = (dtype: DType, shape: readonly number[]) => {
    const v = new Var({ dtype, shape });
    inputs.push(v);
    pool.push(v);
  };
  for (let i = randInt(r, 1, 3); i > 0; i--) addInput(pick(r, FLOATS), S);
  if (r() < 0.7) addInput("f32", []);
  if (r() < 0.4) addInput("i32", S);
  const eqs: Equation[] = [];
  const emit = <P extends Primitive>(prim: P, params: Params<P>, ins: Atom[]): Var | undefined => {
    let outAvals: Aval[];
    try {
      outAvals = (primitiveDef(prim).abstractEval as (p: unknown, i: readonly Aval[], op: string) => Aval[])(params, ins.map((a) => a.aval), prim);
    } catch {
      return undefined; // not valid for these operands: try something else
    }
    const outs = outAvals.map((a) => new Var(a));
    eqs.push(makeEquation(prim, params, ins, outs));
    pool.push(...outs);
    return outs[0];
  };
  /** Another operand for x: a value of x's dtype with x's shape or rank 0, or a literal. */
  const partner = (x: Var): Atom => {
    const ok = pool.filter((v) => v.dtype === x.dtype && (shapeEquals(v.shape, x.shape) || v.shape.length === 0));
    if (ok.length > 0 && r() < 0.75) return pick(r, ok);
    const val = x.dtype === "i32" ? randInt(r, -4, 4) : x.dtype === "bool" ? randInt(r, 0, 1) : pick(r, [0, -0, 1, -1, 0.5, 3, 1e-3, 448, 65504, Infinity, NaN]);
    return new Literal(val, x.dtype);
  };
  for (let s = 0; s < steps; s++) {
    const x = pick(r, pool);
    const k = r();
    if (k < 0.3 && x.dtype !== "bool") emit(pick(r, BINARY), {}, r() < 0.5 ? [x, partner(x)] : [partner(x), x]);
    else if (k < 0.42) emit(x.dtype === "bool" ? "not" : pick(r, UNARY), {}, [x]);
    else if (k < 0.5 && x.dtype !== "bool") emit("integer_pow", { y: randInt(r, -3, 4) }, [x]);
    else if (k < 0.62) emit("convert_element_type", { new_dtype: pick(r, [...FLOATS, "i32", "bool"] as DType[]), saturate: r() < 0.5 }, [x]);
    else if (k < 0.72) {
      const c = emit(pick(r, COMPARE), {}, [x, partner(x)]);
      if (c) {
        const others = pool.filter((v) => shapeEquals(v.shape, c.shape) && v.dtype !== "bool");
        if (others.length > 0) {
          const a = pick(r, others);
          emit("select_n", {}, [c, a, partner(a)]);
        }
      }
    } else if (k < 0.76) emit("reduce_precision", { exponent_bits: randInt(r, 2, 8), mantissa_bits: randInt(r, 0, 10) }, [x]);
    else if (k < 0.8) emit("pow2_round", { mode: pick(r, ["down", "up"]) }, [x]);
    else if (k < 0.84 && x.shape.length > 0 && x.dtype !== "bool" && x.dtype !== "i32" && r() < 0.5) {
      // A full max/min reduction (computed inside the fused kernel of x's chain), sometimes
      // broadcast back onto x, as a max-norm rescale does.
      const m = emit(pick(r, ["reduce_max", "reduce_min"] as const), { axes: [...x.shape.keys()] }, [x]);
      if (m && r() < 0.5) {
        const b = emit("broadcast_in_dim", { shape: [...x.shape], broadcast_dimensions: [] }, [m]);
        if (b) emit(pick(r, BINARY), {}, [x, b]);
      }
    } else if (k < 0.84 && x.shape.length > 0) {
      // A reduction broadcast back (softmax-like): the broadcast reads a smaller operand in the fused kernel.
      const axis = randInt(r, 0, x.shape.length - 1);
      const m = emit("reduce_max", { axes: [axis] }, [x]);
      if (m && x.dtype !== "bool" && r() < 0.8) {
        const keep = [...x.shape.keys()].filter((d) => d !== axis);
        const b = emit("broadcast_in_dim", { shape: [...x.shape], broadcast_dimensions: keep }, [m]);
        if (b) emit(pick(r, BINARY), {}, [x, b]);
      }
    }
    else if (k < 0.88 && x.shape.length > 1) emit("transpose", { permutation: [...x.shape.keys()].reverse() }, [x]);
    else if (k < 0.92) emit("reshape", { new_sizes: [size(x.shape)] }, [x]);
    else if (k < 0.96 && x.shape.length === 0) emit("broadcast_in_dim", { shape: S, broadcast_dimensions: [] }, [x.dtype === "bool" ? x : partner(x)]);
    else if (x.shape.length > 0 && x.dtype !== "bool") emit("cumsum", { axis: 0, reverse: r() < 0.5 }, [x]);
  }
  const produced = pool.slice(inputs.length);
  const outputs: Atom[] = [];
  for (let i = randInt(r, 1, 4); i > 0; i--) outputs.push(produced.length > 0 && r() < 0.85 ? pick(r, produced) : r() < 0.5 ? pick(r, inputs) : new Literal(2.5, "bf16"));
  if (r() < 0.2) outputs.push(outputs[0]!);
  const tuple = (n: number): TreeDef => ({ kind: "array", children: Array.from({ length: n }, () => LEAF) });
  const program = new Program(inputs, [], eqs, outputs, inputs.map((_, i) => `x${i}`), tuple(inputs.length), tuple(outputs.length));
  const args = inputs.map((v) => randomTensor(r, v.aval));
  return { program, args };
}
