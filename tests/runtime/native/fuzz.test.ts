// Fuzzing the addon's raw entry points: every kernel (runPrimitive) with random shapes and with
// wrong lengths, dtypes, shapes, typed array classes and params; compiled plans with corrupted
// values, slots and instructions; execute with wrong arguments. Every call must either return
// well-formed results or throw a JavaScript Error — the process never dies (a crash would fail
// this file).
import { describe, expect, it } from "vitest";
import { DTYPES, allocStorage, type DType } from "../../../ir/dtype.js";
import { PRIMITIVES, type Primitive } from "../../../ir/primitives/catalogue.js";
import { size } from "../../../ir/shape.js";
import { nativeAddon, type NativeTensor } from "../../../runtime/native/loader.js";
import { lower } from "../../../runtime/native/lower.js";
import type { PlanJSON } from "../../../runtime/native/plan-json.js";
import { GENERATORS, pick, randInt, randomCase, randomStorage, rng, type Rng } from "./gen.js";

const addon = () => nativeAddon();

/** Calls f; returns "ok", or "threw" when it threw an Error (anything else thrown fails). */
function attempt(f: () => unknown): "ok" | "threw" {
  try {
    f();
    return "ok";
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message.length).toBeGreaterThan(0);
    return "threw";
  }
}

const WEIRD_VALUES: unknown[] = [undefined, null, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 40, -(2 ** 53), "x", "", true, [], [[]], {}, [1, -1], [0, 0, 0, 0, 0, 0, 0], () => 1, new Float32Array(2), Symbol.iterator];

/** A value of a similar kind but broken: numbers off range, arrays shortened or extended, types swapped. */
function mutateValue(r: Rng, v: unknown): unknown {
  if (r() < 0.3) return pick(r, WEIRD_VALUES);
  if (typeof v === "number") return pick(r, [v + 1, v - 1, -v - 1, v * 1000, 2 ** 31, -(2 ** 31), 0.5]);
  if (typeof v === "boolean") return r() < 0.5 ? !v : 0;
  if (typeof v === "string") return pick(r, ["f64", "clip ", "up", "i32", "bool", "f8e4m3fn"]);
  if (Array.isArray(v)) {
    const a = [...v];
    const k = r();
    if (k < 0.3) a.pop();
    else if (k < 0.6) a.push(pick(r, [0, 1, 7, -3, 100]));
    else if (a.length > 0) {
      const i = randInt(r, 0, a.length - 1);
      a[i] = mutateValue(r, a[i]);
    }
    return a;
  }
  if (v && typeof v === "object") return mutateParams(r, v as Record<string, unknown>);
  return v;
}

function mutateParams(r: Rng, p: Record<string, unknown>): Record<string, unknown> {
  const q: Record<string, unknown> = { ...p };
  const keys = Object.keys(q);
  const k = r();
  if (k < 0.15 || keys.length === 0) q[pick(r, ["axes", "shape", "extra", "alpha", "y"])] = pick(r, WEIRD_VALUES);
  else if (k < 0.3) delete q[pick(r, keys)];
  else {
    const key = pick(r, keys);
    q[key] = mutateValue(r, q[key]);
  }
  return q;
}

/** A tensor argument, sometimes broken: wrong class, length, dtype name, shape, or not an object. */
function mutateTensor(r: Rng, t: NativeTensor): unknown {
  const k = r();
  if (k < 0.15) return { ...t, data: allocStorage(pick(r, DTYPES), size(t.shape)) };
  if (k < 0.3) return { ...t, data: allocStorage(t.dtype as DType, Math.max(0, size(t.shape) + pick(r, [-1, 1, 5]))) };
  if (k < 0.45) return { ...t, dtype: pick(r, [...DTYPES, "f64", "", 3]) };
  if (k < 0.6) return { ...t, shape: mutateValue(r, t.shape) };
  if (k < 0.7) return pick(r, WEIRD_VALUES);
  if (k < 0.8) return { ...t, data: new Int8Array(size(t.shape)) };
  if (k < 0.85) {
    const data = allocStorage(t.dtype as DType, size(t.shape));
    structuredClone(data.buffer, { transfer: [data.buffer as ArrayBuffer] }); // detaches data's buffer
    return { ...t, data };
  }
  return t;
}

function validCall(r: Rng, prim: Primitive): { params: Record<string, unknown>; inputs: NativeTensor[] } {
  const c = GENERATORS[prim](r);
  const inputs = c.ins.map((a, i) => ({
    dtype: a.dtype,
    shape: [...a.shape],
    data: randomStorage(r, a.dtype, size(a.shape), c.indexInputs?.includes(i) ? "index" : "data", c.indexRange),
  }));
  return { params: c.params, inputs };
}

function checkResult(out: NativeTensor[]): void {
  expect(Array.isArray(out)).toBe(true);
  for (const t of out) {
    expect(DTYPES).toContain(t.dtype);
    expect(t.data.length).toBe(size(t.shape));
  }
}

describe("fuzzing the native addon", () => {
  it.each(PRIMITIVES.filter((p) => p !== "custom_vjp").map((p) => [p]))("runPrimitive %s with random and broken operands and params", (prim) => {
    const r = rng(0xf022 + PRIMITIVES.indexOf(prim));
    const counts = { ok: 0, threw: 0 };
    for (let i = 0; i < 150; i++) {
      const { params, inputs } = validCall(r, prim);
      const k = r();
      let args: [unknown, unknown, unknown];
      if (k < 0.2) args = [prim, params, inputs]; // valid
      else if (k < 0.5) args = [prim, mutateParams(r, params), inputs];
      else if (k < 0.8 && inputs.length > 0) {
        const j = randInt(r, 0, inputs.length - 1);
        args = [prim, params, inputs.map((t, i2) => (i2 === j ? mutateTensor(r, t) : t))];
      } else if (k < 0.9) args = [prim, params, r() < 0.5 ? inputs.slice(1) : [...inputs, inputs[0] ?? { dtype: "f32", shape: [], data: new Float32Array(1) }]];
      else args = [pick(r, [prim, "nope", "fused", "custom_vjp", 42]), pick(r, [params, null, 7, [params]]), pick(r, [inputs, null, {}, "x"])];
      const res = attempt(() => checkResult(addon().runPrimitive(...(args as Parameters<ReturnType<typeof addon>["runPrimitive"]>))));
      counts[res]++;
      if (k < 0.2) expect(res).toBe("ok");
    }
    expect(counts.ok).toBeGreaterThan(0);
    expect(counts.threw).toBeGreaterThan(0);
  });

  it("runPrimitive refuses custom_vjp and fused (they are lowered, not kernels)", () => {
    expect(() => addon().runPrimitive("custom_vjp", {}, [])).toThrow(/inlines/);
    expect(() => addon().runPrimitive("fused", {}, [])).toThrow(Error);
  });

  it("stats must be a Float64Array of the right length", () => {
    const x = { dtype: "f32", shape: [2], data: new Float32Array(2) };
    expect(() => addon().runPrimitive("convert_element_type", { new_dtype: "f16", saturate: false }, [x], new Float64Array(3))).toThrow(/counters/);
    expect(() => addon().runPrimitive("convert_element_type", { new_dtype: "f16", saturate: false }, [x], [0, 0, 0] as never)).toThrow(/counters/);
  });

  it("plans with corrupted values, slots and instructions are rejected or run safely", () => {
    const r = rng(77);
    const counts = { ok: 0, threw: 0 };
    for (let trial = 0; trial < 600; trial++) {
      const { program, args } = randomCase(r, pick(r, PRIMITIVES));
      const plan = lower(program).plan;
      const bad = corruptPlan(r, plan);
      let compiled: ReturnType<ReturnType<typeof addon>["Plan"]["prototype"]["execute"]> | undefined;
      const res = attempt(() => {
        const p = new (addon().Plan)(bad as PlanJSON); // deliberately malformed: the addon must reject it
        compiled = p.execute(
          args.map((a) => a.storage),
          undefined,
        );
      });
      counts[res]++;
      void compiled;
    }
    expect(counts.threw).toBeGreaterThan(300);
  });

  it("execute checks its arguments", () => {
    const r = rng(5);
    for (let trial = 0; trial < 200; trial++) {
      const { program, args } = randomCase(r, pick(r, ["add", "dot_general", "transpose", "gather", "reduce_sum"] as Primitive[]));
      const plan = new (addon().Plan)(lower(program).plan);
      const storages = args.map((a) => a.storage as unknown);
      const k = r();
      let bad: unknown[];
      if (k < 0.3) bad = storages.slice(1);
      else if (k < 0.5) bad = [...storages, new Float32Array(1)];
      else if (storages.length > 0) {
        const j = randInt(r, 0, storages.length - 1);
        bad = storages.map((s, i) => (i === j ? mutateValue(r, s) : s));
      } else bad = [1];
      attempt(() => plan.execute(bad as never, pick(r, [undefined, new Float64Array(2), new Float64Array(31), {}]) as never));
    }
  });
});

/** One random corruption of a plan's structure. */
function corruptPlan(r: Rng, plan: PlanJSON): unknown {
  const p = structuredClone({ ...plan, slots: plan.slots.map((s) => ({ ...s })) }) as PlanJSON;
  const k = r();
  const anyIndex = () => pick(r, [-1, 0, 1, 2, 3, 1000, 0.5, NaN]);
  if (k < 0.15 && p.values.length > 0) {
    const v = pick(r, p.values);
    if (r() < 0.5) v.slot = anyIndex();
    else v.shape = mutateValue(r, v.shape) as number[];
  } else if (k < 0.3 && p.slots.length > 0) {
    const s = pick(r, p.slots) as Record<string, unknown>;
    if (s.kind === "internal") s.bytes = pick(r, [0, 1, -4, 3, 1e12]);
    else if (s.kind === "constant") s.data = pick(r, [new Float32Array(0), new Uint8Array(3), null]);
    else s.index = anyIndex();
    if (r() < 0.2) s.kind = pick(r, ["internal", "input", "output", "constant", "x"]);
  } else if (k < 0.5 && p.instrs.length > 0) {
    const ins = pick(r, p.instrs);
    if (r() < 0.4) ins.ins = mutateValue(r, ins.ins) as number[];
    else if (r() < 0.6) ins.outs = mutateValue(r, ins.outs) as number[];
    else if (r() < 0.8) ins.params = mutateParams(r, ins.params as Record<string, unknown>) as never;
    else ins.prim = pick(r, [...PRIMITIVES, "fused", "nope"]);
  } else if (k < 0.6) {
    p.inputs = mutateValue(r, p.inputs) as number[];
  } else if (k < 0.7) {
    p.outputs = mutateValue(r, p.outputs) as number[];
  } else if (k < 0.8 && p.values.length > 1) {
    // Two values in one slot: an overlap that liveness did not allow.
    const a = pick(r, p.values);
    const b = pick(r, p.values);
    b.slot = a.slot;
  } else if (k < 0.9) {
    p.instrs = [...p.instrs].reverse();
  } else {
    return pick(r, [null, {}, { ...p, values: "x" }, { ...p, instrs: [{}] }, 5]);
  }
  return p;
}
