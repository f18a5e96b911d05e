// Comparisons (IEEE), logical/bitwise ops, shift_right_logical and select_n.
import { describe, expect, it } from "vitest";
import { codes, ev, flat, t } from "./helpers.js";

const INT_MIN = -(2 ** 31);
const bools = (x: ReturnType<typeof t>) => flat(x).map((v) => v !== 0);

describe("comparisons", () => {
  const a = t([1, NaN, -0, 2, NaN, -Infinity]);
  const b = t([2, 1, 0, 2, NaN, -Infinity]);
  const table = {
    eq: [false, false, true, true, false, true],
    ne: [true, true, false, false, true, false],
    lt: [true, false, false, false, false, false],
    le: [true, false, true, true, false, true],
    gt: [false, false, false, false, false, false],
    ge: [false, false, true, true, false, true],
  };
  for (const [op, want] of Object.entries(table)) {
    it(`${op}: NaN compares false except ne, −0 = +0`, () => {
      const r = ev(op as "eq", {}, a, b);
      expect(r.dtype).toBe("bool");
      expect(bools(r)).toEqual(want);
    });
  }
  it("i32, bool and low-precision operands; rank-0 broadcast", () => {
    expect(bools(ev("lt", {}, t([INT_MIN, 0, 5], "i32"), t(0, "i32")))).toEqual([true, false, false]);
    expect(bools(ev("gt", {}, t([true, false]), t([false, false])))).toEqual([true, false]);
    expect(bools(ev("gt", {}, t([1, 0], "bool"), t([0, 0], "bool")))).toEqual([true, false]);
    expect(bools(ev("eq", {}, t([1, 2, 3], "bf16"), t(2, "bf16")))).toEqual([false, true, false]);
    // fp8 NaN codes compare unequal to themselves.
    expect(bools(ev("ne", {}, codes(Uint8Array.of(0x7f, 0x38), "f8e4m3fn"), codes(Uint8Array.of(0x7f, 0x38), "f8e4m3fn")))).toEqual([true, false]);
  });
});

describe("and / or / not", () => {
  it("logical on bool", () => {
    const a = t([1, 1, 0, 0], "bool");
    const b = t([1, 0, 1, 0], "bool");
    expect(bools(ev("and", {}, a, b))).toEqual([true, false, false, false]);
    expect(bools(ev("or", {}, a, b))).toEqual([true, true, true, false]);
    expect(bools(ev("not", {}, a))).toEqual([false, false, true, true]);
    expect(ev("not", {}, a).dtype).toBe("bool");
  });
  it("bitwise on i32", () => {
    expect(flat(ev("and", {}, t([0b1100, -1], "i32"), t([0b1010, INT_MIN], "i32")))).toEqual([0b1000, INT_MIN]);
    expect(flat(ev("or", {}, t([0b1100, 0], "i32"), t([0b1010, INT_MIN], "i32")))).toEqual([0b1110, INT_MIN]);
    expect(flat(ev("not", {}, t([0, -1, 5], "i32")))).toEqual([-1, 0, -6]);
  });
});

describe("shift_right_logical", () => {
  it("shifts the 32 bits in; shifts outside [0, 31] give 0", () => {
    const a = t([-1, -1, -1, 256, INT_MIN, 7, 7], "i32");
    const s = t([0, 1, 31, 4, 31, 32, -1], "i32");
    expect(flat(ev("shift_right_logical", {}, a, s))).toEqual([-1, 0x7fffffff, 1, 16, 1, 0, 0]);
  });
});

describe("select_n", () => {
  it("bool predicate: false picks cases[0], true cases[1]", () => {
    const r = ev("select_n", {}, t([1, 0, 1], "bool"), t([1, 2, 3]), t([10, 20, 30]));
    expect(flat(r)).toEqual([10, 2, 30]);
  });
  it("i32 predicate is clamped to [0, n − 1]", () => {
    const r = ev("select_n", {}, t([-5, 0, 1, 2, 9], "i32"), t([0, 0, 0, 0, 0], "i32"), t([1, 1, 1, 1, 1], "i32"), t([2, 2, 2, 2, 2], "i32"));
    expect(flat(r)).toEqual([0, 0, 1, 2, 2]);
  });
  it("rank-0 predicate broadcasts; codes move bit for bit", () => {
    const nanPayload = Uint16Array.of(0x7fc1, 0xffff, 0x8000);
    const r = ev("select_n", {}, t(true, "bool"), codes(Uint16Array.of(1, 2, 3), "bf16"), codes(nanPayload, "bf16"));
    expect(Array.from(r.storage as Uint16Array)).toEqual(Array.from(nanPayload));
  });
});
