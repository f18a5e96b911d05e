// Throughput of the bulk numerics codecs (runtime/numerics/codec.ts): encode from a
// Float32Array and decode to a Float32Array, 2^22 values, median of 7 timed runs.
// Run: npx tsx bench/numerics.ts
import type { DType } from "../ir/dtype.js";
import { decode, encode } from "../runtime/numerics/codec.js";

const N = 1 << 22;
const RUNS = 7;

// Values spread over about 2^±12 around 1 (covering fp8 subnormals and overflow), signs mixed.
let seed = 12345;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const values = new Float32Array(N).map(() => (rand() - 0.5) * 2 ** Math.floor(rand() * 24 - 12));

function median(f: () => unknown): number {
  f(); // warm-up
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[RUNS >> 1]!;
}

const fmt = (ms: number) => `${((N / ms) * 1e3 / 1e6).toFixed(1).padStart(7)} M values/s (${ms.toFixed(1)} ms)`;

const dtypes: DType[] = ["f8e4m3fn", "f8e5m2", "f16", "bf16"];
console.log(`numerics codecs, ${N} values, median of ${RUNS}`);
for (const dtype of dtypes) {
  const codes = encode(values, dtype);
  const enc = median(() => encode(values, dtype));
  const sat = median(() => encode(values, dtype, { saturate: true }));
  const dec = median(() => decode(codes, dtype));
  console.log(`${dtype.padEnd(9)} encode ${fmt(enc)}  encode(sat) ${fmt(sat)}  decode ${fmt(dec)}`);
}
