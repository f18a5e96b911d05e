// bench (d)'s chain, relu(x·1.5 + 0.25) on 2^24 f32, as `f(x).delete()` through sf.jit and as the
// addon's plain C++ loop (`bandwidthBench`), each timed on its first and second pass in a row,
// the two taking turns: a second pass finds part of its 64 MB input still in the L3 cache, so
// only like against like is a fair ratio (bench/README.md, "(d), later on 2026-12-06").
//
//   SCALIFY_NUM_THREADS=1 node --import tsx bench/chain-passes.ts [rounds] [--pool-input]
//
// --pool-input: x in the addon's output pool (huge pages) instead of a JavaScript-made array.
import * as sf from "../index.js";
import type { Tensor } from "../index.js";
import { nativeAddon } from "../runtime/native/loader.js";

const N = 1 << 24;
const argv = process.argv.slice(2);
const rounds = Number(argv.find((a) => /^\d+$/.test(a)) ?? 27);
const addon = nativeAddon();
const chain = (v: Tensor) => sf.nn.relu(sf.ops.add(sf.ops.mul(v, 1.5), 0.25));
const f = sf.jit(chain, { backend: "native" });
const js = sf.fromBits(Float32Array.from({ length: N }, () => Math.random() * 2 - 1), "f32", [N]);
const x = argv.includes("--pool-input") ? (sf.jit((v: Tensor) => sf.ops.mul(v, 1), { backend: "native" })(js) as Tensor) : js;

const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1]!;
const gbs = (ms: number) => ((8 * N) / ms / 1e6).toFixed(1);
const timed = (fn: () => void) => {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
};

addon.bandwidthBench({ n: N, reps: 1, warmup: 1 }); // maps and fills its buffers
for (let r = 0; r < 3; r++) {
  const [ours1, ours2, loop1, loop2]: number[][] = [[], [], [], []];
  for (let i = 0; i < rounds; i++) {
    ours1.push(timed(() => f(x).delete()));
    ours2.push(timed(() => f(x).delete()));
    const t = addon.bandwidthBench({ n: N, reps: 2, warmup: 0 }).times;
    loop1.push(t[0]!);
    loop2.push(t[1]!);
  }
  const [o1, o2, l1, l2] = [ours1, ours2, loop1, loop2].map(median) as [number, number, number, number];
  console.log(
    `sf.jit first ${gbs(o1)} second ${gbs(o2)} GB/s | C++ loop first ${gbs(l1)} second ${gbs(l2)} GB/s | ratio first ${(l1 / o1).toFixed(2)} second ${(l2 / o2).toFixed(2)}`,
  );
}
