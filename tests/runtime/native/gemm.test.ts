// The native matmul (runtime/native/src/gemm) called directly through the addon's gemmCompute
// export, on every micro-kernel path this CPU can run (portable, AVX2, AVX-512 f32, AVX-512
// BF16 dot products), against an f64 reference with DESIGN's dot tolerance
// K·2^-24·Σ|a·b| (+ one f32 rounding for alpha and for accumulate). Operands are decoded by the
// TypeScript codecs, independently of the C++ tables. The AVX-512 kernels are also checked on
// machines without AVX-512 by `bash runtime/native/src/gemm/test/run.sh --emulate` (SIMDe).
import { describe, expect, it } from "vitest";
import type { DType } from "../../../ir/dtype.js";
import { decode } from "../../../runtime/numerics/codec.js";
import { nativeAddon, nativeAvailable } from "../../../runtime/native/loader.js";

type GemmType = "f32" | "f16" | "bf16" | "f8e4m3fn" | "f8e5m2";
type Storage = Float32Array | Uint16Array | Uint8Array;

interface ComputeOptions {
  a: Storage;
  b: Storage;
  aType: GemmType;
  bType: GemmType;
  m: number;
  n: number;
  k: number;
  batch?: number;
  aStrides?: [number, number, number];
  bStrides?: [number, number, number];
  alpha?: number;
  accumulate?: boolean;
  c?: Float32Array;
  threads?: boolean;
  path?: string;
  impl?: "fast" | "reference";
}
interface GemmExports {
  gemmInfo(): { impl: string; cpu: { avx2: boolean; avx512f: boolean; avx512bf16: boolean }; threads: number };
  gemmCompute(o: ComputeOptions): { c: Float32Array; path: string };
}

const addon = nativeAvailable() ? (nativeAddon() as unknown as Partial<GemmExports>) : undefined;
const gemm = addon?.gemmCompute && addon.gemmInfo ? (addon as GemmExports) : undefined;

const TYPES: GemmType[] = ["f32", "f16", "bf16", "f8e4m3fn", "f8e5m2"];
const BF16_EXACT = new Set<GemmType>(["bf16", "f8e4m3fn", "f8e5m2"]);

let seed = 0x2545f491;
const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;

/** Random finite storage of n elements. */
function randomStorage(t: GemmType, n: number): Storage {
  switch (t) {
    case "f32":
      return Float32Array.from({ length: n }, () => (rnd() * 2 - 1) * 2 ** Math.floor(rnd() * 8 - 4));
    case "bf16": {
      const f = Float32Array.from({ length: n }, () => (rnd() * 2 - 1) * 2 ** Math.floor(rnd() * 16 - 8));
      return Uint16Array.from(new Uint32Array(f.buffer), (u) => u >>> 16);
    }
    case "f16":
      return Uint16Array.from({ length: n }, () => ((rnd() * 2) << 15) | ((4 + Math.floor(rnd() * 22)) << 10) | Math.floor(rnd() * 1024));
    case "f8e4m3fn":
      return Uint8Array.from({ length: n }, () => {
        let c;
        do c = Math.floor(rnd() * 256);
        while ((c & 0x7f) === 0x7f);
        return c;
      });
    case "f8e5m2":
      return Uint8Array.from({ length: n }, () => {
        let c;
        do c = Math.floor(rnd() * 256);
        while (((c >> 2) & 31) === 31);
        return c;
      });
  }
}

const values = (s: Storage, t: GemmType): Float32Array => (t === "f32" ? (s as Float32Array) : decode(s as never, t as DType));

interface Case {
  batch: number;
  m: number;
  n: number;
  k: number;
  aType: GemmType;
  bType: GemmType;
  transA?: boolean;
  transB?: boolean;
  broadcastB?: boolean;
  alpha?: number;
  accumulate?: boolean;
}

/** Runs one case on `path` and checks every element; returns the path the addon reports. */
function check(g: GemmExports, c: Case, path: string, threads = true, data?: { a: Storage; b: Storage }): { path: string; out: Float32Array } {
  const { batch, m, n, k, aType, bType } = c;
  const a = data?.a ?? randomStorage(aType, batch * m * k);
  const b = data?.b ?? randomStorage(bType, (c.broadcastB ? 1 : batch) * k * n);
  const aStrides: [number, number, number] = c.transA ? [m * k, 1, m] : [m * k, k, 1];
  const bStrides: [number, number, number] = [c.broadcastB ? 0 : k * n, ...(c.transB ? ([1, k] as const) : ([n, 1] as const))];
  const c0 = c.accumulate ? Float32Array.from({ length: batch * m * n }, (_, i) => ((i % 7) - 3) * 0.25) : undefined;
  const r = g.gemmCompute({
    a, b, aType, bType, m, n, k, batch, aStrides, bStrides, path, threads,
    ...(c.alpha !== undefined ? { alpha: c.alpha } : {}),
    ...(c0 ? { accumulate: true, c: c0 } : {}),
  });
  const av = values(a, aType);
  const bv = values(b, bType);
  const alpha = c.alpha ?? 1;
  let bad = 0;
  let first = "";
  for (let bi = 0; bi < batch; bi++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        let sa = 0;
        for (let q = 0; q < k; q++) {
          const x = av[bi * aStrides[0] + i * aStrides[1] + q * aStrides[2]]!;
          const y = bv[bi * bStrides[0] + q * bStrides[1] + j * bStrides[2]]!;
          s += x * y;
          sa += Math.abs(x * y);
        }
        const idx = (bi * m + i) * n + j;
        const ref = alpha * s + (c0 ? c0[idx]! : 0);
        const tol = Math.abs(alpha) * k * 2 ** -24 * sa + 2 ** -23 * Math.abs(ref) + 1e-45;
        const got = r.c[idx]!;
        if (!(Math.abs(got - ref) <= tol)) {
          if (!bad) first = `[${bi},${i},${j}] got ${got} want ${ref} ± ${tol}`;
          bad++;
        }
      }
  expect(bad, `${path} ${JSON.stringify(c)}: ${bad} elements off, first ${first}`).toBe(0);
  return { path: r.path, out: r.c };
}

describe("native gemm (direct)", () => {
  // CI builds the addon: a missing one is a failure here, never a skip.
  it("the addon is built", () => expect(gemm, "build it with npm run build:native").toBeTruthy());
  if (!gemm) return;
  const g = gemm;
  const info = g.gemmInfo();
  const paths = ["generic", ...(info.cpu.avx2 ? ["avx2"] : []), ...(info.cpu.avx512f ? ["avx512"] : []), ...(info.cpu.avx512bf16 ? ["avx512-bf16"] : [])];

  it("reports its implementation", () => {
    expect(info.impl).toMatch(/^blocked/);
    expect(info.threads).toBeGreaterThanOrEqual(1);
  });

  for (const path of paths) {
    describe(`path ${path}`, () => {
      it("f32 edge shapes and layouts", () => {
        const shapes = [[1, 1, 1], [3, 5, 7], [14, 32, 2], [15, 33, 257], [29, 63, 300], [1, 200, 40], [200, 1, 40], [100, 70, 513]] as const;
        for (const [m, n, k] of shapes)
          for (let l = 0; l < 4; l++) check(g, { batch: 1, m, n, k, aType: "f32", bType: "f32", transA: (l & 1) === 1, transB: (l & 2) === 2 }, path);
      });

      it("every pair of operand dtypes (batched, broadcast B, alpha)", () => {
        for (const aType of TYPES)
          for (const bType of TYPES) {
            const r = check(g, { batch: 2, m: 19, n: 37, k: 67, aType, bType, transB: true, broadcastB: true, alpha: 0.375 }, path);
            // the bf16 dot-product path is taken exactly when both operands are bf16-exact
            if (path === "avx512-bf16") expect(r.path).toBe(BF16_EXACT.has(aType) && BF16_EXACT.has(bType) ? "avx512-bf16" : "avx512-f32");
            check(g, { batch: 1, m: 45, n: 40, k: 600, aType, bType, transA: true }, path);
          }
      });

      it("accumulate (one and several k blocks) and alpha", () => {
        check(g, { batch: 1, m: 40, n: 50, k: 30, aType: "f32", bType: "bf16", alpha: 1.5, accumulate: true }, path);
        check(g, { batch: 2, m: 30, n: 50, k: 1300, aType: "bf16", bType: "f8e5m2", transA: true, alpha: -2, accumulate: true }, path);
        check(g, { batch: 1, m: 30, n: 20, k: 1100, aType: "f32", bType: "f32", accumulate: true }, path);
      });

      it("results do not depend on the thread count", () => {
        const c: Case = { batch: 1, m: 150, n: 130, k: 700, aType: "f8e4m3fn", bType: "bf16" };
        const a = randomStorage(c.aType, c.m * c.k);
        const b = randomStorage(c.bType, c.k * c.n);
        const one = check(g, c, path, false, { a, b }).out;
        const all = check(g, c, path, true, { a, b }).out;
        expect(Buffer.from(all.buffer).equals(Buffer.from(one.buffer))).toBe(true);
      });
    });
  }

  it("bf16 values below 2^-56 never take the bf16 dot-product path (it flushes subnormals)", () => {
    const a = randomStorage("bf16", 64 * 64);
    a[5] = 0x1c80; // 2^-70
    const r = check(g, { batch: 1, m: 64, n: 64, k: 64, aType: "bf16", bType: "bf16" }, "auto", true, { a, b: randomStorage("bf16", 64 * 64) });
    expect(r.path).not.toBe("avx512-bf16");
  });

  it("propagates NaN and Inf as IEEE arithmetic does", () => {
    const a = new Uint8Array([0x7c, 0x00, 0x3c, 0x3c]); // e5m2: [[inf, 0], [1, 1]]
    const b = new Uint8Array([0x00, 0x3c, 0x3c, 0x7c]); // [[0, 1], [1, inf]]
    const r = g.gemmCompute({ a, b, aType: "f8e5m2", bType: "f8e5m2", m: 2, n: 2, k: 2 });
    expect(Number.isNaN(r.c[0])).toBe(true); // inf·0 + 0·1
    expect(Number.isNaN(r.c[1])).toBe(true); // inf·1 + 0·inf
    expect(r.c[2]).toBe(1); // 1·0 + 1·1
    expect(r.c[3]).toBe(Infinity); // 1·1 + 1·inf
  });

  it("agrees with the reference implementation on a large product", () => {
    const c: Case = { batch: 1, m: 257, n: 255, k: 1100, aType: "f32", bType: "f32" };
    const a = randomStorage("f32", c.m * c.k);
    const b = randomStorage("f32", c.k * c.n);
    check(g, c, "auto", true, { a, b });
  });
});
