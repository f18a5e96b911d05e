// f16 lanes in the native fused kernels, bit for bit against the reference interpreter: every
// one of the 2^16 codes decoded (signalling NaNs and their payloads included, which vcvtph2ps
// alone would quiet), stored back as f16, and f32 bit patterns rounded to f16 and back. The vector paths take a
// shortcut when 8 lanes hold no NaN; each case here mixes NaN and non-NaN lanes in every
// position of a vector, and vectors with none.
import { describe, expect, it } from "vitest";
import { makeEquation, Program, Var } from "../../../ir/program.js";
import { interpret } from "../../../runtime/interpreter.js";
import { runNative } from "../../../runtime/native/backend.js";
import { Tensor } from "../../../runtime/tensor.js";
import { rng } from "./gen.js";

const bits = (t: Tensor) => new Uint32Array((t.storage as Float32Array).buffer.slice(0));
const firstDifference = (got: Uint32Array, want: Uint32Array) => {
  const i = got.findIndex((g, k) => g !== want[k]);
  return i < 0 ? undefined : `element ${i}: 0x${got[i]!.toString(16)}, want 0x${want[i]!.toString(16)}`;
};

describe("f16 lanes in fused kernels", () => {
  it("decode every f16 code to the reference's f32 bits", () => {
    const n = 65536;
    const x = new Var({ dtype: "f16", shape: [n] });
    const y = new Var({ dtype: "f32", shape: [n] });
    const p = new Program([x], [], [makeEquation("convert_element_type", { new_dtype: "f32", saturate: false }, [x], [y])], [y], ["x"]);
    const args = [new Tensor("f16", [n], Uint16Array.from({ length: n }, (_, i) => i))];
    expect(firstDifference(bits(runNative(p, args)[0]!), bits(interpret(p, args)[0]!))).toBeUndefined();
  });

  it("store every f16 code's image back as that code (signalling NaNs included)", () => {
    const n = 65536;
    // select_n moves lanes unchanged, so the decoded images reach the store as they are.
    const x = new Var({ dtype: "f16", shape: [n] });
    const w = new Var({ dtype: "f16", shape: [n] });
    const pick = new Var({ dtype: "bool", shape: [n] });
    const z = new Var({ dtype: "f16", shape: [n] });
    const p = new Program([pick, x, w], [], [makeEquation("select_n", {}, [pick, w, x], [z])], [z], ["pick", "x", "w"]);
    const args = [
      new Tensor("bool", [n], Uint8Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : 1))),
      new Tensor("f16", [n], Uint16Array.from({ length: n }, (_, i) => i)),
      new Tensor("f16", [n], Uint16Array.from({ length: n }, (_, i) => 0xffff - i)),
    ];
    const got = runNative(p, args)[0]!.storage as Uint16Array;
    const want = interpret(p, args)[0]!.storage as Uint16Array;
    const i = got.findIndex((g, k) => g !== want[k]);
    expect(i < 0 ? undefined : `code 0x${i.toString(16)}: 0x${got[i]!.toString(16)}, want 0x${want[i]!.toString(16)}`).toBeUndefined();
  });

  it("round f32 bit patterns to f16 and back as the reference does", () => {
    // Every f16 code's f32 image, then f32 patterns drawn uniformly (every exponent, NaN
    // payloads quiet and signalling, subnormals), shuffled so NaNs fall in any lane.
    const r = rng(16);
    const images = interpret(
      (() => {
        const x = new Var({ dtype: "f16", shape: [65536] });
        const y = new Var({ dtype: "f32", shape: [65536] });
        return new Program([x], [], [makeEquation("convert_element_type", { new_dtype: "f32", saturate: false }, [x], [y])], [y], ["x"]);
      })(),
      [new Tensor("f16", [65536], Uint16Array.from({ length: 65536 }, (_, i) => i))],
    )[0]!;
    const patterns = [...bits(images), ...Array.from({ length: 65536 }, () => Math.floor(r() * 2 ** 32))];
    for (let i = patterns.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [patterns[i], patterns[j]] = [patterns[j]!, patterns[i]!];
    }
    const n = patterns.length;
    const x = new Var({ dtype: "f32", shape: [n] });
    const h = new Var({ dtype: "f16", shape: [n] });
    const y = new Var({ dtype: "f32", shape: [n] });
    const z = new Var({ dtype: "f32", shape: [n] });
    const p = new Program(
      [x],
      [],
      [
        makeEquation("convert_element_type", { new_dtype: "f16", saturate: false }, [x], [h]),
        makeEquation("convert_element_type", { new_dtype: "f32", saturate: false }, [h], [y]),
        makeEquation("neg", {}, [y], [z]),
      ],
      [z, h],
      ["x"],
    );
    const args = [new Tensor("f32", [n], new Float32Array(Uint32Array.from(patterns).buffer))];
    const [gotZ, gotH] = runNative(p, args);
    const [wantZ, wantH] = interpret(p, args);
    expect(firstDifference(bits(gotZ!), bits(wantZ!))).toBeUndefined();
    expect(Array.from(gotH!.storage as Uint16Array)).toEqual(Array.from(wantH!.storage as Uint16Array));
  });
});
