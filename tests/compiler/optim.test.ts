// sf.optim: the updates match optax's formulas on plain f32, and under scalify with scaled f16
// parameters and state they stay in range over a long run (the dynamic rescale at work).
import { describe, expect, it } from "vitest";
import * as sf from "../../index.js";

const target = Array.from({ length: 64 }, (_, i) => Math.sin(i) * 3);
const start = Array.from({ length: 64 }, (_, i) => Math.cos(i * 0.7) * 0.5);

/** ½‖p − target‖²: its gradient is p − target. */
function loss(p: sf.Tensor): sf.Tensor {
  const d = sf.ops.sub(sf.ops.astype(p, "f32"), sf.array(target));
  return sf.ops.mul(sf.ops.sum(sf.ops.mul(d, d)), 0.5);
}

function stepFn(opt: sf.optim.Optimizer) {
  return (p: sf.Tensor, s: unknown) => {
    const g = sf.grad(loss)(p) as sf.Tensor;
    return opt.update(sf.ops.astype(g, p.dtype), s, p);
  };
}

/** Runs `steps` updates on plain f32 and returns the parameters. */
function runPlain(opt: sf.optim.Optimizer, steps: number): Float32Array {
  const step = sf.jit(stepFn(opt));
  let p: unknown = sf.array(start);
  let s: unknown = opt.init(p);
  for (let i = 0; i < steps; i++) ({ params: p, state: s } = step(p, s) as { params: unknown; state: unknown });
  return (p as sf.Tensor).toFloat32Array();
}

/** Plain-JS (f64) reference implementations of the same updates. */
function reference(kind: "sgd" | "momentum" | "adam", lr: number, steps: number): number[] {
  const p = [...start];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  for (let t = 1; t <= steps; t++)
    for (let i = 0; i < p.length; i++) {
      const g = p[i]! - target[i]!;
      if (kind === "sgd") p[i]! -= lr * g;
      else if (kind === "momentum") {
        m[i] = g + 0.9 * m[i]!;
        p[i]! -= lr * m[i]!;
      } else {
        m[i] = 0.9 * m[i]! + 0.1 * g;
        v[i] = 0.999 * v[i]! + 0.001 * g * g;
        p[i]! -= (lr * (m[i]! / (1 - 0.9 ** t))) / (Math.sqrt(v[i]! / (1 - 0.999 ** t)) + 1e-8);
      }
    }
  return p;
}

describe("sf.optim on plain f32", () => {
  for (const [kind, make] of [
    ["sgd", () => sf.optim.sgd(0.1, { rescale: "none" })],
    ["momentum", () => sf.optim.momentum(0.05, { rescale: "none" })],
    ["adam", () => sf.optim.adam(0.05, { rescale: "none" })],
  ] as const) {
    it(`${kind} follows optax's update`, () => {
      const lr = kind === "sgd" ? 0.1 : 0.05;
      const got = runPlain(make(), 20);
      const want = reference(kind, lr, 20);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
    });
  }

  it("init gives zero state shaped like the parameters, and a step count", () => {
    const s = sf.optim.adam(1e-3).init({ w: sf.array([[1, 2]]), b: sf.array([3]) });
    expect(s.mu.w.shape).toEqual([1, 2]);
    expect(s.nu.b.toArray()).toEqual([0]);
    expect(s.rms).toBeUndefined();
    expect(s.count.dtype).toBe("i32");
  });
});

describe("sf.optim under scalify (scaled f16 parameters and state)", () => {
  const scaledStart = () => new sf.ScaledArray(sf.ops.astype(sf.ops.div(sf.array(start), 0.5), "f16"), 0.5);

  function runScaled(opt: sf.optim.Optimizer, steps: number) {
    const step = sf.scalify(stepFn(opt));
    let p: unknown = scaledStart();
    let s: unknown = opt.init(p);
    let maxData = 0;
    for (let i = 0; i < steps; i++) {
      ({ params: p, state: s } = step(p, s) as { params: unknown; state: unknown });
      const st = s as { mu?: unknown; rms?: unknown; trace?: unknown };
      for (const x of sf.tree.leaves([p, st.mu ?? null, st.rms ?? null, st.trace ?? null]) as sf.Tensor[])
        if (x.dtype === "f16") for (const v of x.toFloat32Array()) maxData = Math.max(maxData, Number.isFinite(v) ? Math.abs(v) : Infinity);
    }
    return { p: p as sf.ScaledArray, s: s as sf.optim.AdamState, maxData };
  }

  it("zero state is a scale-0 ScaledArray with the parameter's data dtype", () => {
    const s = sf.optim.adam(1e-3).init({ w: scaledStart() });
    expect(s.mu.w).toBeInstanceOf(sf.ScaledArray);
    expect(s.mu.w.data.dtype).toBe("f16");
    expect(s.mu.w.scale.item()).toBe(0);
  });

  it("adam over 400 steps keeps f16 data re-centred and tracks f32 adam", () => {
    const { p, s, maxData } = runScaled(sf.optim.adam(0.05), 400);
    expect(maxData).toBeLessThan(2);
    expect(p.data.dtype).toBe("f16");
    expect((s.mu as sf.ScaledArray).data.dtype).toBe("f16");
    // Scaled parameters store the second moment as its square root (the gradient's range).
    expect((s.rms as sf.ScaledArray).data.dtype).toBe("f16");
    expect(s.nu).toBeUndefined();
    const want = runPlain(sf.optim.adam(0.05, { rescale: "none" }), 400);
    const got = sf.asarray(p, "f32").toFloat32Array();
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(0.02));
    // It converged to the target.
    got.forEach((v, i) => expect(Math.abs(v - target[i]!)).toBeLessThan(0.05));
  });

  it("without the rescale, scale propagation alone lets the data drift away from the unit range", () => {
    // b1·mu multiplies the data by 1.8 and halves the scale (0.9 = 1.8·2^-1); the add rule only
    // partly re-centres, so the data wanders instead of staying in [1, 2).
    const { maxData } = runScaled(sf.optim.adam(0.05, { rescale: "none" }), 100);
    expect(maxData).toBeGreaterThan(4);
  });

  it("lazy rescale: stored scales change only when the data leaves the window, values as with max", () => {
    const scaleChanges = (rescale: sf.optim.Rescale) => {
      const opt = sf.optim.adam(0.05, { rescale });
      const step = sf.scalify(stepFn(opt));
      let p: unknown = scaledStart();
      let s: unknown = opt.init(p);
      let changes = 0;
      let maxData = 0;
      const scalesOf = (q: unknown, st: sf.optim.AdamState) => [q, st.mu, st.rms].map((x) => (x as sf.ScaledArray).scale.item());
      let before = scalesOf(p, s as sf.optim.AdamState);
      for (let i = 0; i < 300; i++) {
        ({ params: p, state: s } = step(p, s) as { params: unknown; state: unknown });
        const st = s as sf.optim.AdamState;
        const now = scalesOf(p, st);
        changes += now.filter((v, k) => v !== before[k]).length;
        before = now;
        for (const x of [p, st.mu, st.rms] as sf.ScaledArray[]) for (const v of x.data.toFloat32Array()) maxData = Math.max(maxData, Math.abs(v));
      }
      return { changes, maxData, p: sf.asarray(p as sf.ScaledArray, "f32").toFloat32Array() };
    };
    const lazy = scaleChanges("lazy");
    const max = scaleChanges("max");
    // "max" re-centres whenever a tensor's max crosses a power of two (19 times here); "lazy" only
    // sets the zero states' first scales (3), and lets the data wander inside the window.
    expect(max.changes).toBeGreaterThan(10);
    expect(lazy.changes).toBeLessThan(max.changes / 4);
    expect(max.maxData).toBeLessThan(2);
    expect(lazy.maxData).toBeGreaterThan(2);
    expect(lazy.maxData).toBeLessThanOrEqual(sf.scaling.LAZY_WINDOW.hi);
    // f16 rounding is relative, so the scale choice changes values only where data is subnormal.
    lazy.p.forEach((v, i) => expect(Math.abs(v - max.p[i]!)).toBeLessThan(1e-3));
    lazy.p.forEach((v, i) => expect(Math.abs(v - target[i]!)).toBeLessThan(0.05));
  });

  it("sgd and momentum run scaled too", () => {
    for (const opt of [sf.optim.sgd(0.1), sf.optim.momentum(0.05)]) {
      const { p, maxData } = runScaled(opt, 200);
      expect(maxData).toBeLessThan(2);
      sf.asarray(p, "f32").toFloat32Array().forEach((v, i) => expect(Math.abs(v - target[i]!)).toBeLessThan(0.05));
    }
  });
});
