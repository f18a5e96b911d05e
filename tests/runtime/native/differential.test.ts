// The native backend against the reference interpreter on random programs of every primitive of
// the catalogue: random shapes (empty ones included), dtypes, params valid per the shape rule,
// literal operands, and operand values with NaN payloads, ±0, ±Inf, subnormals and every
// low-precision code. Agreement as DESIGN.md "Where the backends must agree": data movement and
// casts bit for bit, arithmetic exactly (NaN = NaN), transcendentals within 2 ulp,
// dot_general / reductions within the f32 accumulation bound.
import { describe, expect, it } from "vitest";
import { isFloat, type Storage } from "../../../ir/dtype.js";
import { PRIMITIVES, type Primitive } from "../../../ir/primitives/catalogue.js";
import { print } from "../../../ir/print.js";
import { size } from "../../../ir/shape.js";
import { interpret } from "../../../runtime/interpreter.js";
import { runNative } from "../../../runtime/native/backend.js";
import { Tensor } from "../../../runtime/tensor.js";
import { disagreement, randomCase, rng } from "./gen.js";

const TRIALS = 80;

/** |x| of a tensor: the sign bit cleared (every float format keeps it in its top bit). */
function absTensor(t: Tensor): Tensor {
  if (!isFloat(t.dtype)) return t;
  const s = (t.storage as Storage).slice() as Storage;
  const u = s instanceof Float32Array ? new Uint32Array(s.buffer) : s;
  const bits = s instanceof Float32Array ? 0x7fffffff : s instanceof Uint16Array ? 0x7fff : 0x7f;
  for (let i = 0; i < u.length; i++) u[i] = (u[i]! & bits) >>> 0;
  return new Tensor(t.dtype, t.shape, s as never);
}

/** Allowed differences for "sum": 2·(n + 2)·2^-24 times the result on |operands| (n = terms bound). */
function bounds(program: Parameters<typeof interpret>[0], args: Tensor[], out: number): Float64Array {
  const mag = interpret(program, args.map(absTensor))[out]!;
  const n = Math.max(1, ...args.map((a) => size(a.shape)));
  const v = mag.toFloat32Array();
  return Float64Array.from(v, (x) => (Number.isNaN(x) ? Infinity : 2 * (n + 2) * 2 ** -24 * Math.abs(x)));
}

function describeCase(program: Parameters<typeof print>[0], args: Tensor[]): string {
  return `${print(program)}\nargs: ${args.map((a) => `${a.dtype}[${a.shape}] ${JSON.stringify(Array.from(a.storage as ArrayLike<number>).slice(0, 16))}`).join("; ")}`;
}

describe("native vs reference on random programs of every primitive", () => {
  it.each(PRIMITIVES.map((p) => [p]))("%s", (prim: Primitive) => {
    const r = rng(0x5ca1 + PRIMITIVES.indexOf(prim));
    for (let trial = 0; trial < TRIALS; trial++) {
      const { program, args, agreement } = randomCase(r, prim);
      const want = interpret(program, args);
      const got = runNative(program, args);
      expect(got.length).toBe(want.length);
      got.forEach((g, k) => {
        const why = disagreement(g, want[k]!, agreement, agreement === "sum" ? bounds(program, args, k) : undefined);
        if (why) expect.fail(`trial ${trial}, output ${k}: ${why}\n${describeCase(program, args)}`);
      });
    }
  });
});
