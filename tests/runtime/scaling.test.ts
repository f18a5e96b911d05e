// Interpreter semantics of the scaling primitives on plain tensors: values are kept (the scalify
// pass gives them meaning on pairs), stop_scaling casts, pow2_round rounds to powers of two.
import { describe, expect, it } from "vitest";
import { evAll, ev, flat, t } from "./helpers.js";

describe("scaling primitives on plain tensors", () => {
  it("set_scaling, rebalance and dynamic_rescale keep values", () => {
    const x = t([-1.5, 0, 3.25], "f16");
    expect(flat(ev("set_scaling", {}, x, t(4)))).toEqual([-1.5, 0, 3.25]);
    expect(flat(ev("rebalance", {}, x, t(0.5)))).toEqual([-1.5, 0, 3.25]);
    for (const norm of ["max", "l1", "l2"] as const) expect(flat(ev("dynamic_rescale", { norm }, x))).toEqual([-1.5, 0, 3.25]);
    // lazy_rescale: the reference (any float of any shape) only lends its scale under scalify.
    const y = ev("lazy_rescale", { norm: "max", lo: 0.125, hi: 256 }, x, t([7, 8, 9, 10], "bf16"));
    expect(y.dtype).toBe("f16");
    expect(flat(y)).toEqual([-1.5, 0, 3.25]);
  });
  it("stop_scaling casts to its dtype (default: the operand's)", () => {
    const x = t([1.0009765625, 70000], "f32");
    const h = ev("stop_scaling", { dtype: "f16" }, x);
    expect(h.dtype).toBe("f16");
    // 1 + 2^-10 is an f16; 70000 overflows f16 to +inf.
    expect(flat(h)).toEqual([1.0009765625, Infinity]);
    expect(ev("stop_scaling", { dtype: null }, x).dtype).toBe("f32");
  });
  it("get_data_scale of a plain tensor is (x, 1)", () => {
    const [d, s] = evAll("get_data_scale", {}, [t([2, 3], "bf16")]);
    expect(flat(d!)).toEqual([2, 3]);
    expect(s!.dtype).toBe("f32");
    expect(flat(s!)).toEqual([1]);
  });
  it("pow2_round rounds |x| to a power of two, keeping the sign", () => {
    const x = t([3, -3, 0.75, 1, 0, -0, Infinity, NaN, 2 ** -140 * 3]);
    // Worked by hand: 2^⌊log2|x|⌋ and 2^⌈log2|x|⌉.
    expect(flat(ev("pow2_round", { mode: "down" }, x))).toEqual([2, -2, 0.5, 1, 0, -0, Infinity, NaN, 2 ** -139]);
    expect(flat(ev("pow2_round", { mode: "up" }, x))).toEqual([4, -4, 1, 1, 0, -0, Infinity, NaN, 2 ** -138]);
  });
});
