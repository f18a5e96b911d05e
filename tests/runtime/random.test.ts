// random_bits: Philox-4x32-10 against Random123's published known-answer vectors
// (tests/kat_vectors in Random123; also used by TensorFlow's and others' Philox tests), the exact
// 32×32→64 multiply against BigInt, and the documented counter/output layout.
import { describe, expect, it } from "vitest";
import { mulhilo32, philox4x32 } from "../../runtime/kernels/random.js";
import { ev, flat, rng, t } from "./helpers.js";

const KAT: [number[], number[], number[]][] = [
  [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
  [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
  [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
];

const asI32 = (ws: number[]) => ws.map((w) => w | 0);

describe("Philox-4x32-10", () => {
  it.each(KAT.map((k, i) => [i, ...k] as const))("known-answer vector %i", (_i, counter, key, want) => {
    expect(philox4x32(counter, key)).toEqual(want);
  });
  it("mulhilo32 is the exact 64-bit product", () => {
    const r = rng(1);
    const cases = [[0xffffffff, 0xffffffff], [0xd2511f53, 0xffffffff], [0, 0xffffffff], [1, 1], [0x10000, 0x10000]];
    for (let i = 0; i < 2000; i++) cases.push([(r() * 2 ** 32) >>> 0, (r() * 2 ** 32) >>> 0]);
    for (const [a, b] of cases) {
      const p = BigInt(a!) * BigInt(b!);
      expect(mulhilo32(a!, b!)).toEqual([Number(p >> 32n), Number(p & 0xffffffffn)]);
    }
  });
});

describe("random_bits", () => {
  it("block b uses counter (b, 0, 0, 0); element j is word j mod 4 of block ⌊j/4⌋, as i32", () => {
    const key = t([0, 0], "i32");
    const got = ev("random_bits", { shape: [2, 3] }, key);
    expect(got.dtype).toBe("i32");
    expect([...got.shape]).toEqual([2, 3]);
    const block1 = philox4x32([1, 0, 0, 0], [0, 0]);
    expect(flat(got)).toEqual(asI32([...KAT[0]![2], block1[0]!, block1[1]!]));
  });
  it("the key's i32 words are read as uint32", () => {
    const got = ev("random_bits", { shape: [4] }, t([-1, -1], "i32"));
    expect(flat(got)).toEqual(asI32(philox4x32([0, 0, 0, 0], [0xffffffff, 0xffffffff])));
    const k2 = ev("random_bits", { shape: [4] }, t([0xa4093822 | 0, 0x299f31d0], "i32"));
    expect(flat(k2)).toEqual(asI32(philox4x32([0, 0, 0, 0], [0xa4093822, 0x299f31d0])));
  });
  it("is a pure function of the key; empty shapes work", () => {
    const key = t([123, -456], "i32");
    expect(flat(ev("random_bits", { shape: [9] }, key))).toEqual(flat(ev("random_bits", { shape: [9] }, key)));
    expect(flat(ev("random_bits", { shape: [9] }, key)).slice(0, 5)).toEqual(flat(ev("random_bits", { shape: [5] }, key)));
    expect(flat(ev("random_bits", { shape: [0, 3] }, key))).toEqual([]);
    expect(flat(ev("random_bits", { shape: [] }, key))).toHaveLength(1);
  });
});
