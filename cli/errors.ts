// How the CLI reports failures (DESIGN.md "The CLI"): one line, `file:line:col: message` where a
// location exists, exit 1; usage errors exit 2; stack traces only with --debug.
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { errors } from "../index.js";

/** The command was invoked wrongly (bad option value, missing --arg, unknown --fn): exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** An error already formatted as the one line to print (with its cause kept for --debug). */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ").trim();
}

/** `file:line:col` relative to the working directory when below it, as the compiler's call sites are. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/**
 * The one line for an error. `file` is the file being processed, used when the error carries no
 * location of its own. `userFile` (a model file) is searched in the stack of errors raised by user
 * code, so that a plain TypeError in the model still points at its line.
 */
export function formatError(e: unknown, file?: string, userFile?: string): string {
  const prefix = file === undefined ? "" : `${displayPath(file)}: `;
  if (e instanceof CliError) return e.message;
  if (e instanceof errors.ParseError) return `${e.file ?? (file === undefined ? "<input>" : displayPath(file))}:${e.line}:${e.col}: ${oneLine(e.detail)}`;
  // A verify error's call site is file:line:col already (the parser records it per equation).
  if (e instanceof errors.VerifyError) return oneLine(e.callSite ? e.message : `${prefix}${e.message}`);
  if (e instanceof errors.ShapeError || e instanceof errors.DTypeError)
    return oneLine(e.callSite ? `${e.callSite}: ${e.op}: ${e.detail}` : `${prefix}${e.message}`);
  if (e instanceof errors.ValidationError) return oneLine(`${prefix}${e.message}`);
  if (e instanceof Error) {
    const site = userFile === undefined ? undefined : frameIn(e, userFile);
    return oneLine(site ? `${site}: ${e.message}` : `${prefix}${e.message}`);
  }
  return oneLine(`${prefix}${String(e)}`);
}

/** Runs `f`, turning any error into a CliError located in `file` (and `userFile`'s frames). */
export async function locate<T>(f: () => T | Promise<T>, file?: string, userFile?: string): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof UsageError || e instanceof CliError) throw e;
    throw new CliError(formatError(e, file, userFile), 1, { cause: e });
  }
}

const FRAME = /\(?((?:file:\/\/)?[^\s()]+?):(\d+):(\d+)\)?$/;

/** The first stack frame of `e` inside `file`, as `file:line:col` (tsx maps it to the .ts source). */
function frameIn(e: Error, file: string): string | undefined {
  const target = path.resolve(file);
  for (const line of (e.stack ?? "").split("\n").slice(1)) {
    const m = FRAME.exec(line.trim());
    if (!m) continue;
    const f = m[1]!.startsWith("file://") ? fileURLToPath(m[1]!) : m[1]!.replace(/\?.*$/, "");
    if (path.resolve(f) === target) return `${displayPath(target)}:${m[2]}:${m[3]}`;
  }
  return undefined;
}
