// Finds the IR goldens (tests/golden/**/*.ir) at run time, so files added later are picked up.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const GOLDEN_DIR = fileURLToPath(new URL("../golden/", import.meta.url));

export function goldenIrFiles(dir = GOLDEN_DIR): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return []; // no golden folder yet
  }
  return entries
    .flatMap((e) => (e.isDirectory() ? goldenIrFiles(join(dir, e.name)) : e.name.endsWith(".ir") ? [join(dir, e.name)] : []))
    .sort();
}
