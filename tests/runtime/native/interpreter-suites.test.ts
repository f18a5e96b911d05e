// Every interpreter test suite of tests/runtime, run again on the native backend: the reference
// interpreter's `evalPrimitive` and `interpret` are replaced by the native ones for the suites
// imported below, so each of their test cases checks the native kernels against the same
// oracles (bit for bit where DESIGN.md requires it, else within its tolerances).
// The only cases left to the reference are those that observe the interpreter's own
// step-by-step memory reports (`onStep`), which the native backend does not have; its memory
// reuse is tested in plan.test.ts.
import { afterAll, describe, expect, it, vi } from "vitest";
import { nativeAvailable, nativeUnavailableReason } from "../../../runtime/native/loader.js";

const calls = vi.hoisted(() => ({ native: 0 }));

vi.mock("../../../runtime/interpreter.js", async (importOriginal) => {
  const orig = await importOriginal<typeof import("../../../runtime/interpreter.js")>();
  const native = await import("../../../runtime/native/backend.js");
  return {
    ...orig,
    evalPrimitive: ((prim, params, inputs, opts = {}) => {
      calls.native++;
      return native.evalPrimitiveNative(prim, params, inputs, opts);
    }) as typeof orig.evalPrimitive,
    interpret: ((program, args, opts = {}) => {
      if (opts.onStep) return orig.interpret(program, args, opts);
      calls.native++;
      return native.runNative(program, args, opts);
    }) as typeof orig.interpret,
  };
});

describe("the native addon", () => {
  it("is built (CI builds it; these suites must not pass without it)", () => {
    expect(nativeUnavailableReason()).toBeUndefined();
    expect(nativeAvailable()).toBe(true);
  });
  it("runs with poisoned (NaN-filled) outputs, so an unwritten output element cannot pass", () => {
    expect(process.env.SCALIFY_NATIVE_POISON).toBe("1");
  });
});

import "../cast.test.js";
import "../compare-select.test.js";
import "../dot-general.test.js";
import "../elementwise.test.js";
import "../indexing.test.js";
import "../interpreter.test.js";
import "../random.test.js";
import "../reduce.test.js";
import "../shape-ops.test.js";
import "../transcendental.test.js";

afterAll(() => {
  // The suites above really ran on the native backend.
  expect(calls.native).toBeGreaterThan(500);
});
