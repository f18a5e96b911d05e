// A program big enough to be split over threads (matmul, a full and a partial sum, transcendental
// chains, a gather); returns a hash of its outputs' bits, for plan.test.ts "threads".
import { makeEquation, Program, Var } from "../../../ir/program.js";
import { runNative } from "../../../runtime/native/backend.js";
import { Tensor } from "../../../runtime/tensor.js";

export function threadProbe(): string {
  const a = new Var({ dtype: "f32", shape: [300, 200] });
  const b = new Var({ dtype: "bf16", shape: [200, 150] });
  const d = new Var({ dtype: "f32", shape: [300, 150] });
  const e = new Var({ dtype: "f32", shape: [300, 150] });
  const s = new Var({ dtype: "f32", shape: [] });
  const r = new Var({ dtype: "f32", shape: [300] });
  const dot = { dimension_numbers: [[[1], [0]], [[], []]] as [[number[], number[]], [number[], number[]]], preferred_element_type: "f32" as const };
  const p = new Program(
    [a, b],
    [],
    [
      makeEquation("dot_general", dot, [a, b], [d]),
      makeEquation("tanh", {}, [d], [e]),
      makeEquation("reduce_sum", { axes: [0, 1] }, [e], [s]),
      makeEquation("reduce_sum", { axes: [1] }, [d], [r]),
    ],
    [e, s, r],
    ["a", "b"],
  );
  let seed = 1;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5);
  const args = [new Tensor("f32", [300, 200], Float32Array.from({ length: 60000 }, rand)), new Tensor("bf16", [200, 150], Uint16Array.from({ length: 30000 }, () => 0x3f00 + Math.floor((rand() + 0.5) * 0x200)))];
  let h = 0;
  for (const t of runNative(p, args)) for (const w of new Uint32Array((t.storage as Float32Array).buffer)) h = (Math.imul(h, 31) + w) >>> 0;
  return h.toString(16);
}
