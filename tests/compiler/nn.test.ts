// sf.nn against f64 references.
import { describe, expect, it } from "vitest";
import * as nn from "../../compiler/nn.js";
import * as ops from "../../compiler/ops/index.js";
import { spec, trace } from "../../compiler/trace.js";
import { eagerAndTraced, expectClose, flat, prims, t } from "./op-helpers.js";

const rows = [
  [1, 2, 3, -1],
  [0.5, 0.5, -2, 4],
];

function refSoftmax(r: number[]): number[] {
  const mx = Math.max(...r);
  const e = r.map((v) => Math.exp(v - mx));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe("activations", () => {
  it("relu is a select against a static zero (gradient 0 at 0)", () => {
    expect(flat(nn.relu(t([-1, 0, 2])))).toEqual([0, 0, 2]);
    const p = trace(nn.relu, spec("f32", [3]));
    expect(prims(p)).toEqual(["gt", "broadcast_in_dim", "select_n"]);
    eagerAndTraced(nn.relu, t([-1, 0, 2, -0]));
  });

  it("gelu: tanh approximation by default, erf when approximate is false", () => {
    const xs = [-3, -1, -0.1, 0, 0.5, 2];
    const tanhRef = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    const erfRef = [-0.0040496, -0.15865525, -0.04601721, 0, 0.34573123, 1.95449974];
    expectClose(nn.gelu(t(xs)), xs.map(tanhRef), 2e-6);
    expectClose(nn.gelu(t(xs), { approximate: false }), erfRef, 2e-6);
    eagerAndTraced((x) => nn.gelu(x), t(xs));
  });

  it("logistic, sigmoid, silu", () => {
    expectClose(nn.sigmoid(t([0, 2])), [0.5, 1 / (1 + Math.exp(-2))], 3e-7);
    expect(nn.logistic).toBe(nn.sigmoid);
    expectClose(nn.silu(t([1])), [1 / (1 + Math.exp(-1))], 3e-7);
  });
});

describe("softmax family", () => {
  it("softmax matches f64 and rows sum to 1", () => {
    const s = nn.softmax(t(rows));
    expectClose(s, rows.flatMap(refSoftmax), 1e-6);
    expectClose(ops.sum(s, -1), [1, 1], 1e-6);
    // along axis 0: column-wise
    const cols = [0, 1, 2, 3].map((j) => refSoftmax([rows[0]![j]!, rows[1]![j]!]));
    expectClose(nn.softmax(t(rows), 0), [...cols.map((c) => c[0]!), ...cols.map((c) => c[1]!)], 1e-6);
  });

  it("subtracts a stop_gradient of the max, as JAX", () => {
    const p = trace((x) => nn.softmax(x), spec("f32", [2, 4]));
    expect(prims(p).slice(0, 3)).toEqual(["reduce_max", "expand_dims", "stop_gradient"]);
  });

  it("logSoftmax is stable for large inputs", () => {
    const big = [1000, 1001, 999];
    const out = nn.logSoftmax(t(big));
    const lse = 1001 + Math.log(Math.exp(-1) + 1 + Math.exp(-2));
    expectClose(out, big.map((v) => v - lse), 1e-6);
    expect(flat(out).every(Number.isFinite)).toBe(true);
    eagerAndTraced((x) => nn.logSoftmax(x), t(rows));
  });

  it("logSumExp: stable, keepdims, and −inf rows give −inf", () => {
    const lse = (r: number[]) => Math.max(...r) + Math.log(r.reduce((s, v) => s + Math.exp(v - Math.max(...r)), 0));
    expectClose(nn.logSumExp(t(rows)), rows.map(lse), 1e-6);
    expect(nn.logSumExp(t(rows), -1, { keepdims: true }).shape).toEqual([2, 1]);
    expectClose(nn.logSumExp(t([[1000, 1000]])), [1000 + Math.log(2)], 1e-6);
    expect(flat(nn.logSumExp(t([[-Infinity, -Infinity]])))).toEqual([-Infinity]);
    expectClose(nn.logSumExp(t(rows), [0, 1]), [lse(rows.flat())], 1e-6);
  });
});

describe("layerNorm", () => {
  it("normalises the last axis and applies scale and bias", () => {
    const eps = 1e-5;
    const ref = rows.flatMap((r) => {
      const mu = r.reduce((a, b) => a + b, 0) / r.length;
      const v = r.reduce((a, b) => a + (b - mu) ** 2, 0) / r.length;
      return r.map((x, j) => ((x - mu) / Math.sqrt(v + eps)) * (j + 1) + 0.5);
    });
    const out = nn.layerNorm(t(rows), { scale: t([1, 2, 3, 4]), bias: t([0.5, 0.5, 0.5, 0.5]) });
    expectClose(out, ref, 2e-6);
    const plain = nn.layerNorm(t(rows));
    expectClose(ops.mean(plain, -1), [0, 0], 1e-6);
    expect(prims(trace((x) => nn.layerNorm(x), spec("f32", [2, 4])))).toContain("rsqrt");
  });
});

describe("oneHot and softmaxCrossEntropy", () => {
  it("oneHot puts a 1 at each index; out-of-range rows are zero", () => {
    const o = nn.oneHot([0, 2, 3], 3);
    expect(o.shape).toEqual([3, 3]);
    expect(flat(o)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect(nn.oneHot(t([[1]], "i32"), 2, { dtype: "bf16" }).dtype).toBe("bf16");
  });

  it("softmaxCrossEntropy is the batch mean of −log softmax at the label", () => {
    const labels = [2, 3];
    const ref = -(Math.log(refSoftmax(rows[0]!)[2]!) + Math.log(refSoftmax(rows[1]!)[3]!)) / 2;
    const loss = nn.softmaxCrossEntropy(t(rows), labels);
    expect(loss.shape).toEqual([]);
    expectClose(loss, [ref], 1e-6);
    eagerAndTraced((x, y) => nn.softmaxCrossEntropy(x, y), t(rows), t(labels, "i32"));
    // a −inf logit away from the label does not poison the loss
    expect(Number.isFinite(nn.softmaxCrossEntropy(t([[0, -Infinity]]), [0]).item())).toBe(true);
  });
});
