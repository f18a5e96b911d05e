// Program output shared by `trace`, `print` and `transform`: the three forms and where they go.
import { print, toJSON, type Program } from "../index.js";
import { toDot } from "../ir/dot.js";
import { writeFileAtomic } from "../runtime/write-atomic.js";

export const FORMATS = ["text", "json", "dot"] as const;
export type Format = (typeof FORMATS)[number];

export function formatProgram(p: Program, format: Format): string {
  switch (format) {
    case "text":
      return print(p);
    case "json":
      return `${JSON.stringify(toJSON(p), null, 1)}\n`;
    case "dot":
      return toDot(p);
  }
}

/** To `-o FILE` (atomically, so a reader never sees half a program) or to stdout. */
export function emit(text: string, outFile?: string): void {
  if (outFile === undefined) process.stdout.write(text);
  else writeFileAtomic(outFile, text);
}
