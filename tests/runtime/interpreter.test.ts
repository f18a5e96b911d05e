// The interpreter: literals, constants, argument validation, freeing intermediates after their
// last use, nested programs (custom_vjp) and cast statistics through them.
import { describe, expect, it } from "vitest";
import type { DType } from "../../ir/dtype.js";
import { ShapeError, ValidationError } from "../../ir/errors.js";
import type { Params, Primitive } from "../../ir/primitives/catalogue.js";
import { Literal, makeEquation, Program, Var, type Atom, type Equation } from "../../ir/program.js";
import { evalPrimitive, interpret, newCastStats, type StepInfo } from "../../runtime/interpreter.js";
import { flat, t } from "./helpers.js";

const v = (dtype: DType, shape: number[]) => new Var({ dtype, shape });
const lit = (value: number, dtype: DType = "f32") => new Literal(value, dtype);
/** One equation with a fresh output variable of the given type. */
function eqn<P extends Primitive>(prim: P, params: Params<P>, inputs: Atom[], out: Var): Equation {
  return makeEquation(prim, params, inputs, [out]);
}
const program = (inputs: Var[], equations: Equation[], outputs: Atom[], constants: Program["constants"] = []) =>
  new Program(inputs, constants, equations, outputs, inputs.map((_, i) => `x${i}`));

describe("interpret", () => {
  it("evaluates equations in order; literals are 0-d tensors of their dtype", () => {
    const x = v("f32", [3]);
    const y = v("f32", [3]);
    const z = v("f32", [3]);
    const p = program([x], [eqn("add", {}, [x, lit(1)], y), eqn("mul", {}, [y, y], z)], [z, y]);
    const [out0, out1] = interpret(p, [t([1, 2, 3])]);
    expect(flat(out0!)).toEqual([4, 9, 16]);
    expect(flat(out1!)).toEqual([2, 3, 4]);
  });
  it("reads constants from program.constants and returns inputs and literals as outputs", () => {
    const x = v("i32", [2]);
    const c = v("i32", [2]);
    const y = v("i32", [2]);
    const p = program([x], [eqn("mul", {}, [x, c], y)], [y, x, lit(7, "bf16")], [{ variable: c, value: { dtype: "i32", shape: [2], storage: Int32Array.of(10, -1) } }]);
    const [prod, same, seven] = interpret(p, [t([3, 4], "i32")]);
    expect(flat(prod!)).toEqual([30, -4]);
    expect(flat(same!)).toEqual([3, 4]);
    expect(seven!.dtype).toBe("bf16");
    expect(flat(seven!)).toEqual([7]);
  });
});

describe("argument validation", () => {
  const x = v("f32", [2]);
  const k = v("i32", []);
  const p = program([x, k], [], [x]);
  const error = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e;
    }
    throw new Error("expected an error");
  };
  it("checks the number of arguments", () => {
    const e = error(() => interpret(p, [t([1, 2])]));
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).path).toBe("args");
    expect((e as Error).message).toMatch(/takes 2 arguments, got 1/);
  });
  it("checks each argument's dtype and shape, naming it", () => {
    const dtype = error(() => interpret(p, [t([1, 2], "bf16"), t(0, "i32")])) as ValidationError;
    expect(dtype.path).toBe("args[0]");
    expect(dtype.message).toMatch(/must be f32\[2\], got bf16\[2\]/);
    const shape = error(() => interpret(p, [t([1, 2]), t([0], "i32")])) as ValidationError;
    expect(shape.path).toBe("args[1]");
    expect(shape.message).toMatch(/\(x1\) must be i32\[\], got i32\[1\]/);
    const notTensor = error(() => interpret(p, [[1, 2] as never, t(0, "i32")])) as ValidationError;
    expect(notTensor.path).toBe("args[0]");
  });
});

describe("freeing intermediates after their last use", () => {
  const N = 100_000;
  const x = v("f32", [N]);
  /** A chain of `len` elementwise steps on x, with x itself read again at step `skipAt`. */
  function chain(len: number, skipAt?: number): Program {
    const eqs: Equation[] = [];
    let cur = x;
    for (let i = 0; i < len; i++) {
      const next = v("f32", [N]);
      eqs.push(eqn("add", {}, [cur, i === skipAt ? x : lit(1)], next));
      cur = next;
    }
    return program([x], eqs, [cur]);
  }
  it("keeps the live set bounded on a long chain of large intermediates", () => {
    const steps: StepInfo[] = [];
    const [out] = interpret(chain(50), [t(new Float32Array(N))], { onStep: (s) => steps.push(s) });
    expect(flat(out!).slice(0, 2)).toEqual([50, 50]);
    expect(steps).toHaveLength(50);
    // After each step only that step's output is alive (the input x died after step 0).
    expect(Math.max(...steps.map((s) => s.liveValues))).toBe(1);
    expect(Math.max(...steps.map((s) => s.liveBytes))).toBe(4 * N);
  });
  it("keeps a value until its last reader, then drops it", () => {
    const steps: StepInfo[] = [];
    const [out] = interpret(chain(20, 12), [t(new Float32Array(N).fill(1))], { onStep: (s) => steps.push(s) });
    expect(flat(out!)[0]).toBe(1 + 19 + 1);
    expect(steps.slice(0, 12).every((s) => s.liveValues === 2)).toBe(true); // x and the current value
    expect(steps.slice(12).every((s) => s.liveValues === 1)).toBe(true);
  });
  it("drops an output nobody reads right after its equation", () => {
    const y = v("f32", [N]);
    const unused = v("f32", [N]);
    const steps: StepInfo[] = [];
    const p = program([x], [eqn("neg", {}, [x], unused), eqn("abs", {}, [x], y)], [y]);
    interpret(p, [t(new Float32Array(N))], { onStep: (s) => steps.push(s) });
    expect(steps.map((s) => s.liveValues)).toEqual([1, 1]);
  });
});

describe("nested programs: custom_vjp runs its body", () => {
  const bx = v("f32", [2]);
  const b8 = v("f8e4m3fn", [2]);
  const by = v("f32", [2]);
  // body(x) = f32(e4m3fn(x)): it casts to a low-precision float inside the nested program.
  const call = program([bx], [eqn("convert_element_type", { new_dtype: "f8e4m3fn", saturate: false }, [bx], b8), eqn("convert_element_type", { new_dtype: "f32", saturate: false }, [b8], by)], [by]);
  const fx = v("f32", [2]);
  const fwd = program([fx], [], [fx, fx]);
  const res = v("f32", [2]);
  const ct = v("f32", [2]);
  const bwd = program([res, ct], [], [ct]);
  const params: Params<"custom_vjp"> = { call, fwd, bwd, num_residuals: 1 };

  it("as an equation, with cast statistics collected inside the body", () => {
    const x = v("f32", [2]);
    const y = v("f32", [2]);
    const stats = newCastStats();
    const [out] = interpret(program([x], [eqn("custom_vjp", params, [x], y)], [y]), [t([3, 1000])], { castStats: stats });
    expect(flat(out!)).toEqual([3, NaN]);
    expect(stats).toEqual({ saturated: 1, flushedToZero: 0, nonFinite: 1 });
  });
  it("through evalPrimitive", () => {
    expect(flat(evalPrimitive("custom_vjp", params, [t([0.5, -2])])[0]!)).toEqual([0.5, -2]);
  });
});

describe("evalPrimitive", () => {
  it("rejects a wrong operand count and reports shape-rule errors", () => {
    expect(() => evalPrimitive("add", {}, [t([1])])).toThrow(ValidationError);
    expect(() => evalPrimitive("add", {}, [t([1, 2]), t([1, 2, 3])])).toThrow(ShapeError);
  });
});
