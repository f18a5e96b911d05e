// Every golden program (tests/golden/**/*.ir) runs on both backends with random inputs and the
// results agree: values of ScaledArray outputs compared after descaling (data · scale), within a
// relative L2 error that allows for f32 accumulation differences in dot_general and reductions
// (and the low-precision roundings they may flip further down the program).
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { describe, expect, it } from "vitest";
import { isFloat, type DType } from "../../../ir/dtype.js";
import { parse } from "../../../ir/index.js";
import type { Program } from "../../../ir/program.js";
import { size } from "../../../ir/shape.js";
import type { TreeDef } from "../../../ir/tree.js";
import { interpret } from "../../../runtime/interpreter.js";
import { runNative } from "../../../runtime/native/backend.js";
import { encode } from "../../../runtime/numerics/codec.js";
import { Tensor } from "../../../runtime/tensor.js";
import { GOLDEN_DIR, goldenIrFiles } from "../../ir/goldens.js";
import { rng, type Rng } from "./gen.js";

function normal(r: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Plausible inputs: scales are powers of two, data ~ N(0, 0.5²), integers small (labels, indices). */
function inputs(program: Program, r: Rng): Tensor[] {
  return program.inputs.map((v, i) => {
    const name = program.inputNames[i] ?? "";
    const n = size(v.shape);
    const d: DType = v.dtype;
    if (d === "i32") return new Tensor("i32", v.shape, Int32Array.from({ length: n }, () => Math.floor(r() * 8)));
    if (d === "bool") return new Tensor("bool", v.shape, Uint8Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0)));
    const values = name.endsWith(".scale") ? Array.from({ length: n }, () => 2 ** Math.floor(r() * 5 - 2)) : Array.from({ length: n }, () => 0.5 * normal(r));
    return new Tensor(d, v.shape, encode(values, d) as never);
  });
}

/** Output values in flatten order, ScaledArrays descaled (data · scale, in f64). */
function values(tree: TreeDef, outs: Tensor[]): { name: string; dtype: DType; v: Float64Array }[] {
  const res: { name: string; dtype: DType; v: Float64Array }[] = [];
  let k = 0;
  const walk = (t: TreeDef, path: string): void => {
    if (t.kind === "leaf") {
      const x = outs[k++]!;
      res.push({ name: path, dtype: x.dtype, v: Float64Array.from(x.dtype === "i32" ? (x.storage as Int32Array) : x.toFloat32Array()) });
    } else if (t.kind === "node" && t.type === "ScaledArray" && t.children.every((c) => c.kind === "leaf")) {
      const data = outs[k++]!;
      const scale = outs[k++]!.toFloat32Array()[0]!;
      res.push({ name: `${path}(scaled)`, dtype: data.dtype, v: Float64Array.from(data.toFloat32Array(), (x) => x * scale) });
    } else if (t.kind !== "none") {
      t.children.forEach((c, i) => walk(c, `${path}/${t.kind === "object" ? t.keys[i] : i}`));
    }
  };
  walk(tree, "");
  return res;
}

const TOL: Record<DType, number> = { f32: 1e-3, f16: 1e-2, bf16: 2e-2, f8e4m3fn: 8e-2, f8e5m2: 1.5e-1, i32: 0, bool: 0 };

const files = goldenIrFiles();

describe("golden programs on both backends", () => {
  it("there are golden programs", () => {
    expect(files.length).toBeGreaterThan(0);
  });
  it.each(files.map((f) => [relative(GOLDEN_DIR, f), f]))("%s", (_name, file) => {
    const program = parse(readFileSync(file, "utf8"));
    const r = rng(99);
    for (let run = 0; run < 2; run++) {
      const args = inputs(program, r);
      const want = values(program.outTree, interpret(program, args));
      const got = values(program.outTree, runNative(program, args));
      expect(got.length).toBe(want.length);
      want.forEach((w, i) => {
        const g = got[i]!;
        let num = 0;
        let den = 0;
        for (let j = 0; j < w.v.length; j++) {
          const a = g.v[j]!;
          const b = w.v[j]!;
          if (!Number.isFinite(b)) {
            expect(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)), `${w.name}[${j}]: native ${a}, reference ${b}`).toBe(true);
            continue;
          }
          num += (a - b) ** 2;
          den += b * b;
        }
        const err = Math.sqrt(num / Math.max(den, 1e-30));
        if (!isFloat(w.dtype)) expect(err, `${w.name}: integer outputs agree exactly`).toBe(0);
        else expect(err, `${w.name}: relative L2 error`).toBeLessThanOrEqual(TOL[w.dtype]);
      });
    }
  });
});
