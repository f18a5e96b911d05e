// The user's call site (file:line:col) for error messages: the first stack frame outside this
// package's library folders (ir, runtime, compiler, cli, in source or in dist/).
import { fileURLToPath } from "node:url";
import * as path from "node:path";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const LIB = [ROOT, path.join(ROOT, "dist")].flatMap((r) => ["ir", "runtime", "compiler", "cli"].map((d) => path.join(r, d) + path.sep));
const ROOT_INDEX = [path.join(ROOT, "index.ts"), path.join(ROOT, "index.js"), path.join(ROOT, "dist", "index.js")];

function isLibraryFile(file: string): boolean {
  return file.startsWith("node:") || file.includes(`${path.sep}node_modules${path.sep}`) || LIB.some((d) => file.startsWith(d)) || ROOT_INDEX.includes(file);
}

const FRAME = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?$/;

/** The user's frame as `file:line:col` (relative to the working directory when below it). */
export function userCallSite(): string | undefined {
  // A short stack is cheap and almost always reaches the user's frame; deep library stacks
  // (transforms composed several times) retry with a long one.
  return siteFromStack(16) ?? siteFromStack(64);
}

function siteFromStack(depth: number): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = depth;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  for (const line of stack.split("\n").slice(1)) {
    const m = FRAME.exec(line.trim());
    if (!m) continue;
    let file = m[1]!;
    if (file.startsWith("file://")) file = fileURLToPath(file);
    if (isLibraryFile(file)) continue;
    const rel = path.relative(process.cwd(), file);
    return `${rel.startsWith("..") ? file : rel}:${m[2]}:${m[3]}`;
  }
  return undefined;
}
