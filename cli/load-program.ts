// Reads a program file in either form: JSON when it looks like JSON, the IR text otherwise.
import { readFileSync } from "node:fs";
import { fromJSON, parse, verify, type Program } from "../index.js";
import { CliError, displayPath, locate } from "./errors.js";

export function isJsonText(file: string, text: string): boolean {
  return file.endsWith(".json") || text.trimStart().startsWith("{");
}

/** Parses and verifies `file`; errors become one located line (file:line:col where there is one). */
export async function loadProgram(file: string): Promise<Program> {
  const shown = displayPath(file);
  const text = await locate(() => readFileSync(file, "utf8"), file);
  return locate(() => {
    const p = isJsonText(file, text) ? fromJSON(parseJson(text, shown)) : parse(text, { file: shown });
    verify(p);
    return p;
  }, file);
}

/** JSON.parse with its error position turned into line:col. */
function parseJson(text: string, shown: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    if (!pos) throw new CliError(`${shown}: invalid JSON: ${msg}`);
    const before = text.slice(0, Number(pos[1]));
    const line = before.split("\n").length;
    const col = before.length - before.lastIndexOf("\n");
    throw new CliError(`${shown}:${line}:${col}: invalid JSON: ${msg.replace(/ in JSON at position \d+.*$/, "")}`);
  }
}
