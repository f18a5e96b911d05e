// Command-line helpers shared by the A/B scripts (build-ab.ts, jit-ab.ts).
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root directory. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Removes `name` and its value from argv and returns the value (undefined when absent). */
export function takeOption(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at < 0 ? undefined : argv.splice(at, 2)[1];
}
