// reduce_max / reduce_min over long rows take a vector path in the native kernels (integer keys,
// NaN blocks folded element by element). These cases aim at what that path could get wrong: ±0
// ties, infinities, the first of several NaN payloads, NaNs in the last partial vector, rows
// shorter and longer than a vector, low-precision operands. Agreement is bit for bit.
import { describe, expect, it } from "vitest";
import { makeEquation, Program, Var } from "../../../ir/program.js";
import { interpret } from "../../../runtime/interpreter.js";
import { runNative } from "../../../runtime/native/backend.js";
import { encode } from "../../../runtime/numerics/codec.js";
import { Tensor } from "../../../runtime/tensor.js";
import type { DType, Storage } from "../../../ir/dtype.js";
import { rng } from "./gen.js";

function reduceProgram(prim: "reduce_max" | "reduce_min", dtype: DType, shape: number[], axes: number[]): Program {
  const x = new Var({ dtype, shape });
  const keep = shape.filter((_, i) => !axes.includes(i));
  const y = new Var({ dtype, shape: keep });
  return new Program([x], [], [makeEquation(prim, { axes }, [x], [y])], [y], ["x"]);
}

function bitsOf(t: Tensor): number[] {
  const s = t.storage as Storage;
  return Array.from(s instanceof Float32Array ? new Uint32Array(s.buffer, s.byteOffset, s.length) : s);
}

const f32FromBits = (u: number) => new Float32Array(new Uint32Array([u]).buffer)[0]!;

/** Values of a row: mostly zeros of both signs and small numbers, with planted specials. */
function row(r: () => number, n: number, kind: string): number[] {
  const v = Array.from({ length: n }, () => (r() < 0.5 ? (r() < 0.5 ? -0 : 0) : (r() - 0.5) * 1e-3));
  const at = (k: number) => Math.min(n - 1, Math.floor(k));
  if (kind === "zeros") v.fill(-0).forEach((_, i) => (v[i] = r() < 0.1 ? 0 : -0));
  if (kind === "negzeros") v.fill(-0);
  if (kind === "inf") (v[at(r() * n)] = Infinity), (v[at(r() * n)] = -Infinity);
  if (kind === "nan") (v[at(n * 0.7)] = f32FromBits(0x7fc00123)), (v[at(n * 0.3)] = f32FromBits(0xffc00456));
  if (kind === "nantail") v[n - 1] = f32FromBits(0x7fa00001);
  return v;
}

describe("native reduce_max / reduce_min over long rows agree bit for bit", () => {
  const kinds = ["plain", "zeros", "negzeros", "inf", "nan", "nantail"];
  for (const prim of ["reduce_max", "reduce_min"] as const)
    for (const dtype of ["f32", "f16", "bf16", "f8e5m2"] as const)
      it(`${prim} ${dtype}`, () => {
        const r = rng(dtype.length * 31 + prim.length);
        for (const n of [1, 7, 8, 15, 16, 17, 255, 256, 257, 1000, 70000]) {
          for (const kind of kinds) {
            const values = row(r, n, kind);
            const storage = encode(dtype === "f32" ? Float32Array.from(values) : values, dtype) as never;
            for (const [shape, axes] of [[[n], [0]], [[1, n], [1]]] as const) {
              const p = reduceProgram(prim, dtype, [...shape], [...axes]);
              const arg = new Tensor(dtype, [...shape], storage);
              const want = interpret(p, [arg])[0]!;
              const got = runNative(p, [arg])[0]!;
              expect(bitsOf(got), `${prim} ${dtype} n=${n} ${kind} shape [${shape}]`).toEqual(bitsOf(want));
            }
          }
        }
      });
});
