// The native backend against the reference interpreter on random programs of every primitive of
// the catalogue: random shapes (empty ones included), dtypes, params valid per the shape rule,
// literal operands, and operand values with NaN payloads, ±0, ±Inf, subnormals and every
// low-precision code. Agreement as DESIGN.md "Where the backends must agree": data movement and
// casts bit for bit, arithmetic exactly (NaN = NaN), transcendentals within 2 ulp,
// dot_general / reductions within the f32 accumulation bound.
import { describe, expect, it } from "vitest";
import { PRIMITIVES, type Primitive } from "../../../ir/primitives/catalogue.js";
import { print } from "../../../ir/print.js";
import { interpret } from "../../../runtime/interpreter.js";
import { runNative } from "../../../runtime/native/backend.js";
import type { Tensor } from "../../../runtime/tensor.js";
import { disagreement, randomCase, rng, sumBounds } from "./gen.js";

const TRIALS = 80;

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
        const why = disagreement(g, want[k]!, agreement, agreement === "sum" ? sumBounds(program, args, k) : undefined);
        if (why) expect.fail(`trial ${trial}, output ${k}: ${why}\n${describeCase(program, args)}`);
      });
    }
  });
});
