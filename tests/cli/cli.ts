// Runs the CLI from its sources with tsx (no build needed, never stale): `node --import tsx cli/main.ts`.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(ROOT, "cli", "main.ts");
// Absolute, so that the CLI also starts from a working directory outside the project.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function scalify(args: string[], opts: { cwd?: string; main?: string } = {}): Promise<CliResult> {
  const argv = opts.main ? [opts.main, ...args] : ["--import", TSX, MAIN, ...args];
  return new Promise((resolve) => {
    execFile(process.execPath, argv, { cwd: opts.cwd ?? ROOT, encoding: "utf8", maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "scalify-cli-"));
}

export const golden = (name: string) => join(ROOT, "tests", "golden", name);
