// grad(grad(f)) against analytic second derivatives, for scalar functions built from elementwise
// ops (tanh, exp, log, mul, div, integer_pow). The gradient of a gradient is an ordinary traced
// program, so this also checks that every rule's emitted IR is itself differentiable.
import { describe, expect, it } from "vitest";
import { verify } from "../../../ir/verify.js";
import { grad, gradPass } from "../../../compiler/grad/api.js";
import * as ops from "../../../compiler/ops/index.js";
import { spec, trace } from "../../../compiler/trace.js";
import { array, Tensor } from "../../../runtime/tensor.js";

type F = (x: Tensor) => Tensor;
interface Case {
  name: string;
  f: F;
  d2: (x: number) => number;
  points: number[];
}

const { tanh, exp, log, mul, div, integerPow } = ops;
const one = () => array(1);

const CASES: Case[] = [
  { name: "tanh", f: tanh, d2: (x) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2), points: [-1.5, -0.3, 0.2, 0.9, 2] },
  { name: "exp", f: exp, d2: Math.exp, points: [-2, -0.5, 0, 1, 2.5] },
  { name: "log", f: log, d2: (x) => -1 / x ** 2, points: [0.25, 0.8, 1, 3, 7] },
  { name: "x·x·x", f: (x) => mul(mul(x, x), x), d2: (x) => 6 * x, points: [-2, -0.5, 0.75, 3] },
  { name: "1 / x", f: (x) => div(one(), x), d2: (x) => 2 / x ** 3, points: [-2, -0.5, 0.75, 3] },
  { name: "x / (1 + x·x)", f: (x) => div(x, ops.add(mul(x, x), 1)), d2: (x) => (2 * x * (x * x - 3)) / (1 + x * x) ** 3, points: [-2, -0.5, 0.3, 1.5] },
  { name: "integer_pow 4", f: (x) => integerPow(x, 4), d2: (x) => 12 * x ** 2, points: [-1.5, -0.5, 0.5, 2] },
  { name: "integer_pow -2", f: (x) => integerPow(x, -2), d2: (x) => 6 / x ** 4, points: [-1.5, -0.5, 0.5, 2] },
  {
    name: "tanh(x)·exp(x)",
    f: (x) => mul(tanh(x), exp(x)),
    d2: (x) => {
      const t = Math.tanh(x);
      return Math.exp(x) * (t + 2 * (1 - t * t) - 2 * t * (1 - t * t));
    },
    points: [-1, 0, 0.5, 1.25],
  },
  { name: "log(x) / x", f: (x) => div(log(x), x), d2: (x) => (2 * Math.log(x) - 3) / x ** 3, points: [0.5, 1, 2, 4] },
  { name: "x³ / exp(x)", f: (x) => div(integerPow(x, 3), exp(x)), d2: (x) => Math.exp(-x) * (6 * x - 6 * x * x + x ** 3), points: [-1, 0.5, 2, 3.5] },
  { name: "log(exp(x)·x)", f: (x) => log(mul(exp(x), x)), d2: (x) => -1 / x ** 2, points: [0.5, 1, 2] },
];

/** |got − want| ≤ 1e-5 · max(1, |want|): both derivatives are computed in f32. */
function expectClose(got: number, want: number, what: string): void {
  expect(Math.abs(got - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
}

describe("grad(grad(f)) vs analytic second derivatives", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const d2f = grad(grad(c.f));
      for (const x of c.points) expectClose((d2f(array(x)) as Tensor).item(), c.d2(x), `${c.name} at ${x}`);
    });
  }

  it("the second-derivative programs verify", () => {
    for (const c of CASES) verify(gradPass(trace(grad(c.f), spec("f32", []))));
  });

  it("elementwise over a vector: grad of Σ grad(Σ f) gives f'' per element", () => {
    const f = (x: Tensor) => ops.sum(mul(tanh(x), exp(x)));
    const h = grad((x: Tensor) => ops.sum(grad(f)(x) as Tensor))(array([-1, 0, 0.5, 1.25])) as Tensor;
    Array.from(h.toFloat32Array()).forEach((v, i) => expectClose(v, CASES[8]!.d2([-1, 0, 0.5, 1.25][i]!), `element ${i}`));
  });

  it("through a closure: the inner grad closes over the outer variable", () => {
    // g(x) = Σ d/dy Σ sin(x·y) at y0 = Σ x·cos(x·y0); g'(x) = Σ cos(x·y0) − x·y0·sin(x·y0)
    const y0 = array([0.5, -1, 2]);
    const g = (x: Tensor) => ops.sum(grad((y: Tensor) => ops.sum(ops.sin(mul(x, y))))(y0) as Tensor);
    for (const x of [-0.7, 0.3, 1.1]) {
      const want = [0.5, -1, 2].reduce((s, y) => s + Math.cos(x * y) - x * y * Math.sin(x * y), 0);
      expectClose((grad(g)(array(x)) as Tensor).item(), want, `at ${x}`);
    }
  });

  it("third order: d³/dx³ exp = exp and d³/dx³ x⁴ = 24x", () => {
    expectClose((grad(grad(grad(exp)))(array(0.7)) as Tensor).item(), Math.exp(0.7), "exp'''");
    expectClose((grad(grad(grad((x: Tensor) => integerPow(x, 4))))(array(1.5)) as Tensor).item(), 36, "(x⁴)'''");
  });
});
