// Gradient rules of elementwise primitives, select_n and casts (JAX's ad rules, in our IR).
import { isFloat } from "../../ir/dtype.js";
import { Literal } from "../../ir/program.js";
import type { Params } from "../../ir/primitives/catalogue.js";
import type { Tensor } from "../../runtime/tensor.js";
import { bind1, type Operand } from "../tracer.js";
import { NON_DIFFERENTIABLE, type PartialRules, type RuleFn } from "./rule-types.js";
import { full, lit, scale, unbroadcast, zerosOf } from "./util.js";

const b2 = (p: "add" | "sub" | "mul" | "div" | "max" | "min" | "pow" | "eq" | "gt" | "lt" | "ge" | "le", a: Operand, b: Operand) => bind1(p, {}, [a, b]);
const u = (p: "neg" | "exp" | "log" | "sin" | "cos" | "sign" | "sqrt", a: Operand) => bind1(p, {}, [a]);
const cast = (x: Tensor, dtype: Tensor["dtype"]) => (x.dtype === dtype ? x : bind1("convert_element_type", { new_dtype: dtype, saturate: false }, [x]));

/** A unary rule `ct ↦ ct · f'(x, y)`. */
const unary =
  (deriv: (x: Tensor, y: Tensor) => Tensor): RuleFn<Params<"exp">> =>
  ({ inputs, outputs }, [ct]) => [b2("mul", ct!, deriv(inputs[0] as Tensor, outputs[0]!))];

/** max/min: the cotangent goes to the winner; ties split it equally (as JAX does). */
const extremum =
  (wins: "gt" | "lt"): RuleFn<Params<"max">> =>
  ({ inputs: [a, b] }, [ct]) => {
    const dt = ct!.dtype;
    const share = b2("add", cast(b2(wins, a!, b!), dt), scale(cast(b2("eq", a!, b!), dt), 0.5));
    const ctA = b2("mul", ct!, share);
    return [unbroadcast(ctA, a!), unbroadcast(b2("sub", ct!, ctA), b!)];
  };

export const elementwiseRules: PartialRules<
  | "neg" | "abs" | "sign" | "exp" | "log" | "sqrt" | "rsqrt" | "tanh" | "logistic" | "erf" | "sin" | "cos"
  | "integer_pow" | "add" | "sub" | "mul" | "div" | "max" | "min" | "pow"
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "and" | "or" | "not" | "shift_right_logical"
  | "select_n" | "convert_element_type" | "reduce_precision" | "iota" | "random_bits" | "stop_gradient"
> = {
  neg: (_c, [ct]) => [u("neg", ct!)],
  abs: ({ inputs: [x] }, [ct]) => [b2("mul", ct!, u("sign", x!))],
  sign: () => [null],
  exp: unary((_x, y) => y),
  log: ({ inputs: [x] }, [ct]) => [b2("div", ct!, x!)],
  sqrt: ({ outputs: [y] }, [ct]) => [b2("div", scale(ct!, 0.5), y!)],
  // d/dx x^-1/2 = -1/2 · y / x
  rsqrt: unary((x, y) => scale(b2("div", y, x), -0.5)),
  tanh: unary((_x, y) => b2("sub", full([], 1, y.dtype), b2("mul", y, y))),
  logistic: unary((_x, y) => b2("mul", y, b2("sub", full([], 1, y.dtype), y))),
  // d erf = 2/√π · e^(−x²)
  erf: unary((x) => scale(u("exp", u("neg", b2("mul", x, x))), 2 / Math.sqrt(Math.PI))),
  sin: unary((x) => u("cos", x)),
  cos: unary((x) => u("neg", u("sin", x))),
  integer_pow: ({ params: { y: n }, inputs: [x] }, [ct]) => {
    if (n === 0) return [null];
    const d = n === 1 ? full([], 1, ct!.dtype) : scale(n === 2 ? (x as Tensor) : bind1("integer_pow", { y: n - 1 }, [x!]), n);
    return [b2("mul", ct!, d)];
  },
  add: ({ inputs: [a, b] }, [ct]) => [unbroadcast(ct, a!), unbroadcast(ct, b!)],
  sub: ({ inputs: [a, b] }, [ct]) => [unbroadcast(ct, a!), unbroadcast(u("neg", ct!), b!)],
  mul: ({ inputs: [a, b] }, [ct]) => [
    a instanceof Literal ? null : unbroadcast(b2("mul", ct!, b!), a!),
    b instanceof Literal ? null : unbroadcast(b2("mul", a!, ct!), b!),
  ],
  // d(a/b)/db = −(a/b)/b
  div: ({ inputs: [a, b], outputs: [y] }, [ct]) => [
    a instanceof Literal ? null : unbroadcast(b2("div", ct!, b!), a!),
    b instanceof Literal ? null : unbroadcast(u("neg", b2("mul", ct!, b2("div", y!, b!))), b!),
  ],
  max: extremum("gt"),
  min: extremum("lt"),
  // d(a^b)/da = b·a^(b−1); d(a^b)/db = a^b·log(a), taken as 0 where a = 0 (as JAX does)
  pow: ({ inputs: [a, b], outputs: [y] }, [ct]) => {
    const da = a instanceof Literal ? null : b2("mul", ct!, b2("mul", b!, b2("pow", a!, b2("sub", b!, lit(1, ct!.dtype)))));
    let db: Tensor | null = null;
    if (!(b instanceof Literal)) {
      const logA = u("log", a!);
      const safe = bind1("select_n", {}, [b2("eq", a!, lit(0, ct!.dtype)), logA, zerosOf(logA)]);
      db = b2("mul", ct!, b2("mul", y!, safe));
    }
    return [unbroadcast(da, a!), unbroadcast(db, b!)];
  },
  eq: NON_DIFFERENTIABLE,
  ne: NON_DIFFERENTIABLE,
  lt: NON_DIFFERENTIABLE,
  le: NON_DIFFERENTIABLE,
  gt: NON_DIFFERENTIABLE,
  ge: NON_DIFFERENTIABLE,
  and: NON_DIFFERENTIABLE,
  or: NON_DIFFERENTIABLE,
  not: NON_DIFFERENTIABLE,
  shift_right_logical: NON_DIFFERENTIABLE,
  iota: NON_DIFFERENTIABLE,
  random_bits: NON_DIFFERENTIABLE,
  // cases[i] receives the cotangent where `which` selects i (an i32 `which` is clamped).
  select_n: ({ inputs: [which, ...cases] }, [ct]) => {
    const n = cases.length;
    if (n === 1) return [null, cases[0] instanceof Literal ? null : ct]; // a lone case is picked whatever the index
    const zero = zerosOf(ct!);
    const picks = (i: number): Operand => {
      if (which!.dtype === "bool") return i === 1 ? which! : bind1("not", {}, [which!]);
      if (i === 0) return b2("le", which!, lit(0, "i32"));
      if (i === n - 1) return b2("ge", which!, lit(n - 1, "i32"));
      return b2("eq", which!, lit(i, "i32"));
    };
    return [null, ...cases.map((c, i) => (c instanceof Literal ? null : bind1("select_n", {}, [picks(i), zero, ct!])))];
  },
  // Straight-through: the cotangent goes back in the operand's dtype.
  convert_element_type: ({ inputs: [x] }, [ct]) => [isFloat(x!.dtype) ? cast(ct!, x!.dtype) : null],
  reduce_precision: (_c, [ct]) => [ct],
  stop_gradient: () => [null],
};
