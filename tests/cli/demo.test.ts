// `scalify demo` runs end to end, and the built CLI (dist/, what `npx scalify` runs) works too.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { golden, ROOT, scalify } from "./cli.js";

describe("scalify demo", () => {
  it("traces and runs the MLP, and exits 0", async () => {
    const r = await scalify(["demo"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("func mlp(");
    expect(r.stdout).toMatch(/logits +f32\[8,10\]/);
    expect(r.stdout).toContain("eager and traced results agree bit for bit");
  });
});

/** Newest modification time of the sources that dist/ is built from (tsconfig.json's "include"). */
function newestSource(dir = ROOT, top = true): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (top && !["index.ts", "ir", "runtime", "compiler", "cli", "examples"].includes(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p, false));
    else if (e.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const BUILT = join(ROOT, "dist", "cli", "main.js");

describe("the built CLI (dist/cli/main.js)", () => {
  // CI builds before testing; locally a stale or missing dist/ is rebuilt first (TypeScript only).
  beforeAll(() => {
    if (!existsSync(BUILT) || statSync(BUILT).mtimeMs < newestSource()) execFileSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: ROOT, stdio: "inherit" });
  }, 240_000);
  it("traces the MLP to the golden and runs the demo", async () => {
    const trace = await scalify(["trace", "examples/mlp.ts", "--fn", "mlp"], { main: BUILT });
    expect(trace.stderr).toBe("");
    expect(trace.stdout).toBe(readFileSync(golden("mlp.ir"), "utf8"));
    const demo = await scalify(["demo"], { main: BUILT });
    expect(demo.code).toBe(0);
  });
});
