import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Examples import "scalify" as users do; in tests that must be the source, not dist/,
    // so that classes (Tensor, Program) are the same objects on both sides.
    alias: { scalify: fileURLToPath(new URL("./index.ts", import.meta.url)) },
  },
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Native outputs are not zero-filled: poisoning them (NaN bytes) before every kernel makes a
    // kernel that leaves part of its output unwritten fail the bit-exact comparisons.
    env: { SCALIFY_NATIVE_POISON: "1" },
  },
});
